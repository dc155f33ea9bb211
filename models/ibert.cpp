// Quantization and the I-BERT integer kernels. See ibert.h for the contracts and docs/numerics.md for the
// algorithms, constants and measured errors.
#include "models/ibert.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>

namespace coda::models {

namespace {

constexpr int64_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument(what); }

void require_finite_positive(double v, const char* what) {
  if (!std::isfinite(v) || v <= 0.0) bad(std::string(what) + " must be finite and > 0, got " + std::to_string(v));
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Integer helpers
// ---------------------------------------------------------------------------------------------------------------

int64_t round_shift(int64_t v, int shift) {
  if (shift <= 0) return v;
  const int64_t q = v >> shift;  // floor (arithmetic shift, defined in C++20)
  const uint64_t mask = (uint64_t{1} << shift) - 1;
  const uint64_t rem = static_cast<uint64_t>(v) & mask;
  const uint64_t half = uint64_t{1} << (shift - 1);
  if (rem > half || (rem == half && (q & 1) != 0)) return q + 1;
  return q;
}

int64_t div_round(int64_t num, int64_t den) {
  if (den <= 0) bad("div_round: denominator must be > 0");
  int64_t q = num / den;
  int64_t r = num % den;
  if (r < 0) {  // floor division
    q -= 1;
    r += den;
  }
  // Compare 2r with den without overflow: r in [0, den).
  const int64_t rest = den - r;  // > 0
  if (r > rest || (r == rest && (q & 1) != 0)) return q + 1;
  return q;
}

int8_t saturate_i8(int64_t v) { return static_cast<int8_t>(std::clamp<int64_t>(v, -128, 127)); }
int32_t saturate_i32(int64_t v) { return static_cast<int32_t>(std::clamp<int64_t>(v, kI32Min, kI32Max)); }

// ---------------------------------------------------------------------------------------------------------------
// Quantization
// ---------------------------------------------------------------------------------------------------------------

double symmetric_scale(double alpha, int bits) {
  if (bits < 2 || bits > 32) bad("symmetric_scale: bits must be in [2, 32]");
  if (!std::isfinite(alpha) || alpha < 0.0) bad("symmetric_scale: alpha must be finite and >= 0");
  if (alpha == 0.0) alpha = std::numeric_limits<double>::min();
  return alpha / (std::ldexp(1.0, bits - 1) - 1.0);
}

int32_t quantize(double x, double scale, int bits) {
  if (bits < 2 || bits > 32) bad("quantize: bits must be in [2, 32]");
  require_finite_positive(scale, "quantize: scale");
  const double qmax = std::ldexp(1.0, bits - 1) - 1.0;
  if (std::isnan(x)) bad("quantize: NaN input");
  const double q = std::nearbyint(std::clamp(x / scale, -qmax, qmax));
  return static_cast<int32_t>(q);
}

std::vector<int8_t> quantize_i8(std::span<const float> x, double scale) {
  std::vector<int8_t> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = static_cast<int8_t>(quantize(x[i], scale, 8));
  return out;
}

std::vector<float> dequantize(std::span<const int8_t> q, double scale) {
  std::vector<float> out(q.size());
  for (size_t i = 0; i < q.size(); ++i) out[i] = static_cast<float>(dequantize(int64_t{q[i]}, scale));
  return out;
}

std::vector<float> dequantize(std::span<const int32_t> q, double scale) {
  std::vector<float> out(q.size());
  for (size_t i = 0; i < q.size(); ++i) out[i] = static_cast<float>(dequantize(int64_t{q[i]}, scale));
  return out;
}

double max_abs(std::span<const float> x) {
  double m = 0.0;
  for (float v : x) m = std::max(m, static_cast<double>(std::fabs(v)));
  return m;
}

// ---------------------------------------------------------------------------------------------------------------
// Dyadic requantization
// ---------------------------------------------------------------------------------------------------------------

double Dyadic::value() const { return std::ldexp(static_cast<double>(multiplier), -shift); }

Dyadic make_dyadic(double ratio, int multiplier_bits) {
  if (multiplier_bits < 1 || multiplier_bits > 31) bad("make_dyadic: multiplier_bits must be in [1, 31]");
  if (!std::isfinite(ratio) || ratio < 0.0) bad("make_dyadic: ratio must be finite and >= 0");
  if (ratio == 0.0) return {};
  int e = 0;
  const double f = std::frexp(ratio, &e);  // ratio = f * 2^e, f in [0.5, 1)
  int64_t m = static_cast<int64_t>(std::nearbyint(std::ldexp(f, multiplier_bits)));
  int shift = multiplier_bits - e;
  if (m == (int64_t{1} << multiplier_bits)) {  // f rounded up to 1
    m >>= 1;
    shift -= 1;
  }
  if (shift < 0) {
    const double r = std::nearbyint(ratio);
    if (r >= std::ldexp(1.0, 31)) bad("make_dyadic: ratio " + std::to_string(ratio) + " too large (>= 2^31)");
    return {static_cast<int32_t>(r), 0};
  }
  if (shift > 62) {
    m = static_cast<int64_t>(std::nearbyint(std::ldexp(ratio, 62)));
    shift = 62;
    if (m == 0) return {};
  }
  return {static_cast<int32_t>(m), shift};
}

int64_t apply_dyadic(int64_t x, Dyadic d) { return round_shift(x * int64_t{d.multiplier}, d.shift); }

int8_t requantize_i8(int32_t x, Dyadic d) { return saturate_i8(apply_dyadic(x, d)); }

int32_t requantize_i32(int32_t x, Dyadic d) { return saturate_i32(apply_dyadic(x, d)); }

std::vector<int8_t> requantize_i8(std::span<const int32_t> x, Dyadic d) {
  std::vector<int8_t> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = requantize_i8(x[i], d);
  return out;
}

std::vector<int32_t> requantize_i32(std::span<const int8_t> x, Dyadic d) {
  std::vector<int32_t> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = requantize_i32(x[i], d);
  return out;
}

}  // namespace coda::models

namespace coda::models::ibert {

namespace {

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument(what); }

void require_scale_range(double s, double lo, double hi, const char* what) {
  if (!std::isfinite(s) || s < lo || s > hi) {
    bad(std::string(what) + ": input scale " + std::to_string(s) + " outside the supported range");
  }
}

// erf approximation of i-GELU (I-BERT): erf(u) ~ sgn(u) [a (min(|u|, -b) + b)^2 + 1].
constexpr double kErfA = -0.2888;
constexpr double kErfB = -1.769;

// exp(p) on (-ln2, 0] as A p^2 + B p + C (written as a (p + b)^2 + c for i-Poly).
struct ExpCoefficients {
  double a2, a1, a0;
};
// Relative-error minimax (Remez, 4-point equioscillation, max |L(p) e^-p - 1| = 1.7248e-3).
constexpr ExpCoefficients kExpMinimax{0.35090781503695434, 0.9608458220876038, 0.9982752367939133};
// I-BERT quant_modules.py.
constexpr ExpCoefficients kExpIBert{0.35815147, 0.96963238, 1.0};

int ceil_log2(uint64_t n) { return n <= 1 ? 0 : static_cast<int>(std::bit_width(n - 1)); }

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// i-Poly
// ---------------------------------------------------------------------------------------------------------------

PolyParams make_poly_params(double a, double b, double c, double input_scale) {
  if (!std::isfinite(input_scale) || input_scale <= 0.0) bad("make_poly_params: scale must be > 0");
  if (!std::isfinite(a) || a == 0.0 || !std::isfinite(b) || !std::isfinite(c)) bad("make_poly_params: bad coefficients");
  const double qb = std::floor(b / input_scale);
  const double qc = std::floor(c / (a * input_scale * input_scale));
  if (std::fabs(qb) >= std::ldexp(1.0, 31) || std::fabs(qc) >= std::ldexp(1.0, 62)) {
    bad("make_poly_params: constants do not fit the integer ranges (scale too small)");
  }
  return {static_cast<int64_t>(qb), static_cast<int64_t>(qc), a * input_scale * input_scale};
}

int64_t poly(int64_t q, const PolyParams& p) {
  const int64_t t = q + p.q_b;
  return t * t + p.q_c;
}

// ---------------------------------------------------------------------------------------------------------------
// i-GELU
// ---------------------------------------------------------------------------------------------------------------

GeluParams make_gelu_params(double input_scale) {
  require_scale_range(input_scale, std::ldexp(1.0, -40), std::ldexp(1.0, 12), "make_gelu_params");
  GeluParams p;
  p.input_scale = input_scale;
  // Internal erf-domain scale S_e = S / (sqrt2 * 2^k) in (2^-14, 2^-13].
  const double base = input_scale / std::numbers::sqrt2;
  int k = 0;
  while (std::ldexp(base, -k) > std::ldexp(1.0, -13)) ++k;
  while (std::ldexp(base, -(k - 1)) <= std::ldexp(1.0, -13)) --k;
  p.pre_shift = k;
  const double se = std::ldexp(base, -k);
  p.erf = make_poly_params(kErfA, kErfB, 1.0, se);
  p.erf_clip = -p.erf.q_b;
  // 1 + erf in units of S_erf = a S_e^2 (< 0) is q_erf + q_c (<= 0); h = (1 + erf) / 2.
  p.to_h = make_dyadic(-p.erf.output_scale / 2.0 * std::ldexp(1.0, GeluParams::kHBits));
  // Output scale: the input scale, refined to at most 2^-12 when the input is coarser.
  int g = 0;
  while (std::ldexp(input_scale, -g) > std::ldexp(1.0, -12)) ++g;
  p.out_extra_bits = g;
  p.output_scale = std::ldexp(input_scale, -g);
  return p;
}

int32_t gelu(int32_t q, const GeluParams& p) {
  const int64_t aq = q < 0 ? -int64_t{q} : int64_t{q};
  // Clip |u| at -b before shifting so the shift cannot overflow.
  int64_t u = 0;
  if (p.pre_shift >= 0) {
    const int64_t lim = (p.erf_clip >> p.pre_shift) + 1;
    u = aq >= lim ? p.erf_clip : std::min(aq << p.pre_shift, p.erf_clip);
  } else {
    u = std::min(round_shift(aq, -p.pre_shift), p.erf_clip);
  }
  const int64_t mag = poly(u, p.erf);             // a (|u| + b)^2 + 1 in units of S_erf
  const int64_t q_erf = q < 0 ? -mag : (q > 0 ? mag : 0);
  const int64_t one_plus_erf = -(q_erf + p.erf.q_c);  // >= 0, units of |S_erf|
  const int64_t h = apply_dyadic(one_plus_erf, p.to_h);  // h * 2^kHBits
  const int64_t out = round_shift(int64_t{q} * h, GeluParams::kHBits - p.out_extra_bits);
  return saturate_i32(out);
}

std::vector<int32_t> gelu(std::span<const int32_t> q, const GeluParams& p) {
  std::vector<int32_t> out(q.size());
  for (size_t i = 0; i < q.size(); ++i) out[i] = gelu(q[i], p);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// i-exp
// ---------------------------------------------------------------------------------------------------------------

ExpParams make_exp_params(double input_scale, ExpPolynomial polynomial) {
  require_scale_range(input_scale, std::ldexp(1.0, -40), std::ldexp(1.0, 16), "make_exp_params");
  ExpParams p;
  p.input_scale = input_scale;
  p.polynomial = polynomial;
  const ExpCoefficients k = polynomial == ExpPolynomial::IBert ? kExpIBert : kExpMinimax;
  const double a = k.a2;
  const double b = k.a1 / (2.0 * a);
  const double c = k.a0 - a * b * b;
  p.to_log2 = make_dyadic(input_scale / std::numbers::ln2 * std::ldexp(1.0, ExpParams::kFracBits));
  const double sp = std::numbers::ln2 / std::ldexp(1.0, ExpParams::kFracBits);
  p.poly = make_poly_params(a, b, c, sp);
  // poly < 2^35, so a 27-bit multiplier keeps poly * multiplier < 2^62.
  p.to_out = make_dyadic(p.poly.output_scale * std::ldexp(1.0, ExpParams::kOutBits), 27);
  return p;
}

int32_t exp(int64_t q, const ExpParams& p) {
  constexpr int64_t kMinInput = -((int64_t{1} << 32) - 1);
  q = std::clamp<int64_t>(q, kMinInput, 0);
  const int64_t t = apply_dyadic(-q, p.to_log2);  // -x / ln2 with kFracBits fraction bits
  const int64_t z = t >> ExpParams::kFracBits;
  const int64_t f = t & ((int64_t{1} << ExpParams::kFracBits) - 1);
  const int64_t shift = int64_t{p.to_out.shift} + z;
  if (shift > 62) return 0;  // exp(x) * 2^30 < 1/4
  const int64_t v = poly(-f, p.poly);  // L(p) in units of a S_p^2, < 2^35
  return static_cast<int32_t>(round_shift(v * int64_t{p.to_out.multiplier}, static_cast<int>(shift)));
}

// ---------------------------------------------------------------------------------------------------------------
// i-Softmax
// ---------------------------------------------------------------------------------------------------------------

SoftmaxParams make_softmax_params(double input_scale, ExpPolynomial polynomial) {
  return {make_exp_params(input_scale, polynomial)};
}

int32_t softmax_max(std::span<const int32_t> row) {
  if (row.empty()) bad("softmax_max: empty row");
  return *std::max_element(row.begin(), row.end());
}

int64_t softmax_exp_sum(std::span<const int32_t> row, int32_t max, const SoftmaxParams& p) {
  int64_t s = 0;
  for (int32_t x : row) s += exp(int64_t{x} - int64_t{max}, p.exp);
  return s;
}

int64_t softmax_inverse(int64_t sum) {
  if (sum <= 0) bad("softmax_inverse: sum must be > 0");
  return (int64_t{SoftmaxParams::kOutMax} << SoftmaxParams::kRecipShift) / sum;
}

int8_t softmax_apply(int32_t x, int32_t max, int64_t inverse, const SoftmaxParams& p) {
  const int64_t e = exp(int64_t{x} - int64_t{max}, p.exp);
  const int64_t y = round_shift(e * inverse, SoftmaxParams::kRecipShift);
  return static_cast<int8_t>(std::clamp<int64_t>(y, 0, SoftmaxParams::kOutMax));
}

void softmax_row(std::span<const int32_t> row, std::span<int8_t> out, const SoftmaxParams& p, std::ptrdiff_t valid) {
  if (out.size() != row.size()) bad("softmax_row: output size differs from input size");
  const auto n = static_cast<std::ptrdiff_t>(row.size());
  if (valid < 0) valid = n;
  if (valid < 1 || valid > n) bad("softmax_row: valid length must be in [1, row size]");
  const auto live = row.first(static_cast<size_t>(valid));
  const int32_t m = softmax_max(live);
  const int64_t inv = softmax_inverse(softmax_exp_sum(live, m, p));
  for (std::ptrdiff_t i = 0; i < valid; ++i) out[i] = softmax_apply(row[i], m, inv, p);
  for (std::ptrdiff_t i = valid; i < n; ++i) out[i] = 0;
}

std::vector<int8_t> softmax(std::span<const int32_t> x, int64_t rows, int64_t cols, const SoftmaxParams& p,
                            bool causal) {
  if (rows < 0 || cols < 1 || static_cast<int64_t>(x.size()) != rows * cols) bad("softmax: bad shape");
  std::vector<int8_t> out(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    const std::ptrdiff_t valid = causal ? static_cast<std::ptrdiff_t>(r + 1 + (cols - rows)) : -1;
    softmax_row(x.subspan(static_cast<size_t>(r * cols), static_cast<size_t>(cols)),
                std::span<int8_t>(out).subspan(static_cast<size_t>(r * cols), static_cast<size_t>(cols)), p, valid);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Integer square root
// ---------------------------------------------------------------------------------------------------------------

IsqrtResult isqrt_newton(uint64_t n) {
  IsqrtResult r;
  if (n == 0) return r;
  const int bits = static_cast<int>(std::bit_width(n));
  const int e = (bits + 1) / 2;  // ceil(bits / 2) <= 32
  uint64_t x = uint64_t{1} << e;  // x0 >= sqrt(n)
  for (;;) {
    const uint64_t y = (x + n / x) >> 1;  // x <= 2^32 and n / x < 2^32: no overflow
    ++r.iterations;
    if (y >= x) break;
    x = y;
  }
  r.root = x;
  return r;
}

uint32_t isqrt32(uint32_t n) { return static_cast<uint32_t>(isqrt_newton(n).root); }
uint64_t isqrt64(uint64_t n) { return isqrt_newton(n).root; }

// ---------------------------------------------------------------------------------------------------------------
// i-LayerNorm
// ---------------------------------------------------------------------------------------------------------------

LayerNormParams make_layernorm_params(std::span<const double> gamma, std::span<const double> beta,
                                      double output_scale) {
  if (gamma.empty() || gamma.size() != beta.size()) bad("make_layernorm_params: gamma/beta sizes differ or are 0");
  if (!std::isfinite(output_scale) || output_scale <= 0.0) bad("make_layernorm_params: output scale must be > 0");
  LayerNormParams p;
  p.channels = static_cast<int64_t>(gamma.size());
  p.output_scale = output_scale;
  p.gain.resize(gamma.size());
  p.bias.resize(gamma.size());
  const double sqrt_n = std::sqrt(static_cast<double>(gamma.size()));
  constexpr int kGainBits = LayerNormParams::kOutShift - LayerNormParams::kNormBits;
  for (size_t c = 0; c < gamma.size(); ++c) {
    const double g = gamma[c] * sqrt_n / output_scale;
    const double b = beta[c] / output_scale;
    if (!std::isfinite(g) || !std::isfinite(b) || std::fabs(g) >= std::ldexp(1.0, 22) ||
        std::fabs(b) >= std::ldexp(1.0, 21)) {
      bad("make_layernorm_params: gamma/beta too large for the output scale at channel " + std::to_string(c));
    }
    p.gain[c] = static_cast<int64_t>(std::nearbyint(std::ldexp(g, kGainBits)));
    p.bias[c] = static_cast<int64_t>(std::nearbyint(std::ldexp(b, LayerNormParams::kOutShift)));
  }
  return p;
}

LayerNormParams make_layernorm_params(int64_t channels, double output_scale) {
  if (channels < 1) bad("make_layernorm_params: channels must be >= 1");
  const std::vector<double> gamma(static_cast<size_t>(channels), 1.0);
  const std::vector<double> beta(static_cast<size_t>(channels), 0.0);
  return make_layernorm_params(gamma, beta, output_scale);
}

void layernorm_accumulate(std::span<const int32_t> chunk, LayerNormSums& sums) {
  for (int32_t x : chunk) {
    sums.sum += x;
    sums.min = std::min(sums.min, x);
    sums.max = std::max(sums.max, x);
  }
  sums.count += static_cast<int64_t>(chunk.size());
}

LayerNormCenter layernorm_center(const LayerNormSums& sums) {
  if (sums.count < 1) bad("layernorm_center: empty row");
  if (sums.count > (int64_t{1} << 30)) bad("layernorm_center: row longer than 2^30");
  LayerNormCenter c;
  c.count = sums.count;
  c.origin = sums.min;
  const int64_t range = int64_t{sums.max} - int64_t{sums.min};
  if (range == 0) return c;  // zero variance: d = 0 everywhere
  // Grid: |d| <= range * 2^t < 2^k with k chosen so that count * 2^(2k) <= 2^63 (pass 2 fits uint64).
  const int k = (63 - ceil_log2(static_cast<uint64_t>(sums.count))) / 2;
  c.shift = k - static_cast<int>(std::bit_width(static_cast<uint64_t>(range)));
  const int64_t rel_sum = sums.sum - sums.count * int64_t{sums.min};  // in [0, count * range]
  if (c.shift >= 0) {
    c.mean_rel = div_round(rel_sum << c.shift, sums.count);
  } else {
    c.mean_rel = div_round(rel_sum, sums.count << (-c.shift));
  }
  return c;
}

int64_t layernorm_centered(int32_t x, const LayerNormCenter& c) {
  const int64_t rel = int64_t{x} - int64_t{c.origin};
  const int64_t scaled = c.shift >= 0 ? (rel << c.shift) : round_shift(rel, -c.shift);
  return scaled - c.mean_rel;
}

void layernorm_accumulate_squares(std::span<const int32_t> chunk, const LayerNormCenter& c, uint64_t& var_sum) {
  for (int32_t x : chunk) {
    const int64_t d = layernorm_centered(x, c);
    var_sum += static_cast<uint64_t>(d * d);
  }
}

LayerNormStats layernorm_finish(const LayerNormCenter& c, uint64_t var_sum) {
  LayerNormStats st;
  st.center = c;
  st.var_sum = var_sum;
  const IsqrtResult r = isqrt_newton(var_sum);
  st.std_sum = r.root;
  st.isqrt_iterations = r.iterations;
  st.inv_std = r.root == 0 ? 0 : static_cast<int64_t>((uint64_t{1} << LayerNormParams::kInvShift) / r.root);
  return st;
}

LayerNormStats layernorm_stats(std::span<const int32_t> row) {
  LayerNormSums sums;
  layernorm_accumulate(row, sums);
  const LayerNormCenter c = layernorm_center(sums);
  uint64_t var_sum = 0;
  layernorm_accumulate_squares(row, c, var_sum);
  return layernorm_finish(c, var_sum);
}

int8_t layernorm_apply(int32_t x, int64_t channel, const LayerNormStats& st, const LayerNormParams& p) {
  const int64_t d = layernorm_centered(x, st.center);
  const int64_t v = round_shift(d * st.inv_std, LayerNormParams::kInvShift - LayerNormParams::kNormBits);
  const auto ch = static_cast<size_t>(channel);
  return saturate_i8(round_shift(v * p.gain[ch] + p.bias[ch], LayerNormParams::kOutShift));
}

void layernorm_row(std::span<const int32_t> row, std::span<int8_t> out, const LayerNormParams& p) {
  if (static_cast<int64_t>(row.size()) != p.channels || out.size() != row.size()) {
    bad("layernorm_row: row length must equal the parameters' channel count");
  }
  const LayerNormStats st = layernorm_stats(row);
  for (size_t i = 0; i < row.size(); ++i) out[i] = layernorm_apply(row[i], static_cast<int64_t>(i), st, p);
}

std::vector<int8_t> layernorm(std::span<const int32_t> x, int64_t rows, const LayerNormParams& p) {
  if (rows < 0 || static_cast<int64_t>(x.size()) != rows * p.channels) bad("layernorm: bad shape");
  std::vector<int8_t> out(x.size());
  const auto n = static_cast<size_t>(p.channels);
  for (int64_t r = 0; r < rows; ++r) {
    layernorm_row(x.subspan(static_cast<size_t>(r) * n, n), std::span<int8_t>(out).subspan(static_cast<size_t>(r) * n, n), p);
  }
  return out;
}

}  // namespace coda::models::ibert
