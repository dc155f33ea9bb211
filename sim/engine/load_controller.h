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

 private:
  EngineContext& ctx_;
  uint64_t free_ = 0;
  std::array<uint32_t, 3> stride_{};
  std::array<bool, 3> int8_in_{};
  std::array<models::Dyadic, 3> scale_{models::Dyadic{1, 0}, models::Dyadic{1, 0}, models::Dyadic{1, 0}};
};

}  // namespace coda::engine
