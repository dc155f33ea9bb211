// Integer-only evaluation of a subnet: post-training quantization and the I-BERT datapath of models/.
//
//   embedding   token and position tables int8 with one shared scale S_e; x0 = requant_i8(tok + pos) (int32 sum,
//               one dyadic to the first layer's input scale)
//   layers      models::run_encoder_layer_int (causal) on models::EncoderLayer built from the subnet's weight
//               slices: int8 weights, per-tensor scales (the engine's numerics: one scale per int32
//               accumulator tensor), int32 biases, i-Softmax, i-GELU, i-LayerNorm, dyadic requantization;
//               layer i + 1's input scale is layer i's output scale, so layers chain without requantization
//   LM head     logits_acc = out_int8 x E_int8^T (models::gemm_i8), the tied embedding quantized per output
//               channel (one scale per vocabulary row); logit = acc * S_out * S_row + out_bias
// Static activation scales are range / 127, the range of each activation tensor chosen over a float run of the
// subnet on calibration windows of the training text (by default the MSE-optimal clip, see mse_clip_range). The loss (log-softmax of the int32 logits, dequantized) is the measurement, not datapath.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "models/encoder_layer.h"
#include "models/lm/arch.h"
#include "models/lm/model.h"
#include "models/lm/train.h"

namespace coda::models::lm {

struct IntegerLm {
  SubnetArch arch;
  int64_t vocab = 0;
  double embed_scale = 0;              // S_e of both tables
  std::vector<int8_t> tok_q;           // [vocab][hidden]
  std::vector<int8_t> pos_q;           // [seq][hidden]
  Dyadic embed_requant;                // S_e -> layers[0].scales.input
  std::vector<EncoderLayer> layers;
  std::vector<int8_t> head_q;          // [vocab][hidden], per-row scale
  std::vector<double> head_scale;      // [vocab]
  std::vector<double> out_bias;        // [vocab]
};

// How an activation tensor's clipping range is chosen from its calibration values.
enum class RangeMethod {
  MaxAbs,  // max |x|: nothing clips, one outlier sets the resolution of the whole tensor
  Mse,     // the clip c <= max |x| minimising the expected squared int8 quantization error (mse_clip_range)
};

struct CalibrationOptions {
  int64_t windows = 8;                 // windows of arch.seq characters spread over the calibration text
  RangeMethod method = RangeMethod::Mse;
};

// The clip c in {max|x| * (1 - k/256), k = 0..192} that minimises the expected squared error of symmetric int8
// quantization with scale c/127: clipped values cost (|x| - c)^2, the others the rounding noise (c/127)^2/12.
// |x| is binned into a 2048-bin histogram, so the cost does not grow with the candidate count. 0 for an empty or
// all-zero tensor; throws ArchError on a non-finite value. Deterministic (a fixed summation order).
double mse_clip_range(std::span<const float> values);

// Activation ranges of every layer of the float subnet over the calibration windows (`method` per tensor).
std::vector<ActivationRanges> calibrate_ranges(const Params& p, const SubnetArch& arch,
                                               std::span<const int32_t> calibration_tokens, int64_t windows,
                                               double* embed_range = nullptr, RangeMethod method = RangeMethod::Mse);
RangeMethod parse_range_method(const std::string& name);  // "max" | "mse"; throws ArchError otherwise
// Quantizes the subnet (calibrated on calibration_tokens, normally the training text).
IntegerLm quantize_subnet(const Params& p, const SubnetArch& arch, int64_t vocab,
                          std::span<const int32_t> calibration_tokens, const CalibrationOptions& opt = {});

struct IntegerTrace {
  std::vector<int8_t> x0;                          // the first layer's input
  std::vector<std::vector<int8_t>> layer_out;      // every layer's int8 output
  std::vector<int32_t> logits_acc;                 // [seq][vocab]
};
// One window of arch.seq tokens -> logits [seq][vocab] (dequantized from the int32 accumulators).
std::vector<double> integer_logits(const IntegerLm& m, std::span<const int32_t> tokens, IntegerTrace* trace = nullptr);

// Mean NLL (nats/char) over the first max_windows non-overlapping windows (0: all) of tokens, windows split over
// `threads` threads (0: hardware concurrency); the result does not depend on the thread count.
double integer_nll(const IntegerLm& m, std::span<const int32_t> tokens, int64_t max_windows, unsigned threads = 1);

// The NAS quality function: quantize the subnet of ck (calibrated on its first `calibration_windows` windows of
// calibration_tokens) and return its integer-only perplexity on the first `windows` windows of eval_tokens.
double integer_perplexity(const Checkpoint& ck, const SubnetArch& arch, std::span<const int32_t> eval_tokens,
                          int64_t windows, std::span<const int32_t> calibration_tokens, unsigned threads = 1,
                          int64_t calibration_windows = 8, RangeMethod method = RangeMethod::Mse);
// Float perplexity of the same windows.
double float_perplexity(const Checkpoint& ck, const SubnetArch& arch, std::span<const int32_t> eval_tokens,
                        int64_t windows);

}  // namespace coda::models::lm
