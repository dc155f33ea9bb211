// A schedule: per fusion point of an I-BERT encoder layer, whether the consumer runs fused on the producing
// matmul's output path (data stays in the accumulator) or unfused (the producer writes to DRAM and a separate
// pass reads it back). Fusion needs the transformer units (normalizer, activation units); without them the
// consumers run on the host whatever the schedule says. The lowering decides what is feasible on a config
// (whole-row tiles must fit the accumulator) and records each decision with its reason.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace coda::compiler {

enum class FusionPoint : uint8_t {
  QkSoftmax,         // QK^T -> softmax: scores stay in the accumulator, the normalizer consumes them
  OutProjLayerNorm,  // W_out (+ residual) -> LayerNorm: whole output rows in the accumulator
  Ffn2LayerNorm,     // FFN W2 (+ residual) -> LayerNorm: whole output rows in the accumulator
  Ffn1Gelu,          // FFN W1 -> i-GELU on the mvout path
};
inline constexpr int kNumFusionPoints = 4;

// YAML key / JSON name of a fusion point: "qk_softmax", "out_proj_layernorm", "ffn2_layernorm", "ffn1_gelu".
std::string_view fusion_point_name(FusionPoint p);

struct Schedule {
  std::string name = "unfused";                 // "unfused", "fused", or the file it was read from
  std::array<bool, kNumFusionPoints> fused{};   // requested: true = fused

  bool is_fused(FusionPoint p) const { return fused[static_cast<size_t>(p)]; }
  static Schedule unfused();
  static Schedule all_fused();
};

// What the lowering did at one fusion point of one layer kind: requested, applied, and why not when different.
struct FusionDecision {
  bool requested = false;
  bool applied = false;
  std::string reason;  // empty when applied == requested
};

}  // namespace coda::compiler
