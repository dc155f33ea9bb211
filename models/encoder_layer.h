// Reference executors of one I-BERT encoder layer: the integer-only executor (int8 activations and weights,
// int32 accumulators, the I-BERT kernels of ibert.h) and the float executor of the same layer (the same weights,
// dequantized; exact GELU, softmax and LayerNorm). The integer executor is what the simulator's functional mode
// must reproduce bit for bit; every step is a public function on whole tensors and every intermediate tensor
// is kept, so a verifier can compare op by op.
//
// Op order (the op graph's order for one layer):
//   q/k/v = requant_i8(x W{q,k,v} + b)                  int8 x int8 (+ int32 bias) -> int32 -> int8
//   scores[h] = q_h k_h^T                                int32, scale S_q S_k (1/sqrt(head_dim) goes to softmax)
//   probs[h] = i-Softmax(scores[h]) (causal mask)        int8 in [0, 127], scale 1/127
//   context[:, h] = requant_i8(probs[h] v_h)             int32 (scale S_v / 127) -> int8
//   attn_out = context W_o + b_o                         int32, scale S_ctx S_wo
//   residual1 = attn_out + requant_i32(x)                int32 (x rescaled into attn_out's scale)
//   ln1 = i-LayerNorm(residual1)                         int8
//   ffn1 = ln1 W_1 + b_1                                 int32
//   gelu = i-GELU(ffn1)                                  int32; gelu_q = requant_i8(gelu)
//   ffn2 = gelu_q W_2 + b_2                              int32
//   residual2 = ffn2 + requant_i32(ln1)                  int32
//   out = i-LayerNorm(residual2)                         int8
//
// Tensor layouts: row-major; activations [seq][features]; q/k/v/context [seq][heads * head_dim] with head h in
// columns [h * head_dim, (h + 1) * head_dim); scores/probs [heads][seq][seq]; weights [in][out] (the GEMM's B).
//
// Weights: deterministic pseudo-random (SplitMix64 + Irwin-Hall approximate normals, no libm calls, so the
// same seed gives the same bytes on every platform), std 1/sqrt(fan_in); int8 per-tensor symmetric scales
// (per tensor, not per channel, so that each int32 accumulator tensor has one scale and the int32 residual add
// and LayerNorm see comparable values). Biases int32 at scale S_in * S_w. Activation scales are static,
// calibrated as max|activation| / 127 from a float run of the layer on a calibration input.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "models/ibert.h"

