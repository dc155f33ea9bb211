// DRAM behind an interface: the DMA asks when a request of `bytes` issued at `t` completes.
// SimpleDram is a latency + bandwidth model; a detailed model can implement the same interface.
#pragma once

#include <cstdint>
#include <memory>

#include "sim/config/hw_config.h"
#include "sim/engine/segment_state.h"

namespace coda::engine {

class Dram {
 public:
  virtual ~Dram() = default;
  // Returns the cycle at which the data of a read is available (or a write is acknowledged).
  virtual uint64_t access(uint64_t t, uint64_t addr, uint32_t bytes, bool write) = 0;
  virtual uint64_t busy_cycles() const = 0;
};

// Requests are served in arrival order at `bytes_per_cycle`; each completes `latency_cycles` after its
// transfer finishes. Fractional bandwidth is tracked in 1/65536-cycle fixed point so that it is exact
// and deterministic.
class SimpleDram final : public Dram {
 public:
  explicit SimpleDram(const config::DramConfig& cfg);
  uint64_t access(uint64_t t, uint64_t /*addr*/, uint32_t bytes, bool /*write*/) override { return serve(t, bytes); }
  // The model itself, inline so that the DMA's per-request path can call it without a virtual call.
  uint64_t serve(uint64_t t, uint32_t bytes) {
    const uint64_t t_fp = t << kFrac;
    const uint64_t start = t_fp > free_fp_ ? t_fp : free_fp_;
    const uint64_t occupancy = uint64_t(bytes) * cost_per_byte_fp_;
    free_fp_ = start + occupancy;
    busy_fp_ += occupancy;
    // Round the end of the transfer up to a whole cycle.
    const uint64_t done = (free_fp_ + (1ull << kFrac) - 1) >> kFrac;
    return done + latency_;
  }
  uint64_t busy_cycles() const override { return busy_fp_ >> kFrac; }
  // Segment memo (segment_state.h): the transfer frontier is only used as max(request, frontier), and requests
  // come at or after the barrier; the busy time is a counter, replayed as a delta in fixed point.
  void save(StateWriter& w) const { w.time_fp(free_fp_, kFrac); }
  void load(StateReader& r) { free_fp_ = r.time_fp(kFrac); }
  uint64_t busy_fp() const { return busy_fp_; }
  void add_busy_fp(uint64_t d) { busy_fp_ += d; }

 private:
  static constexpr int kFrac = 16;
  uint64_t latency_;
  uint64_t cost_per_byte_fp_;  // cycles per byte << kFrac
  uint64_t free_fp_ = 0;
  uint64_t busy_fp_ = 0;
};

std::unique_ptr<Dram> make_dram(const config::DramConfig& cfg);

}  // namespace coda::engine
