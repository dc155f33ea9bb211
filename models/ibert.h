// Quantization and the I-BERT integer-only kernels: the one source of numerics for the whole project.
//
// Everything here is deterministic integer arithmetic on int8/int32 values with int64 intermediates.
// Floating point appears only in the make_*_params() functions, which turn real scales into integer constants
// once; the per-element and per-row kernels below them use integers only. The accelerator's units (sim/),
// the RTL tests (rtl/) and the perplexity evaluator (nas/) call these functions, so their results are
// bit-exact with the reference by construction.
//
// Rounding rule (one rule everywhere): every rounding right shift and every rounded division rounds to the
// nearest integer, ties to even (unbiased; what Gemmini's rounding shift does). Float -> int quantization uses
// std::nearbyint under the default rounding mode, i.e. also ties to even.
//
// The algorithms, constants, measured errors and bounds are documented in docs/numerics.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace coda::models {

// ---------------------------------------------------------------------------------------------------------------
// Integer helpers
// ---------------------------------------------------------------------------------------------------------------

// v / 2^shift rounded to nearest, ties to even. shift in [0, 62]; shift 0 returns v.
int64_t round_shift(int64_t v, int shift);
// num / den rounded to nearest, ties to even. den > 0.
int64_t div_round(int64_t num, int64_t den);
int8_t saturate_i8(int64_t v);    // clamp to [-128, 127]
int32_t saturate_i32(int64_t v);  // clamp to [INT32_MIN, INT32_MAX]

// ---------------------------------------------------------------------------------------------------------------
// Symmetric uniform quantization (static scales): q = round(clip(x, -alpha, alpha) / S), S = alpha / (2^(b-1) - 1)
// ---------------------------------------------------------------------------------------------------------------

// S = alpha / (2^(bits-1) - 1). alpha > 0 finite, bits in [2, 32]. A zero alpha (an all-zero tensor) is
// replaced by the smallest normal double so that the scale stays usable.
double symmetric_scale(double alpha, int bits = 8);
// round(clip(x / scale, -(2^(bits-1) - 1), 2^(bits-1) - 1)) (ties to even). Never returns -2^(bits-1).
int32_t quantize(double x, double scale, int bits = 8);
inline double dequantize(int64_t q, double scale) { return static_cast<double>(q) * scale; }
// Elementwise int8 quantization / dequantization of a tensor.
std::vector<int8_t> quantize_i8(std::span<const float> x, double scale);
std::vector<float> dequantize(std::span<const int8_t> q, double scale);
std::vector<float> dequantize(std::span<const int32_t> q, double scale);
// Largest |x| (the calibration statistic for a symmetric scale); 0 for an empty span.
double max_abs(std::span<const float> x);

// ---------------------------------------------------------------------------------------------------------------
// Dyadic requantization: x * multiplier / 2^shift, rounded (ties to even)
// ---------------------------------------------------------------------------------------------------------------

// The dyadic number multiplier / 2^shift. multiplier in [0, 2^31), shift in [0, 62].
struct Dyadic {
  int32_t multiplier = 0;
  int shift = 0;
  double value() const;  // multiplier / 2^shift as a double (for reports and tests)
  friend bool operator==(const Dyadic&, const Dyadic&) = default;
};

// The dyadic nearest to ratio with a multiplier of multiplier_bits bits (in [2^(bits-1), 2^bits)), so the
// relative error of value() is <= 2^-bits. ratio must be finite and in [0, 2^31 - 1/2): when it needs a negative
// shift the shift is 0 and the multiplier is round(ratio); ratios below 2^(bits-63) lose multiplier bits because
// the shift stops at 62 (and may round to 0). multiplier_bits in [1, 31]. Throws std::invalid_argument.
Dyadic make_dyadic(double ratio, int multiplier_bits = 31);

// round(x * d) as int64 (|x| < 2^32 keeps the product exact in int64).
int64_t apply_dyadic(int64_t x, Dyadic d);
// int32 accumulator (scale S_in) -> int8 (scale S_out) with d = make_dyadic(S_in / S_out); saturates.
int8_t requantize_i8(int32_t x, Dyadic d);
// int32/int8 value (scale S_in) -> int32 (scale S_out) with d = make_dyadic(S_in / S_out); saturates.
// Used to rescale the residual (int8) into the accumulator's scale before the int32 residual add.
int32_t requantize_i32(int32_t x, Dyadic d);
std::vector<int8_t> requantize_i8(std::span<const int32_t> x, Dyadic d);
std::vector<int32_t> requantize_i32(std::span<const int8_t> x, Dyadic d);

}  // namespace coda::models

