#include "models/lm/integer.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "models/gemm.h"
#include "models/ibert.h"

namespace coda::models::lm {

namespace {

double max_abs_mat(const Mat& m) { return m.size() == 0 ? 0.0 : static_cast<double>(m.cwiseAbs().maxCoeff()); }

double range_of(const Mat& m, RangeMethod method) {
  if (method == RangeMethod::MaxAbs) return max_abs_mat(m);
  return mse_clip_range(std::span<const float>(m.data(), static_cast<size_t>(m.size())));
}

std::vector<float> copy_block(const Mat& m, int64_t rows, int64_t cols) {
  std::vector<float> out(static_cast<size_t>(rows * cols));
  Eigen::Map<Mat>(out.data(), rows, cols) = m.topLeftCorner(rows, cols);
  return out;
}

std::vector<float> copy_head(const Vec& v, int64_t n) { return {v.data(), v.data() + n}; }
std::vector<double> copy_head_d(const Vec& v, int64_t n) { return {v.data(), v.data() + n}; }

// Evenly spaced windows of seq + 1 tokens over the whole text (deterministic).
std::vector<int32_t> spread_windows(std::span<const int32_t> tokens, int64_t seq, int64_t windows) {
  const int64_t span = std::ssize(tokens) - seq;
  if (span < 1) throw ArchError("calibration: the text is shorter than one window");
  std::vector<int32_t> out;
  for (int64_t w = 0; w < windows; ++w) {
    const int64_t start = span * w / windows;
    out.insert(out.end(), tokens.begin() + start, tokens.begin() + start + seq);
  }
  return out;
}

}  // namespace

double mse_clip_range(std::span<const float> values) {
  double top = 0;
  for (const float v : values) {
    if (!std::isfinite(v)) throw ArchError("calibration: a non-finite activation (a diverged checkpoint?)");
    top = std::max(top, std::fabs(static_cast<double>(v)));
  }
  if (top == 0) return 0;
  constexpr int kBins = 2048;
  std::vector<double> count(kBins, 0.0);
  for (const float v : values) {
    const int b = std::min(kBins - 1, static_cast<int>(std::fabs(static_cast<double>(v)) / top * kBins));
    count[static_cast<size_t>(b)] += 1;
  }
  const double n = static_cast<double>(values.size());
  double best_c = top, best_err = -1;
  for (int k = 0; k <= 192; ++k) {
    const double c = top * (1.0 - k / 256.0);
    const double step = c / 127.0;
    double err = 0, unclipped = 0;
    for (int b = 0; b < kBins; ++b) {
      const double centre = (b + 0.5) * top / kBins;
      if (centre > c) {
        err += count[static_cast<size_t>(b)] * (centre - c) * (centre - c);
      } else {
        unclipped += count[static_cast<size_t>(b)];
      }
    }
    err += unclipped * step * step / 12.0;
    err /= n;
    if (best_err < 0 || err < best_err) {
      best_err = err;
      best_c = c;
    }
  }
  return best_c;
}

RangeMethod parse_range_method(const std::string& name) {
  if (name == "max") return RangeMethod::MaxAbs;
  if (name == "mse") return RangeMethod::Mse;
  throw ArchError("calibration method '" + name + "' is not one of: max, mse");
}

std::vector<ActivationRanges> calibrate_ranges(const Params& p, const SubnetArch& arch,
                                               std::span<const int32_t> tokens, int64_t windows, double* embed_range,
                                               RangeMethod method) {
  if (windows < 1) throw ArchError("calibration: needs at least one window");
  const std::vector<int32_t> in = spread_windows(tokens, arch.seq, windows);
  ForwardCache c;
  forward(p, arch, in, c);
  std::vector<ActivationRanges> r(static_cast<size_t>(arch.layers));
  for (size_t i = 0; i < r.size(); ++i) {
    const LayerCache& l = c.layers[i];
    r[i].input = i == 0 ? range_of(c.x0, method) : r[i - 1].output;
    r[i].q = range_of(l.q, method);
    r[i].k = range_of(l.k, method);
    r[i].v = range_of(l.v, method);
    r[i].context = range_of(l.context, method);
    r[i].ln1 = range_of(l.ln1, method);
    r[i].gelu = range_of(l.gelu, method);
    r[i].output = range_of(l.out, method);
  }
  if (embed_range != nullptr) *embed_range = range_of(c.x0, method);
  return r;
}

IntegerLm quantize_subnet(const Params& p, const SubnetArch& arch, int64_t vocab, std::span<const int32_t> tokens,
                          const CalibrationOptions& opt) {
  const int64_t h = arch.hidden, T = arch.seq, d = arch.head_size;
  if (vocab != p.tok_emb.rows()) throw ArchError("quantize: vocab does not match the parameters");
  const std::vector<ActivationRanges> ranges = calibrate_ranges(p, arch, tokens, opt.windows, nullptr, opt.method);
  IntegerLm m;
  m.arch = arch;
  m.vocab = vocab;
  // Embedding tables: one shared scale so that token + position is an integer add.
  const std::vector<float> tok = copy_block(p.tok_emb, vocab, h);
  const std::vector<float> pos = copy_block(p.pos_emb, T, h);
  m.embed_scale = symmetric_scale(std::max(max_abs(tok), max_abs(pos)));
  m.tok_q = quantize_i8(tok, m.embed_scale);
  m.pos_q = quantize_i8(pos, m.embed_scale);
  // Layers.
  for (int64_t i = 0; i < arch.layers; ++i) {
    const LayerParams& l = p.layers[static_cast<size_t>(i)];
    const int64_t heads = arch.heads[static_cast<size_t>(i)], a = heads * d, f = arch.ffn[static_cast<size_t>(i)];
    EncoderLayer L;
    L.dims = EncoderLayerDims{T, h, heads, d, f, true};
    L.wq = make_quant_linear(h, a, copy_block(l.wq, h, a), copy_head(l.bq, a));
    L.wk = make_quant_linear(h, a, copy_block(l.wk, h, a), copy_head(l.bk, a));
    L.wv = make_quant_linear(h, a, copy_block(l.wv, h, a), copy_head(l.bv, a));
    L.wo = make_quant_linear(a, h, copy_block(l.wo, a, h), copy_head(l.bo, h));
    L.ffn1 = make_quant_linear(h, f, copy_block(l.w1, h, f), copy_head(l.b1, f));
    L.ffn2 = make_quant_linear(f, h, copy_block(l.w2, f, h), copy_head(l.b2, h));
    L.ln1_gamma = copy_head_d(l.ln1_gamma, h);
    L.ln1_beta = copy_head_d(l.ln1_beta, h);
    L.ln2_gamma = copy_head_d(l.ln2_gamma, h);
    L.ln2_beta = copy_head_d(l.ln2_beta, h);
    calibrate_encoder_layer(L, ranges[static_cast<size_t>(i)]);
    m.layers.push_back(std::move(L));
  }
  m.embed_requant = make_dyadic(m.embed_scale / m.layers.front().scales.input);
  // Tied head: the token embedding again, per-row scales.
  m.head_q.resize(tok.size());
  m.head_scale.resize(static_cast<size_t>(vocab));
  m.out_bias.resize(static_cast<size_t>(vocab));
  for (int64_t r = 0; r < vocab; ++r) {
    const std::span<const float> row(tok.data() + r * h, static_cast<size_t>(h));
    const double s = symmetric_scale(max_abs(row));
    const std::vector<int8_t> q = quantize_i8(row, s);
    std::copy(q.begin(), q.end(), m.head_q.begin() + r * h);
    m.head_scale[static_cast<size_t>(r)] = s;
    m.out_bias[static_cast<size_t>(r)] = p.out_bias(r);
  }
  return m;
}

std::vector<double> integer_logits(const IntegerLm& m, std::span<const int32_t> tokens, IntegerTrace* trace) {
  const int64_t h = m.arch.hidden, T = m.arch.seq, V = m.vocab;
  if (std::ssize(tokens) != T) throw ArchError("integer_logits: expects one window of seq tokens");
  std::vector<int32_t> sum(static_cast<size_t>(T * h));
  for (int64_t t = 0; t < T; ++t) {
    const int32_t id = tokens[static_cast<size_t>(t)];
    if (id < 0 || id >= V) throw ArchError("integer_logits: token id out of range");
    for (int64_t j = 0; j < h; ++j) {
      sum[static_cast<size_t>(t * h + j)] = int32_t{m.tok_q[static_cast<size_t>(id * h + j)]} + m.pos_q[static_cast<size_t>(t * h + j)];
    }
  }
  std::vector<int8_t> x = requantize_i8(sum, m.embed_requant);
  if (trace != nullptr) trace->x0 = x;
  for (const EncoderLayer& L : m.layers) {
    EncoderIntTensors t = run_encoder_layer_int(L, x);
    x = std::move(t.out);
    if (trace != nullptr) trace->layer_out.push_back(x);
  }
  std::vector<int32_t> acc(static_cast<size_t>(T * V));
  gemm_i8(T, V, h, x.data(), h, false, m.head_q.data(), h, true, acc.data(), V);
  const double s_out = m.layers.back().scales.output;
  std::vector<double> logits(acc.size());
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t r = 0; r < V; ++r) {
      const auto k = static_cast<size_t>(t * V + r);
      logits[k] = static_cast<double>(acc[k]) * s_out * m.head_scale[static_cast<size_t>(r)] + m.out_bias[static_cast<size_t>(r)];
    }
  }
  if (trace != nullptr) trace->logits_acc = std::move(acc);
  return logits;
}