namespace coda::models {

struct EncoderLayerDims {
  int64_t seq = 0;
  int64_t hidden = 0;
  int64_t heads = 0;
  int64_t head_dim = 0;  // heads * head_dim (the attention width) may differ from hidden
  int64_t ffn = 0;
  bool causal = false;
  int64_t attn_width() const { return heads * head_dim; }
  void validate() const;  // throws std::invalid_argument unless every dimension is >= 1
};

// y = x W + b with per-tensor symmetric int8 weights.
struct QuantLinear {
  int64_t in = 0;
  int64_t out = 0;
  std::vector<int8_t> weight;       // [in][out]
  double weight_scale = 0.0;        // S_w
  double input_scale = 0.0;         // S_x of the int8 input
  std::vector<int32_t> bias;        // [out], scale S_x * S_w
  std::vector<float> weight_float;  // dequantized weight (the float executor's weight)
  std::vector<float> bias_float;    // dequantized bias (the float executor's bias)
  double acc_scale() const { return input_scale * weight_scale; }
};

// Static activation scales (calibrated) and the accumulator scales they imply.
struct EncoderLayerScales {
  double input = 0, q = 0, k = 0, v = 0, context = 0, ln1 = 0, gelu = 0, output = 0;  // int8 tensors
  double scores = 0;         // S_q S_k (the softmax's input scale is scores / sqrt(head_dim))
  double probs = 0;          // 1/127
  double context_acc = 0;    // S_v / 127
  double attn_out_acc = 0;   // S_ctx S_wo (also residual1's scale)
  double ffn1_acc = 0;       // S_ln1 S_w1
  double gelu_acc = 0;       // i-GELU output scale
  double ffn2_acc = 0;       // S_gelu S_w2 (also residual2's scale)
};

struct EncoderLayer {
  EncoderLayerDims dims;
  uint64_t seed = 0;
  QuantLinear wq, wk, wv, wo, ffn1, ffn2;
  std::vector<double> ln1_gamma, ln1_beta, ln2_gamma, ln2_beta;
  EncoderLayerScales scales;
  Dyadic q_requant, k_requant, v_requant;  // acc -> int8 q/k/v
  Dyadic context_requant;                  // probs x v acc -> int8 context
  Dyadic residual1_rescale;                // int8 x -> attn_out_acc scale (int32)
  Dyadic gelu_requant;                     // i-GELU int32 -> int8
  Dyadic residual2_rescale;                // int8 ln1 -> ffn2_acc scale (int32)
  ibert::SoftmaxParams softmax;
  ibert::GeluParams gelu;
  ibert::LayerNormParams ln1, ln2;
};

inline constexpr double kLayerNormEpsilon = 1e-12;  // float executor's LayerNorm epsilon (BERT's value)

// Deterministic approximately N(0, 1) values (Irwin-Hall of 4 uniforms, scaled to unit variance), rows x cols.
std::vector<float> random_activations(int64_t rows, int64_t cols, uint64_t seed);

// Builds the layer: random weights from seed, quantized; calibrates the activation scales with a float run on
// calibration_input (seq x hidden); quantizes biases; derives every dyadic and kernel parameter.
EncoderLayer make_encoder_layer(const EncoderLayerDims& dims, uint64_t seed, std::span<const float> calibration_input);
// Same, calibrating on random_activations(seq, hidden, seed + 0x5eed).
EncoderLayer make_encoder_layer(const EncoderLayerDims& dims, uint64_t seed);

// ---- integer steps on whole tensors ----
// x [rows][lin.in] int8 -> x W + b, int32 [rows][lin.out] (scale lin.acc_scale()).
std::vector<int32_t> linear_i32(const QuantLinear& lin, std::span<const int8_t> x, int64_t rows);
// q, k [seq][attn_width] -> scores [heads][seq][seq] int32 (q_h k_h^T).
std::vector<int32_t> attention_scores(std::span<const int8_t> q, std::span<const int8_t> k, const EncoderLayerDims& d);
// scores [heads][seq][seq] -> probs int8 [heads][seq][seq] (i-Softmax per row, causal mask when d.causal).
std::vector<int8_t> attention_probs(std::span<const int32_t> scores, const EncoderLayerDims& d,
                                    const ibert::SoftmaxParams& p);
// probs [heads][seq][seq], v [seq][attn_width] -> context accumulators int32 [seq][attn_width] (probs_h v_h).
std::vector<int32_t> attention_context(std::span<const int8_t> probs, std::span<const int8_t> v,
                                       const EncoderLayerDims& d);
// acc + requantize_i32(skip, rescale), elementwise (int32, saturating).
std::vector<int32_t> residual_add(std::span<const int32_t> acc, std::span<const int8_t> skip, Dyadic rescale);

// Every tensor of one integer run, named as in the op order above.
struct EncoderIntTensors {
  std::vector<int8_t> x;
  std::vector<int32_t> q_acc, k_acc, v_acc;
  std::vector<int8_t> q, k, v;
  std::vector<int32_t> scores;
  std::vector<int8_t> probs;
  std::vector<int32_t> context_acc;
  std::vector<int8_t> context;
  std::vector<int32_t> attn_out, residual1;
  std::vector<int8_t> ln1;
  std::vector<int32_t> ffn1, gelu;
  std::vector<int8_t> gelu_q;
  std::vector<int32_t> ffn2, residual2;
  std::vector<int8_t> out;
};

// Every tensor of one float run (scores already divided by sqrt(head_dim)).
struct EncoderFloatTensors {
  std::vector<float> x, q, k, v, scores, probs, context, attn_out, residual1, ln1, ffn1, gelu, ffn2, residual2, out;
};

// Largest |value| of every int8 activation tensor of a layer, from float calibration runs (the static scales are
// symmetric_scale(range), i.e. range / 127).
struct ActivationRanges {
  double input = 0, q = 0, k = 0, v = 0, context = 0, ln1 = 0, gelu = 0, output = 0;
};
// The ranges of one float run.
ActivationRanges activation_ranges(const EncoderFloatTensors& t);
// Elementwise maximum (to calibrate over several runs).
ActivationRanges max_ranges(const ActivationRanges& a, const ActivationRanges& b);

// Per-tensor symmetric int8 quantization of a float weight [in][out] (scale max|w| / 127); bias [out] stays float
// (bias_float) until calibrate_encoder_layer knows the input scale.
QuantLinear make_quant_linear(int64_t in, int64_t out, std::span<const float> weight, std::span<const float> bias);
// For a layer whose dims, linears (make_quant_linear) and LayerNorm gamma/beta are set: the static activation
// scales from `ranges`, the quantized biases, and every dyadic and kernel parameter. make_encoder_layer is
// random weights + one float calibration run + this.
void calibrate_encoder_layer(EncoderLayer& layer, const ActivationRanges& ranges);

// Integer executor. x: [seq][hidden] int8 at scales.input.
EncoderIntTensors run_encoder_layer_int(const EncoderLayer& layer, std::span<const int8_t> x);
// Float executor on the dequantized weights and biases. x: [seq][hidden] float.
EncoderFloatTensors run_encoder_layer_float(const EncoderLayer& layer, std::span<const float> x);

// cos(angle) between two equally long vectors (1 when both are zero); throws on a size mismatch.
double cosine_similarity(std::span<const float> a, std::span<const float> b);

}  // namespace coda::models
