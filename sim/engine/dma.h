// Gemmini's DMA: a StreamReader (mvin) and a StreamWriter (mvout). Each splits a row into aligned
// power-of-two requests of at most `max_request_bytes`, issues at most one request per cycle, keeps at
// most `max_in_flight` requests outstanding, and moves data over a `bus_bits`-wide bus.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

#include "sim/config/hw_config.h"
#include "sim/engine/dram.h"
#include "sim/engine/segment_state.h"
#include "sim/engine/stats.h"

namespace coda::engine {

// Timing of one row transfer.
struct RowTiming {
  uint64_t last_issue = 0;  // cycle the row's last request was issued
  uint64_t done = 0;        // cycle the row's data is all delivered (read) or acknowledged (write)
};

class DmaChannel {
 public:
  DmaChannel(const config::DmaConfig& cfg, Dram& dram, Counters& counters, bool write);

  // Moves one row of `bytes` at DRAM address `addr`; requests may issue from cycle `t`.
  // (Inline: the load and store controllers call it once per row.)
  RowTiming row(uint64_t t, uint64_t addr, uint32_t bytes) {
    RowTiming r{t, t};
    while (bytes > 0) {
      const uint32_t piece = next_piece(addr, bytes);
      r.last_issue = issue_request(t, addr, piece);
      if (last_done_ > r.done) r.done = last_done_;
      addr += piece;
      bytes -= piece;
    }
    return r;
  }

  // Timing state at a quiescent point (segment_state.h): the in-flight slots from the next one to use, the next
  // issue cycle and the bus. Each is only ever combined as max(stored, requested) with a requested cycle at or
  // after the command's start, so any stored time <= the barrier acts as the barrier. (last_done_ is set by
  // every request before it is read: no state.)
  void save(StateWriter& w) const {
    for (uint32_t i = 0; i < in_flight_; ++i) w.time(slot_free_[(slot_ + i) % in_flight_]);
    w.time(next_issue_);
    w.time(bus_free_);
  }
  void load(StateReader& r) {
    for (uint32_t i = 0; i < in_flight_; ++i) slot_free_[i] = r.time();
    slot_ = 0;
    next_issue_ = r.time();
    bus_free_ = r.time();
  }

  // Number of requests a row of `bytes` at `addr` splits into (aligned power-of-two pieces).
  static uint32_t split_count(uint64_t addr, uint32_t bytes, uint32_t max_bytes);

 private:
  // The next request of a transfer at `addr`: the largest power of two that divides the address, fits the
  // remaining bytes and is at most `max_bytes`.
  static uint32_t next_piece_general(uint64_t addr, uint32_t bytes, uint32_t max_bytes) {
    const uint64_t align = addr ? (addr & (~addr + 1)) : max_bytes;
    auto piece = static_cast<uint32_t>(align < max_bytes ? align : max_bytes);
    while (piece > bytes) piece >>= 1;
    return piece;
  }
  uint32_t next_piece(uint64_t addr, uint32_t bytes) const {
    if (!max_pow2_) return next_piece_general(addr, bytes, max_bytes_);
    // max_bytes is a power of two, so the candidate is too and halving it until it fits gives bit_floor(bytes).
    const uint64_t align = addr ? (addr & (~addr + 1)) : max_bytes_;
    const auto piece = static_cast<uint32_t>(align < max_bytes_ ? align : max_bytes_);
    return piece > bytes ? std::bit_floor(bytes) : piece;
  }

  // Issues one request no earlier than `t`; returns its issue cycle and sets last_done_.
  uint64_t issue_request(uint64_t t, uint64_t addr, uint32_t bytes) {
    uint64_t& slot = slot_free_[slot_];
    slot_ = (slot_ + 1 == in_flight_) ? 0 : slot_ + 1;
    const uint64_t ready = t > next_issue_ ? t : next_issue_;
    const uint64_t issue = ready > slot ? ready : slot;
    counters_.dma_wait_cycles += issue - ready;
    next_issue_ = issue + 1;
    const uint64_t beats = bus_pow2_ ? (bytes + bus_bytes_ - 1) >> bus_shift_ : (bytes + bus_bytes_ - 1) / bus_bytes_;
    uint64_t done;
    if (write_) {
      // Write data goes over the bus with the request, then DRAM acknowledges.
      const uint64_t bus_start = issue > bus_free_ ? issue : bus_free_;
      bus_free_ = bus_start + beats;
      done = dram_access(bus_free_, addr, bytes);
      ++counters_.dma_write_requests;
      counters_.dram_bytes_written += bytes;
    } else {
      // DRAM serves the read, then the response beats return over the bus.
      const uint64_t data = dram_access(issue, addr, bytes);
      const uint64_t bus_start = data > bus_free_ ? data : bus_free_;
      bus_free_ = bus_start + beats;
      done = bus_free_;
      ++counters_.dma_read_requests;
      counters_.dram_bytes_read += bytes;
    }
    slot = done;
    last_done_ = done;
    return issue;
  }
  // SimpleDram without a virtual call; any other model through the interface.
  uint64_t dram_access(uint64_t t, uint64_t addr, uint32_t bytes) {
    return simple_ ? simple_->serve(t, bytes) : dram_.access(t, addr, bytes, write_);
  }

  Dram& dram_;
  SimpleDram* simple_;               // dram_ if it is a SimpleDram, else null
  Counters& counters_;
  bool write_;
  uint32_t max_bytes_;
  bool max_pow2_;
  uint32_t bus_bytes_;
  bool bus_pow2_;
  uint32_t bus_shift_;
  uint32_t in_flight_;
  std::vector<uint64_t> slot_free_;  // ring: cycle each in-flight slot frees
  uint64_t slot_ = 0;
  uint64_t next_issue_ = 0;          // one request per cycle
  uint64_t bus_free_ = 0;            // data bus (read responses, or write data)
  uint64_t last_done_ = 0;           // completion of the request issued last
};

}  // namespace coda::engine