double integer_nll(const IntegerLm& m, std::span<const int32_t> tokens, int64_t max_windows, unsigned threads) {
  const int64_t T = m.arch.seq, V = m.vocab;
  const int64_t windows = window_count(std::ssize(tokens), T, max_windows);
  if (windows < 1) throw ArchError("evaluation: the text is shorter than one window");
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<int64_t>(threads, windows));
  std::vector<double> nll(static_cast<size_t>(windows), 0.0);
  auto work = [&](unsigned tid) {
    for (int64_t w = tid; w < windows; w += threads) {
      const std::span<const int32_t> in = tokens.subspan(static_cast<size_t>(w * T), static_cast<size_t>(T));
      const std::vector<double> logits = integer_logits(m, in);
      double s = 0.0;
      for (int64_t t = 0; t < T; ++t) {
        const double* row = logits.data() + t * V;
        const double mx = *std::max_element(row, row + V);
        double z = 0.0;
        for (int64_t r = 0; r < V; ++r) z += std::exp(row[r] - mx);
        s += std::log(z) + mx - row[tokens[static_cast<size_t>(w * T + t + 1)]];
      }
      nll[static_cast<size_t>(w)] = s;
    }
  };
  if (threads <= 1) {
    work(0);
  } else {
    std::vector<std::jthread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work, t);
  }
  double total = 0.0;
  for (double v : nll) total += v;  // fixed order: independent of the thread count
  return total / static_cast<double>(windows * T);
}

double integer_perplexity(const Checkpoint& ck, const SubnetArch& arch, std::span<const int32_t> eval_tokens,
                          int64_t windows, std::span<const int32_t> calibration_tokens, unsigned threads,
                          int64_t calibration_windows, RangeMethod method) {
  ck.supernet.check(arch);
  const IntegerLm m = quantize_subnet(ck.params, arch, ck.supernet.vocab, calibration_tokens,
                                      CalibrationOptions{calibration_windows, method});
  return std::exp(integer_nll(m, eval_tokens, windows, threads));
}

double float_perplexity(const Checkpoint& ck, const SubnetArch& arch, std::span<const int32_t> eval_tokens,
                        int64_t windows) {
  ck.supernet.check(arch);
  return std::exp(float_nll(ck.params, arch, eval_tokens, windows));
}

}  // namespace coda::models::lm
