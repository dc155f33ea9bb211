// Integer and float reference executors of one I-BERT encoder layer. See encoder_layer.h.
#include "models/encoder_layer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "models/gemm.h"

namespace coda::models {

namespace {

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument(what); }

size_t sz(int64_t v) { return static_cast<size_t>(v); }

// ---- deterministic pseudo-random numbers (no libm: bit-identical on every platform) ----

uint64_t splitmix64(uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream) : state_(seed ^ (stream * 0xd1b54a32d192ed03ULL)) { splitmix64(state_); }
  double uniform() { return static_cast<double>(splitmix64(state_) >> 11) * 0x1.0p-53; }
  // Irwin-Hall(4) centred and scaled to unit variance (support +-2 sqrt 3).
  double normal() {
    const double s = uniform() + uniform() + uniform() + uniform() - 2.0;
    return s * kSqrt3;
  }

 private:
  static constexpr double kSqrt3 = 1.7320508075688772;
  uint64_t state_;
};

std::vector<float> random_normal(int64_t count, double mean, double std, uint64_t seed, uint64_t stream) {
  Rng rng(seed, stream);
  std::vector<float> v(sz(count));
  for (auto& x : v) x = static_cast<float>(mean + std * rng.normal());
  return v;
}

// ---- float helpers ----

std::vector<float> linear_f32(const QuantLinear& lin, std::span<const float> x, int64_t rows) {
  std::vector<float> y(sz(rows * lin.out));
  gemm_f32(rows, lin.out, lin.in, x.data(), lin.in, lin.weight_float.data(), lin.out, y.data(), lin.out,
           lin.bias_float.data());
  return y;
}

void layernorm_f32(std::span<const float> x, int64_t rows, std::span<const double> gamma, std::span<const double> beta,
                   std::span<float> out) {
  const auto n = static_cast<int64_t>(gamma.size());
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = x.data() + r * n;
    double mean = 0.0;
    for (int64_t i = 0; i < n; ++i) mean += row[i];
    mean /= static_cast<double>(n);
    double var = 0.0;
    for (int64_t i = 0; i < n; ++i) var += (row[i] - mean) * (row[i] - mean);
    var /= static_cast<double>(n);
    const double inv = 1.0 / std::sqrt(var + kLayerNormEpsilon);
    for (int64_t i = 0; i < n; ++i) {
      out[sz(r * n + i)] = static_cast<float>((row[i] - mean) * inv * gamma[sz(i)] + beta[sz(i)]);
    }
  }
}

double gelu_f64(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

// ---- layer construction ----

QuantLinear make_linear(int64_t in, int64_t out, uint64_t seed, uint64_t stream) {
  const std::vector<float> w = random_normal(in * out, 0.0, 1.0 / std::sqrt(static_cast<double>(in)), seed, stream);
  return make_quant_linear(in, out, w, random_normal(out, 0.0, 0.1, seed, stream + 1));
}

void quantize_bias(QuantLinear& lin, double input_scale) {
  lin.input_scale = input_scale;
  const double s = lin.acc_scale();
  lin.bias.resize(lin.bias_float.size());
  for (size_t j = 0; j < lin.bias.size(); ++j) {
    const double q = std::nearbyint(static_cast<double>(lin.bias_float[j]) / s);
    lin.bias[j] = static_cast<int32_t>(std::clamp(q, -2147483647.0, 2147483647.0));
    lin.bias_float[j] = static_cast<float>(static_cast<double>(lin.bias[j]) * s);
  }
}

std::vector<double> to_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

}  // namespace

void EncoderLayerDims::validate() const {
  if (seq < 1 || hidden < 1 || heads < 1 || head_dim < 1 || ffn < 1) {
    bad("EncoderLayerDims: seq, hidden, heads, head_dim and ffn must all be >= 1");
  }
}

std::vector<float> random_activations(int64_t rows, int64_t cols, uint64_t seed) {
  if (rows < 0 || cols < 0) bad("random_activations: negative size");
  return random_normal(rows * cols, 0.0, 1.0, seed, 0xac71);
}

EncoderLayer make_encoder_layer(const EncoderLayerDims& dims, uint64_t seed) {
  const std::vector<float> cal = random_activations(dims.seq, dims.hidden, seed + 0x5eed);
  return make_encoder_layer(dims, seed, cal);
}

