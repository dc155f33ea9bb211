// StoreController: issues MVOUT in order. Rows are read from the accumulator (scaled to int8 through the
// accumulator's scale pipeline, or full int32 rows) or the scratchpad, then written by the DMA. With the
// transformer units, an accumulator mvout may also
//   - carry a normalizer command (bits 28..26 of its address): the row streams through the normalizer into a
//     statistic slot (`stream` names the slot) and nothing is written to DRAM;
//   - pass through the activation units: i-GELU (then the scale), or the apply step of LayerNorm or softmax
//     with the slot's statistics, writing int8. A row wider than DIM is read block by block (Gemmini's
//     multi-block mvout: block b of row r at address + b * DIM + r).
#pragma once

#include <vector>

#include "sim/engine/engine_context.h"

namespace coda::engine {

class StoreController {
 public:
  explicit StoreController(EngineContext& ctx) : ctx_(ctx) {}
  Timing simulate(const Pending& p, uint64_t earliest);
  uint64_t free_at() const { return free_; }
  // Segment memo (segment_state.h): the free cycle (used as max(earliest, free)) and the store settings.
  void save(StateWriter& w) const {
    w.time(free_);
    w.put(uint64_t(stride_) | uint64_t(act_) << 32 | uint64_t(scale_shift_) << 40);
    w.put(uint64_t(uint32_t(scale_mult_)));
  }
  void load(StateReader& r) {
    free_ = r.time();
    const uint64_t a = r.get();
    stride_ = uint32_t(a);
    act_ = isa::Activation((a >> 32) & 0xff);
    scale_shift_ = uint8_t(a >> 40);
    scale_mult_ = int32_t(uint32_t(r.get()));
  }

 private:
  Timing normalize(const isa::Command& c, uint64_t start);  // statistics pass or LayerNorm/softmax apply
  void gather(const isa::Command& c, uint32_t r, uint32_t cols);  // functional: row r's int32 values into row_

  EngineContext& ctx_;
  uint64_t free_ = 0;
  uint32_t stride_ = 0;
  isa::Activation act_ = isa::Activation::None;
  int32_t scale_mult_ = 1;
  uint8_t scale_shift_ = 0;
  std::vector<int32_t> row_;  // functional scratch (capacity reused)
};

}  // namespace coda::engine
