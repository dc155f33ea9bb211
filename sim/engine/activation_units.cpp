#include "sim/engine/activation_units.h"

#include <algorithm>

namespace coda::engine {

ActivationUnits::ActivationUnits(const config::HwConfig& hw)
    : count_(uint64_t(std::max<int64_t>(1, hw.activation_units.count))),
      cpe_(uint64_t(std::max<int64_t>(1, hw.activation_units.cycles_per_element))),
      latency_(uint64_t(hw.activation_units.latency_cycles)) {}

uint64_t ActivationUnits::Stream::done_after(uint64_t n) const {
  return start + (n * per_element_num + per_element_den - 1) / per_element_den + latency;
}

ActivationUnits::Stream ActivationUnits::stream(uint64_t ready, uint64_t elements) {
  Stream s;
  s.start = std::max(ready, free_);
  s.busy = std::max<uint64_t>(1, (elements + count_ - 1) / count_ * cpe_);
  s.latency = latency_;
  s.per_element_num = cpe_;
  s.per_element_den = count_;
  free_ = s.start + s.busy;
  return s;
}

}  // namespace coda::engine