EncoderLayer make_encoder_layer(const EncoderLayerDims& dims, uint64_t seed, std::span<const float> calibration_input) {
  dims.validate();
  if (static_cast<int64_t>(calibration_input.size()) != dims.seq * dims.hidden) {
    bad("make_encoder_layer: calibration input must be seq x hidden");
  }
  EncoderLayer L;
  L.dims = dims;
  L.seed = seed;
  const int64_t h = dims.hidden, aw = dims.attn_width(), f = dims.ffn;
  L.wq = make_linear(h, aw, seed, 10);
  L.wk = make_linear(h, aw, seed, 20);
  L.wv = make_linear(h, aw, seed, 30);
  L.wo = make_linear(aw, h, seed, 40);
  L.ffn1 = make_linear(h, f, seed, 50);
  L.ffn2 = make_linear(f, h, seed, 60);
  L.ln1_gamma = to_double(random_normal(h, 1.0, 0.1, seed, 70));
  L.ln1_beta = to_double(random_normal(h, 0.0, 0.1, seed, 71));
  L.ln2_gamma = to_double(random_normal(h, 1.0, 0.1, seed, 80));
  L.ln2_beta = to_double(random_normal(h, 0.0, 0.1, seed, 81));

  // Calibration: a float run with the dequantized weights and the float biases.
  const EncoderFloatTensors cal = run_encoder_layer_float(L, calibration_input);
  ActivationRanges r = activation_ranges(cal);
  r.input = max_abs(calibration_input);
  calibrate_encoder_layer(L, r);
  return L;
}

QuantLinear make_quant_linear(int64_t in, int64_t out, std::span<const float> w, std::span<const float> bias) {
  if (in < 1 || out < 1 || static_cast<int64_t>(w.size()) != in * out || static_cast<int64_t>(bias.size()) != out) {
    bad("make_quant_linear: weight must be in x out and bias out");
  }
  QuantLinear lin;
  lin.in = in;
  lin.out = out;
  lin.weight_scale = symmetric_scale(max_abs(w));
  lin.weight = quantize_i8(w, lin.weight_scale);
  lin.weight_float = dequantize(std::span<const int8_t>(lin.weight), lin.weight_scale);
  lin.bias_float.assign(bias.begin(), bias.end());  // float until calibrated
  return lin;
}

ActivationRanges activation_ranges(const EncoderFloatTensors& t) {
  ActivationRanges r;
  r.input = max_abs(t.x);
  r.q = max_abs(t.q);
  r.k = max_abs(t.k);
  r.v = max_abs(t.v);
  r.context = max_abs(t.context);
  r.ln1 = max_abs(t.ln1);
  r.gelu = max_abs(t.gelu);
  r.output = max_abs(t.out);
  return r;
}

ActivationRanges max_ranges(const ActivationRanges& a, const ActivationRanges& b) {
  return {std::max(a.input, b.input), std::max(a.q, b.q),     std::max(a.k, b.k),     std::max(a.v, b.v),
          std::max(a.context, b.context), std::max(a.ln1, b.ln1), std::max(a.gelu, b.gelu), std::max(a.output, b.output)};
}

void calibrate_encoder_layer(EncoderLayer& L, const ActivationRanges& r) {
  const EncoderLayerDims& dims = L.dims;
  dims.validate();
  EncoderLayerScales& s = L.scales;
  s.input = symmetric_scale(r.input);
  s.q = symmetric_scale(r.q);
  s.k = symmetric_scale(r.k);
  s.v = symmetric_scale(r.v);
  s.context = symmetric_scale(r.context);
  s.ln1 = symmetric_scale(r.ln1);
  s.gelu = symmetric_scale(r.gelu);
  s.output = symmetric_scale(r.output);
  quantize_bias(L.wq, s.input);
  quantize_bias(L.wk, s.input);
  quantize_bias(L.wv, s.input);
  quantize_bias(L.wo, s.context);
  quantize_bias(L.ffn1, s.ln1);
  quantize_bias(L.ffn2, s.gelu);

  s.scores = s.q * s.k;
  s.probs = 1.0 / ibert::SoftmaxParams::kOutMax;
  s.context_acc = s.v * s.probs;
  s.attn_out_acc = L.wo.acc_scale();
  s.ffn1_acc = L.ffn1.acc_scale();
  s.ffn2_acc = L.ffn2.acc_scale();

  L.q_requant = make_dyadic(L.wq.acc_scale() / s.q);
  L.k_requant = make_dyadic(L.wk.acc_scale() / s.k);
  L.v_requant = make_dyadic(L.wv.acc_scale() / s.v);
  L.softmax = ibert::make_softmax_params(s.scores / std::sqrt(static_cast<double>(dims.head_dim)));
  L.context_requant = make_dyadic(s.context_acc / s.context);
  L.residual1_rescale = make_dyadic(s.input / s.attn_out_acc);
  L.ln1 = ibert::make_layernorm_params(L.ln1_gamma, L.ln1_beta, s.ln1);
  L.gelu = ibert::make_gelu_params(s.ffn1_acc);
  s.gelu_acc = L.gelu.output_scale;
  L.gelu_requant = make_dyadic(s.gelu_acc / s.gelu);
  L.residual2_rescale = make_dyadic(s.ln1 / s.ffn2_acc);
  L.ln2 = ibert::make_layernorm_params(L.ln2_gamma, L.ln2_beta, s.output);
}

