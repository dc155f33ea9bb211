// Normalizer (Gemmini's Normalizer): reduction lanes on the mvout path that turn accumulator rows into per-row
// statistics held in `normalizer.slots` statistic slots. A pass streams one row (read from the accumulator a
// DIM-element block at a time) through `lanes` lanes, ceil(elements / lanes) cycles, then `latency_cycles` of
// pipeline, then the finishing step of the command: the mean (a division, `divide_cycles`), the inverse
// standard deviation (iterative integer square root, one result bit per `isqrt_cycles_per_bit`, then a
// division) or the reciprocal of the sum of exponentials (`divide_cycles`). While one slot finishes, the lanes
// serve the other slot's row; a slot's next pass waits for its statistic (the store controller is in order,
// so software interleaves two rows). Functional mode keeps each slot's statistics and computes them with the
// models/ I-BERT pass kernels.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "models/ibert.h"
#include "sim/config/hw_config.h"
#include "sim/engine/segment_state.h"
#include "sim/isa/command.h"

namespace coda::engine {

class Normalizer {
 public:
  explicit Normalizer(const config::HwConfig& hw);

  struct Slot {
    uint64_t ready = 0;                        // cycle the slot's statistic is available
    models::ibert::LayerNormSums sums;
    models::ibert::LayerNormCenter center;
    uint64_t var_sum = 0;
    models::ibert::LayerNormStats stats;
    int32_t max = 0;
    int64_t exp_sum = 0;
    int64_t inverse = 0;
  };

  struct PassTiming {
    uint64_t lanes_start = 0, lanes_end = 0;   // the lanes are busy over [lanes_start, lanes_end)
    uint64_t stat_ready = 0;                   // the slot's statistic is final
  };

  // Timing of one statistics pass over `elements` elements whose first block arrives at `data_ready`.
  // `exp_cycles` is the activation units' time to compute i-exp of the elements (SUM_EXP), 0 otherwise.
  PassTiming pass(isa::NormCmd cmd, uint32_t slot, uint64_t data_ready, uint64_t elements, uint64_t exp_cycles);

  // Functional: applies the pass to a row's values (the valid, unmasked elements).
  void compute(isa::NormCmd cmd, uint32_t slot, std::span<const int32_t> row, const models::ibert::SoftmaxParams* sm);
  // Clears a slot after its apply pass (NormCmd::Reset).
  void reset(uint32_t slot);

  Slot& slot(uint32_t s) { return slots_[s % slots_.size()]; }
  uint64_t finish_cycles(isa::NormCmd cmd) const;
  // Timing state (segment_state.h): the lanes' and the slots' ready cycles, used only as max(data, ...) with the
  // data cycle after the command's start. (The slots' statistics are functional-mode data.)
  void save(StateWriter& w) const {
    w.time(lanes_free_);
    for (const Slot& s : slots_) w.time(s.ready);
  }
  void load(StateReader& r) {
    lanes_free_ = r.time();
    for (Slot& s : slots_) s.ready = r.time();
  }

 private:
  uint64_t lanes_, latency_, isqrt_bit_, divide_;
  std::vector<Slot> slots_;
  uint64_t lanes_free_ = 0;
};

}  // namespace coda::engine
