// LoadController: issues MVIN/MVIN2/MVIN3 in order. Each row becomes DMA read requests; rows land in the
// scratchpad (int8) or the accumulator (int32, e.g. a bias D) through the bank's write port.
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
};

}  // namespace coda::engine