namespace coda::models::ibert {

// ---------------------------------------------------------------------------------------------------------------
// i-Poly: a (x + b)^2 + c on an integer q with scale S
// ---------------------------------------------------------------------------------------------------------------

// q_b = floor(b / S), q_c = floor(c / (a S^2)), output scale a S^2 (negative when a < 0).
struct PolyParams {
  int64_t q_b = 0;
  int64_t q_c = 0;
  double output_scale = 0.0;
};
PolyParams make_poly_params(double a, double b, double c, double input_scale);
// (q + q_b)^2 + q_c. The caller keeps |q + q_b| < 2^31 (all kernels below do).
int64_t poly(int64_t q, const PolyParams& p);

// ---------------------------------------------------------------------------------------------------------------
// i-GELU: int32 (scale S) -> int32 (scale output_scale), elementwise
// ---------------------------------------------------------------------------------------------------------------
// GELU(x) = x * h(x), h(x) = (1 + erf(x / sqrt 2)) / 2, erf(u) ~ sgn(u) [a (min(|u|, -b) + b)^2 + 1],
// a = -0.2888, b = -1.769. The erf polynomial runs as i-Poly on |q| pre-shifted by 2^pre_shift so that its
// internal scale S / (sqrt2 * 2^pre_shift) lies in (2^-14, 2^-13] (|q_c| < 2^30): the constants are
// equally precise for every input scale (a left pre-shift is lossless; a right one only drops bits far below
// the approximation error). q_erf + floor(1 / S_erf) is then mapped by one dyadic to h in [0, 1] with
// kHBits fractional bits, and out = round(q * h / 2^(kHBits - out_extra_bits)). The output keeps the input
// scale unless that is coarser than 2^-12, in which case out_extra_bits fractional bits are added so that the
// output rounding stays below 2^-13 (an int8-scale input would otherwise add S/2 of error).
struct GeluParams {
  static constexpr int kHBits = 24;  // fractional bits of h
  double input_scale = 0.0;
  double output_scale = 0.0;  // input_scale / 2^out_extra_bits
  int pre_shift = 0;          // > 0: |q| << pre_shift, < 0: round_shift(|q|, -pre_shift)
  PolyParams erf;             // i-Poly of a (u + b)^2 + 1 on the internal scale
  int64_t erf_clip = 0;       // -erf.q_b: clip of |u| in internal units
  Dyadic to_h;                // (-(q_erf + q_c)) * to_h = h * 2^kHBits
  int out_extra_bits = 0;     // output scale = input scale / 2^out_extra_bits (0 unless S > 2^-12)
};
// input_scale in [2^-40, 2^12]. Throws std::invalid_argument otherwise.
GeluParams make_gelu_params(double input_scale);
// i-GELU of one element, int32 at output_scale. Saturates to int32 (reachable only for |x| > 2^18 when
// out_extra_bits > 0, or for q within a 2^-24 fraction of INT32_MAX).
int32_t gelu(int32_t q, const GeluParams& p);
std::vector<int32_t> gelu(std::span<const int32_t> q, const GeluParams& p);

// ---------------------------------------------------------------------------------------------------------------
// i-exp: int (scale S, x <= 0) -> exp(x) with kOutBits fractional bits, elementwise
// ---------------------------------------------------------------------------------------------------------------
// x = -ln2 (z + f), z integer, f in [0, 1): t = round(-q * S / ln2 * 2^kFracBits) by one dyadic multiply
// (instead of I-BERT's per-element division by floor(ln2 / S)), z = t >> kFracBits, f = t mod 2^kFracBits.
// exp(-f ln2) ~ L(p) = a (p + b)^2 + c on p = -f ln2 in (-ln2, 0] via i-Poly with scale ln2 / 2^kFracBits,
// out = round(poly * to_out / 2^z), to_out = a S_p^2 * 2^kOutBits.
enum class ExpPolynomial : uint8_t {
  // Default. Relative-error minimax quadratic on [-ln2, 0] (Remez): 0.35090782 p^2 + 0.96084582 p + 0.99827524,
  // max relative error 1.725e-3 (the right criterion for softmax, whose result is a ratio of exps).
  // exp(0) = 0.99828 (2^30 * 0.99828); L is increasing, so i-exp stays monotonic across the z boundaries.
  Minimax,
  // I-BERT's quant_modules.py coefficients 0.35815147 p^2 + 0.96963238 p + 1: exact at p = 0 and p = -ln2,
  // max absolute error 1.9e-3 but max relative error 3.3e-3 (near p = -0.56).
  IBert,
};
struct ExpParams {
  static constexpr int kFracBits = 16;  // fraction bits of t (units of ln2)
  static constexpr int kOutBits = 30;   // output scale 2^-30
  double input_scale = 0.0;
  ExpPolynomial polynomial = ExpPolynomial::Minimax;
  Dyadic to_log2;    // -q * to_log2 = t
  PolyParams poly;   // on p_q = -f, scale ln2 / 2^kFracBits; value < 2^35
  Dyadic to_out;     // poly * to_out = exp(p) * 2^kOutBits (before the shift by z); 27-bit multiplier
  double output_scale() const { return 1.0 / static_cast<double>(int64_t{1} << kOutBits); }
};
// input_scale in [2^-40, 2^16]. Throws std::invalid_argument otherwise.
ExpParams make_exp_params(double input_scale, ExpPolynomial polynomial = ExpPolynomial::Minimax);
// exp(q * S) * 2^30 (rounded) for q <= 0. q is clamped to [-(2^32 - 1), 0] (so a difference of two int32
// values is always a valid input); positive q gives exp(0). Returns a value in [0, 2^30].
int32_t exp(int64_t q, const ExpParams& p);

// ---------------------------------------------------------------------------------------------------------------
// i-Softmax: int32 row (scale S) -> int8 probabilities in [0, 127], scale 1/127 (so p = 1 is exact)
// ---------------------------------------------------------------------------------------------------------------
// The normalization unit's three passes per row, and the whole-row function that is exactly their composition:
//   pass 1: m = softmax_max(row)                      (max is associative: combine partial maxima with max)
//   pass 2: s = softmax_exp_sum(row, m, p)            (sum of i-exp(x - m), int64; combine partial sums with +)
//           inv = softmax_inverse(s)                  (one integer division per row: floor(127 * 2^55 / s))
//   pass 3: y = softmax_apply(x, m, inv, p)           (round(i-exp(x - m) * inv / 2^55), per element)
// The input scale must include any 1/sqrt(head_dim) factor (it is folded into the scale, not the data).
// Output: int8 storable, scale 1/127, so that attn x V is an int8 x int8 matmul.
struct SoftmaxParams {
  static constexpr int kRecipShift = 55;     // inv = floor(kOutMax * 2^55 / sum)
  static constexpr int32_t kOutMax = 127;    // probability 1 -> 127
  ExpParams exp;
  double output_scale() const { return 1.0 / kOutMax; }
};
SoftmaxParams make_softmax_params(double input_scale, ExpPolynomial polynomial = ExpPolynomial::Minimax);
int32_t softmax_max(std::span<const int32_t> row);  // throws std::invalid_argument on an empty row
int64_t softmax_exp_sum(std::span<const int32_t> row, int32_t max, const SoftmaxParams& p);
int64_t softmax_inverse(int64_t sum);  // sum > 0 (a row's sum is >= ~2^30); throws otherwise
// Pass 3 for one element x of the row (x <= max; a larger x is treated as x = max). Result in [0, 127].
int8_t softmax_apply(int32_t x, int32_t max, int64_t inverse, const SoftmaxParams& p);
// Whole row: the composition of the passes over row[0, valid); out[valid, n) = 0 (masked, e.g. causal).
// valid = -1 means the whole row. out.size() == row.size(); 1 <= valid <= row.size().
void softmax_row(std::span<const int32_t> row, std::span<int8_t> out, const SoftmaxParams& p,
                 std::ptrdiff_t valid = -1);
// rows x cols matrix, row-major; causal: row i keeps columns [0, i + 1 + causal_offset) where
// causal_offset = cols - rows (so a square matrix gets the usual lower triangle).
std::vector<int8_t> softmax(std::span<const int32_t> x, int64_t rows, int64_t cols, const SoftmaxParams& p,
                            bool causal = false);

// ---------------------------------------------------------------------------------------------------------------
// Integer square root (Newton), floor-exact
// ---------------------------------------------------------------------------------------------------------------
// n = 0 -> 0; x0 = 2^ceil(bits(n)/2); x_{i+1} = floor((x_i + floor(n / x_i)) / 2) while x_{i+1} < x_i.
struct IsqrtResult {
  uint64_t root = 0;    // floor(sqrt(n))
  int iterations = 0;   // Newton steps taken (divisions), for the normalizer's timing model
};
IsqrtResult isqrt_newton(uint64_t n);
uint32_t isqrt32(uint32_t n);  // floor(sqrt(n)) for every uint32 (verified exhaustively; <= 6 divisions)
uint64_t isqrt64(uint64_t n);  // floor(sqrt(n)) for every uint64

// ---------------------------------------------------------------------------------------------------------------
// i-LayerNorm: int32 row (any scale; LayerNorm is scale invariant) -> int8 (scale output_scale), gamma/beta
// ---------------------------------------------------------------------------------------------------------------
// The normalization unit's three passes per row:
//   pass 1: layernorm_accumulate(chunk, sums)         sum, min, max (combinable chunk by chunk)
//           c = layernorm_center(sums)                mean (relative to min) on a per-row power-of-two grid 2^t
//                                                     chosen so |x - mean| * 2^t < 2^k (no overflow, full precision)
//   pass 2: layernorm_accumulate_squares(chunk, c, v) v = sum of (x - mean)^2 on that grid (uint64)
//           st = layernorm_finish(c, v)               std_sum = isqrt(v) (= sqrt(n) * std), inv = floor(2^62 / std_sum)
//   pass 3: y = layernorm_apply(x, channel, st, p)    v = round(d * inv / 2^38)   (d / std_sum, 24 fraction bits)
//                                                     y = sat8(round((v * G[ch] + B[ch]) / 2^40))
// with G[ch] = round(gamma[ch] * sqrt(n) / S_out * 2^16) and B[ch] = round(beta[ch] / S_out * 2^40).
// A zero-variance row (all equal, or a single element) gives inv = 0 and y = round(beta / S_out).
// epsilon is not modelled (as in I-BERT); it only matters when the variance is comparable to epsilon.
struct LayerNormSums {
  int64_t count = 0;
  int64_t sum = 0;
  int32_t min = INT32_MAX;
  int32_t max = INT32_MIN;
};
struct LayerNormCenter {
  int64_t count = 0;
  int32_t origin = 0;     // the row minimum: values are taken relative to it
  int shift = 0;          // t: (x - origin) * 2^t (t < 0: rounded right shift)
  int64_t mean_rel = 0;   // round((mean - origin) * 2^t)
};
struct LayerNormStats {
  LayerNormCenter center;
  uint64_t var_sum = 0;   // sum of squared deviations on the 2^t grid
  uint64_t std_sum = 0;   // isqrt(var_sum)
  int64_t inv_std = 0;    // floor(2^62 / std_sum), 0 when std_sum == 0
  int isqrt_iterations = 0;
};
struct LayerNormParams {
  static constexpr int kInvShift = 62;   // inv_std = floor(2^62 / std_sum)
  static constexpr int kNormBits = 24;   // v = d / std_sum with 24 fractional bits
  static constexpr int kOutShift = 40;   // fixed point of G * v + B
  int64_t channels = 0;
  double output_scale = 0.0;
  std::vector<int64_t> gain;   // G per channel
  std::vector<int64_t> bias;   // B per channel
};
// gamma and beta have the row length (channels) each; output_scale > 0. Throws std::invalid_argument on size
// mismatch or when |gamma| sqrt(n) / S_out >= 2^22 or |beta| / S_out >= 2^21 (an unusable output scale).
LayerNormParams make_layernorm_params(std::span<const double> gamma, std::span<const double> beta,
                                      double output_scale);
// gamma = 1, beta = 0.
LayerNormParams make_layernorm_params(int64_t channels, double output_scale);

void layernorm_accumulate(std::span<const int32_t> chunk, LayerNormSums& sums);  // pass 1
LayerNormCenter layernorm_center(const LayerNormSums& sums);                     // count in [1, 2^30], else throws
int64_t layernorm_centered(int32_t x, const LayerNormCenter& c);                   // d = (x - mean) on the grid
void layernorm_accumulate_squares(std::span<const int32_t> chunk, const LayerNormCenter& c,
                                  uint64_t& var_sum);                             // pass 2
LayerNormStats layernorm_finish(const LayerNormCenter& c, uint64_t var_sum);
LayerNormStats layernorm_stats(std::span<const int32_t> row);  // passes 1 and 2 over a whole row
// Pass 3 for one element of the row the stats were computed on; channel in [0, p.channels) (not checked: hot path).
int8_t layernorm_apply(int32_t x, int64_t channel, const LayerNormStats& st, const LayerNormParams& p);
// Whole row = the composition of the passes. row.size() == out.size() == p.channels.
void layernorm_row(std::span<const int32_t> row, std::span<int8_t> out, const LayerNormParams& p);
// rows x p.channels matrix, row-major.
std::vector<int8_t> layernorm(std::span<const int32_t> x, int64_t rows, const LayerNormParams& p);

}  // namespace coda::models::ibert
