// StoreController: issues MVOUT in order. Rows are read from the accumulator (scaled to int8 through the
// accumulator's scale pipeline, or full int32 rows) or the scratchpad, then written by the DMA.
#pragma once

#include "sim/engine/engine_context.h"

namespace coda::engine {

class StoreController {
 public:
  explicit StoreController(EngineContext& ctx) : ctx_(ctx) {}
  Timing simulate(const Pending& p, uint64_t earliest);
  uint64_t free_at() const { return free_; }

 private:
  EngineContext& ctx_;
  uint64_t free_ = 0;
  uint32_t stride_ = 0;
  isa::Activation act_ = isa::Activation::None;
  int32_t scale_mult_ = 1;
  uint8_t scale_shift_ = 0;
};

}  // namespace coda::engine