// ---- integer steps ----

std::vector<int32_t> linear_i32(const QuantLinear& lin, std::span<const int8_t> x, int64_t rows) {
  if (rows < 0 || static_cast<int64_t>(x.size()) != rows * lin.in) bad("linear_i32: input must be rows x in");
  std::vector<int32_t> y(sz(rows * lin.out));
  gemm_i8(rows, lin.out, lin.in, x.data(), lin.in, false, lin.weight.data(), lin.out, false, y.data(), lin.out,
          lin.bias.empty() ? nullptr : lin.bias.data(), false);
  return y;
}

std::vector<int32_t> attention_scores(std::span<const int8_t> q, std::span<const int8_t> k, const EncoderLayerDims& d) {
  d.validate();
  const int64_t aw = d.attn_width();
  if (static_cast<int64_t>(q.size()) != d.seq * aw || static_cast<int64_t>(k.size()) != d.seq * aw) {
    bad("attention_scores: q and k must be seq x heads*head_dim");
  }
  std::vector<int32_t> s(sz(d.heads * d.seq * d.seq));
  for (int64_t h = 0; h < d.heads; ++h) {
    gemm_i8(d.seq, d.seq, d.head_dim, q.data() + h * d.head_dim, aw, false, k.data() + h * d.head_dim, aw, true,
            s.data() + h * d.seq * d.seq, d.seq);
  }
  return s;
}

std::vector<int8_t> attention_probs(std::span<const int32_t> scores, const EncoderLayerDims& d,
                                    const ibert::SoftmaxParams& p) {
  d.validate();
  if (static_cast<int64_t>(scores.size()) != d.heads * d.seq * d.seq) bad("attention_probs: scores must be heads x seq x seq");
  std::vector<int8_t> out(scores.size());
  const auto plane = sz(d.seq * d.seq);
  for (int64_t h = 0; h < d.heads; ++h) {
    const std::vector<int8_t> ph = ibert::softmax(scores.subspan(sz(h) * plane, plane), d.seq, d.seq, p, d.causal);
    std::copy(ph.begin(), ph.end(), out.begin() + static_cast<std::ptrdiff_t>(sz(h) * plane));
  }
  return out;
}

std::vector<int32_t> attention_context(std::span<const int8_t> probs, std::span<const int8_t> v,
                                       const EncoderLayerDims& d) {
  d.validate();
  const int64_t aw = d.attn_width();
  if (static_cast<int64_t>(probs.size()) != d.heads * d.seq * d.seq || static_cast<int64_t>(v.size()) != d.seq * aw) {
    bad("attention_context: probs must be heads x seq x seq and v seq x heads*head_dim");
  }
  std::vector<int32_t> c(sz(d.seq * aw));
  for (int64_t h = 0; h < d.heads; ++h) {
    gemm_i8(d.seq, d.head_dim, d.seq, probs.data() + h * d.seq * d.seq, d.seq, false, v.data() + h * d.head_dim, aw,
            false, c.data() + h * d.head_dim, aw);
  }
  return c;
}

std::vector<int32_t> residual_add(std::span<const int32_t> acc, std::span<const int8_t> skip, Dyadic rescale) {
  if (acc.size() != skip.size()) bad("residual_add: tensors differ in size");
  std::vector<int32_t> out(acc.size());
  for (size_t i = 0; i < acc.size(); ++i) {
    out[i] = saturate_i32(int64_t{acc[i]} + int64_t{requantize_i32(skip[i], rescale)});
  }
  return out;
}

// ---- executors ----

