// Activation/scale units on the mvout path (Gemmini's scale and activation pipelines for I-BERT): `count` units,
// each taking one element per `cycles_per_element`, results `latency_cycles` later. They compute i-GELU, i-exp
// (for the softmax's sum of exponentials and its apply step) and the LayerNorm apply, calling the models/ kernels
// in functional mode (the store controller does the calls; this block owns the timing).
#pragma once

#include <cstdint>

#include "sim/config/hw_config.h"
#include "sim/engine/segment_state.h"

namespace coda::engine {

class ActivationUnits {
 public:
  explicit ActivationUnits(const config::HwConfig& hw);

  struct Stream {
    uint64_t start = 0;   // first element enters
    uint64_t busy = 0;    // cycles the units are occupied
    uint64_t latency = 0;
    // Cycle by which the first `n` elements have left the units.
    uint64_t done_after(uint64_t n) const;
    uint64_t end() const { return start + busy + latency; }
    uint64_t per_element_num = 1, per_element_den = 1;  // cycles per element = num / den
  };

  // Streams `elements` elements through the units, the first available at `ready`.
  Stream stream(uint64_t ready, uint64_t elements);
  // Timing state (segment_state.h): the units' free cycle, used only as max(ready, free).
  void save(StateWriter& w) const { w.time(free_); }
  void load(StateReader& r) { free_ = r.time(); }

 private:
  uint64_t count_, cpe_, latency_;
  uint64_t free_ = 0;
};

}  // namespace coda::engine
