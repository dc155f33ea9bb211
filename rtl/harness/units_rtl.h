// Drivers of the Verilated transformer units (rtl/units/): stream inputs through a unit one per cycle and
// collect the results with the cycle each left the unit. The kernel constants come from the models/ parameter
// structs, exactly as the engine's units get them.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "models/ibert.h"

namespace coda::rtl {

// Parameters the units were Verilated with (rtl/CMakeLists.txt): the shipped configs' activation-unit latency
// and normalizer lanes/latency.
struct UnitRtlParams {
  static constexpr int kActivationLatency = 2;
  static constexpr int kNormLanes = 4;
  static constexpr int kNormLatency = 4;
};

struct StreamResult {
  std::vector<int32_t> out;
  uint64_t latency = 0;  // cycles from an element entering to its result leaving (the same for every element)
};

// i-GELU / i-exp of every input, one element entering per cycle.
StreamResult gelu_rtl(std::span<const int32_t> q, const models::ibert::GeluParams& p);
StreamResult exp_rtl(std::span<const int64_t> q, const models::ibert::ExpParams& p);

// The iterative square root: root and the cycles from start to done.
class IsqrtRtl {
 public:
  IsqrtRtl();
  ~IsqrtRtl();
  struct Result {
    uint32_t root = 0;
    uint64_t cycles = 0;
  };
  Result run(uint64_t n, int cycles_per_bit);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The normalizer's reduction lanes: one pass over a row, kNormLanes elements per cycle.
class NormLanesRtl {
 public:
  NormLanesRtl();
  ~NormLanesRtl();
  struct Result {
    models::ibert::LayerNormSums sums;  // MODE_SUM: count, sum, min, max
    uint64_t var_sum = 0;               // MODE_SQUARES
    uint64_t cycles = 0;                // from the first beat to the statistic (ceil(n / lanes) + latency)
  };
  Result sum_pass(std::span<const int32_t> row);
  Result squares_pass(std::span<const int32_t> row, const models::ibert::LayerNormCenter& c);

 private:
  Result pass(std::span<const int32_t> row, bool squares, const models::ibert::LayerNormCenter* c);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace coda::rtl
