// Which quantization step costs the integer-only subnet its perplexity: the float subnet is run with ONE step of
// the integer datapath emulated at a time (fake quantization: round to the int8 grid the integer path uses, then
// back to float), and its perplexity compared with the plain float subnet's. What `coda ppl --sensitivity`
// prints; docs/lm.md records the measurements behind the quantization choices (per-tensor weights, MSE clipping,
// quantization-aware attention probabilities).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "models/lm/integer.h"

namespace coda::models::lm {

struct QuantSensitivity {
  std::string step;         // what is quantized (see quantization_sensitivity)
  double perplexity = 0;    // float subnet with that step fake-quantized
  double relative = 0;      // perplexity / float perplexity - 1
};

// Steps, each alone: "weights per tensor", "weights per output channel" (every linear layer's weight slice),
// "embedding" (x0, the first layer's input), "q", "k", "v", "probabilities" (rounded to multiples of 1/127, as
// the i-Softmax stores them), "context", "ln1", "gelu", "layer output"; then "all activations" (every activation
// step together, float weights). Activation ranges from calibrate_ranges (calibration_windows windows of
// calibration_tokens, `method`). Evaluated on the first `windows` windows of eval_tokens. The first entry is the
// float subnet itself ("float", relative 0).
std::vector<QuantSensitivity> quantization_sensitivity(const Checkpoint& ck, const SubnetArch& arch,
                                                       std::span<const int32_t> eval_tokens, int64_t windows,
                                                       std::span<const int32_t> calibration_tokens,
                                                       int64_t calibration_windows = 8,
                                                       RangeMethod method = RangeMethod::Mse);

}  // namespace coda::models::lm