EncoderIntTensors run_encoder_layer_int(const EncoderLayer& L, std::span<const int8_t> x) {
  const EncoderLayerDims& d = L.dims;
  if (static_cast<int64_t>(x.size()) != d.seq * d.hidden) bad("run_encoder_layer_int: x must be seq x hidden");
  EncoderIntTensors t;
  t.x.assign(x.begin(), x.end());
  t.q_acc = linear_i32(L.wq, t.x, d.seq);
  t.k_acc = linear_i32(L.wk, t.x, d.seq);
  t.v_acc = linear_i32(L.wv, t.x, d.seq);
  t.q = requantize_i8(t.q_acc, L.q_requant);
  t.k = requantize_i8(t.k_acc, L.k_requant);
  t.v = requantize_i8(t.v_acc, L.v_requant);
  t.scores = attention_scores(t.q, t.k, d);
  t.probs = attention_probs(t.scores, d, L.softmax);
  t.context_acc = attention_context(t.probs, t.v, d);
  t.context = requantize_i8(t.context_acc, L.context_requant);
  t.attn_out = linear_i32(L.wo, t.context, d.seq);
  t.residual1 = residual_add(t.attn_out, t.x, L.residual1_rescale);
  t.ln1 = ibert::layernorm(t.residual1, d.seq, L.ln1);
  t.ffn1 = linear_i32(L.ffn1, t.ln1, d.seq);
  t.gelu = ibert::gelu(t.ffn1, L.gelu);
  t.gelu_q = requantize_i8(t.gelu, L.gelu_requant);
  t.ffn2 = linear_i32(L.ffn2, t.gelu_q, d.seq);
  t.residual2 = residual_add(t.ffn2, t.ln1, L.residual2_rescale);
  t.out = ibert::layernorm(t.residual2, d.seq, L.ln2);
  return t;
}

EncoderFloatTensors run_encoder_layer_float(const EncoderLayer& L, std::span<const float> x) {
  const EncoderLayerDims& d = L.dims;
  if (static_cast<int64_t>(x.size()) != d.seq * d.hidden) bad("run_encoder_layer_float: x must be seq x hidden");
  const int64_t aw = d.attn_width(), n = d.seq, hd = d.head_dim;
  EncoderFloatTensors t;
  t.x.assign(x.begin(), x.end());
  t.q = linear_f32(L.wq, t.x, n);
  t.k = linear_f32(L.wk, t.x, n);
  t.v = linear_f32(L.wv, t.x, n);

  t.scores.assign(sz(d.heads * n * n), 0.0f);
  t.probs.assign(sz(d.heads * n * n), 0.0f);
  t.context.assign(sz(n * aw), 0.0f);
  const float inv_sqrt_d = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd)));
  std::vector<float> kt(sz(hd * n));
  std::vector<double> ex(sz(n));
  for (int64_t h = 0; h < d.heads; ++h) {
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t e = 0; e < hd; ++e) kt[sz(e * n + j)] = t.k[sz(j * aw + h * hd + e)] * inv_sqrt_d;
    }
    float* sc = t.scores.data() + h * n * n;
    float* pr = t.probs.data() + h * n * n;
    gemm_f32(n, n, hd, t.q.data() + h * hd, aw, kt.data(), n, sc, n, nullptr);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t valid = d.causal ? i + 1 : n;
      const float* row = sc + i * n;
      double m = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < valid; ++j) m = std::max(m, static_cast<double>(row[j]));
      double sum = 0.0;
      for (int64_t j = 0; j < valid; ++j) {
        ex[sz(j)] = std::exp(row[j] - m);  // each exponential once (the same double values as before)
        sum += ex[sz(j)];
      }
      for (int64_t j = 0; j < valid; ++j) pr[i * n + j] = static_cast<float>(ex[sz(j)] / sum);
    }
    gemm_f32(n, hd, n, pr, n, t.v.data() + h * hd, aw, t.context.data() + h * hd, aw, nullptr);
  }

  t.attn_out = linear_f32(L.wo, t.context, n);
  t.residual1.resize(t.attn_out.size());
  for (size_t i = 0; i < t.residual1.size(); ++i) t.residual1[i] = t.attn_out[i] + t.x[i];
  t.ln1.resize(t.residual1.size());
  layernorm_f32(t.residual1, n, L.ln1_gamma, L.ln1_beta, t.ln1);
  t.ffn1 = linear_f32(L.ffn1, t.ln1, n);
  t.gelu.resize(t.ffn1.size());
  for (size_t i = 0; i < t.gelu.size(); ++i) t.gelu[i] = static_cast<float>(gelu_f64(t.ffn1[i]));
  t.ffn2 = linear_f32(L.ffn2, t.gelu, n);
  t.residual2.resize(t.ffn2.size());
  for (size_t i = 0; i < t.residual2.size(); ++i) t.residual2[i] = t.ffn2[i] + t.ln1[i];
  t.out.resize(t.residual2.size());
  layernorm_f32(t.residual2, n, L.ln2_gamma, L.ln2_beta, t.out);
  return t;
}

double cosine_similarity(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) bad("cosine_similarity: sizes differ");
  double ab = 0.0, aa = 0.0, bb = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  if (aa == 0.0 && bb == 0.0) return 1.0;
  if (aa == 0.0 || bb == 0.0) return 0.0;
  return ab / std::sqrt(aa * bb);
}

}  // namespace coda::models
