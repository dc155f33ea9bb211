// LoadController: issues MVIN/MVIN2/MVIN3 in order. Each row becomes DMA read requests; rows land in the
// scratchpad (int8) or the accumulator (int32, e.g. a bias D; or int8 widened by the stream's mvin scale, e.g. a
// residual operand) through the bank's write port; an accumulating load adds onto the accumulator (saturating).
#pragma once

#include <array>

#include "sim/engine/engine_context.h"

namespace coda::engine {

class LoadController {
 public:
  explicit LoadController(EngineContext& ctx) : ctx_(ctx) {}
  // Simulates `p`, which may not start before `earliest`; returns its start and end cycles.
  Timing simulate(const Pending& p, uint64_t earliest);
  uint64_t free_at() const { return free_; }
  // Segment memo (segment_state.h): the free cycle (used as max(earliest, free)) and the streams' settings.
  void save(StateWriter& w) const {
    w.time(free_);
    for (size_t s = 0; s < 3; ++s) {
      w.put(uint64_t(stride_[s]) | uint64_t(int8_in_[s]) << 32);
      w.put(uint64_t(uint32_t(scale_[s].multiplier)) | uint64_t(uint32_t(scale_[s].shift)) << 32);
    }
  }
  void load(StateReader& r) {
    free_ = r.time();
    for (size_t s = 0; s < 3; ++s) {
      const uint64_t a = r.get(), b = r.get();
      stride_[s] = uint32_t(a);
      int8_in_[s] = (a >> 32) & 1;
      scale_[s].multiplier = int32_t(uint32_t(b));
      scale_[s].shift = int(int32_t(uint32_t(b >> 32)));
    }
  }

 private:
  EngineContext& ctx_;
  uint64_t free_ = 0;
  std::array<uint32_t, 3> stride_{};
  std::array<bool, 3> int8_in_{};
  std::array<models::Dyadic, 3> scale_{models::Dyadic{1, 0}, models::Dyadic{1, 0}, models::Dyadic{1, 0}};
};

}  // namespace coda::engine
