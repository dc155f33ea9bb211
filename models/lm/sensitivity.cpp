#include "models/lm/sensitivity.h"

#include <cmath>

#include "models/lm/layers.h"

namespace coda::models::lm {

namespace {

enum Step : unsigned {
  kEmbedding = 1u << 0,
  kQ = 1u << 1,
  kK = 1u << 2,
  kV = 1u << 3,
  kProbs = 1u << 4,
  kContext = 1u << 5,
  kLn1 = 1u << 6,
  kGelu = 1u << 7,
  kOut = 1u << 8,
  kAllActivations = (1u << 9) - 1,
};

// Symmetric int8 fake quantization with range r (saturating, as the integer requantization does).
void fake_quant(Mat& m, double range) {
  if (range <= 0) return;
  const auto s = static_cast<float>(range / 127.0);
  m = (m / s).array().round().cwiseMax(-127.0f).cwiseMin(127.0f).matrix() * s;
}

void fake_quant_weight(Mat& w, int64_t rows, int64_t cols, bool per_channel) {
  auto block = w.topLeftCorner(rows, cols);
  if (!per_channel) {
    const auto s = static_cast<float>(block.cwiseAbs().maxCoeff() / 127.0);
    if (s > 0) block = (block / s).array().round().matrix() * s;
    return;
  }
  for (int64_t j = 0; j < cols; ++j) {
    auto col = block.col(j);
    const auto s = static_cast<float>(col.cwiseAbs().maxCoeff() / 127.0);
    if (s > 0) col = (col / s).array().round().matrix() * s;
  }
}

// Mean NLL over the windows with the activation steps in `steps` fake-quantized.
double nll(const Params& p, const SubnetArch& arch, const std::vector<ActivationRanges>& r,
           std::span<const int32_t> tokens, int64_t windows, unsigned steps) {
  const int64_t h = arch.hidden, T = arch.seq, d = arch.head_size;
  double total = 0;
  Mat x, q, k, v, probs, ctx, attn, res, ln1, f1, g, f2, out, logits;
  LayerNormCache c1, c2;
  for (int64_t w = 0; w < windows; ++w) {
    const std::span<const int32_t> in = tokens.subspan(static_cast<size_t>(w * T), static_cast<size_t>(T));
    const std::span<const int32_t> tgt = tokens.subspan(static_cast<size_t>(w * T + 1), static_cast<size_t>(T));
    embedding_forward(p.tok_emb.leftCols(h), p.pos_emb.leftCols(h), in, T, x);
    if (steps & kEmbedding) fake_quant(x, r[0].input);
    for (int64_t i = 0; i < arch.layers; ++i) {
      const LayerParams& l = p.layers[static_cast<size_t>(i)];
      const ActivationRanges& ri = r[static_cast<size_t>(i)];
      const int64_t heads = arch.heads[static_cast<size_t>(i)], a = heads * d, f = arch.ffn[static_cast<size_t>(i)];
      linear_forward(x, l.wq.topLeftCorner(h, a), l.bq.head(a), q);
      linear_forward(x, l.wk.topLeftCorner(h, a), l.bk.head(a), k);
      linear_forward(x, l.wv.topLeftCorner(h, a), l.bv.head(a), v);
      if (steps & kQ) fake_quant(q, ri.q);
      if (steps & kK) fake_quant(k, ri.k);
      if (steps & kV) fake_quant(v, ri.v);
      attention_forward(q, k, v, 1, T, heads, d, probs, ctx, (steps & kProbs) ? 127 : 0);
      if (steps & kContext) fake_quant(ctx, ri.context);
      linear_forward(ctx, l.wo.topLeftCorner(a, h), l.bo.head(h), attn);
      res = attn + x;
      layernorm_forward(res, l.ln1_gamma.head(h), l.ln1_beta.head(h), ln1, c1);
      if (steps & kLn1) fake_quant(ln1, ri.ln1);
      linear_forward(ln1, l.w1.topLeftCorner(h, f), l.b1.head(f), f1);
      gelu_forward(f1, g);
      if (steps & kGelu) fake_quant(g, ri.gelu);
      linear_forward(g, l.w2.topLeftCorner(f, h), l.b2.head(h), f2);
      res = f2 + ln1;
      layernorm_forward(res, l.ln2_gamma.head(h), l.ln2_beta.head(h), out, c2);
      if (steps & kOut) fake_quant(out, ri.output);
      x = out;
    }
    logits.noalias() = x * p.tok_emb.leftCols(h).transpose();
    logits.rowwise() += p.out_bias;
    total += softmax_xent_sum(logits, tgt);
  }
  return total / static_cast<double>(windows * T);
}

}  // namespace

std::vector<QuantSensitivity> quantization_sensitivity(const Checkpoint& ck, const SubnetArch& arch,
                                                       std::span<const int32_t> eval_tokens, int64_t windows,
                                                       std::span<const int32_t> calibration_tokens,
                                                       int64_t calibration_windows, RangeMethod method) {
  ck.supernet.check(arch);
  const int64_t n = window_count(std::ssize(eval_tokens), arch.seq, windows);
  if (n < 1) throw ArchError("sensitivity: the text is shorter than one window");
  const std::vector<ActivationRanges> r =
      calibrate_ranges(ck.params, arch, calibration_tokens, calibration_windows, nullptr, method);
  std::vector<QuantSensitivity> out;
  const double base = std::exp(nll(ck.params, arch, r, eval_tokens, n, 0));
  auto add = [&](const char* step, double ppl) { out.push_back({step, ppl, ppl / base - 1.0}); };
  add("float", base);
  for (const bool per_channel : {false, true}) {
    Params q = ck.params;
    for (int64_t i = 0; i < arch.layers; ++i) {
      LayerParams& l = q.layers[static_cast<size_t>(i)];
      const int64_t h = arch.hidden, a = arch.heads[static_cast<size_t>(i)] * arch.head_size,
                    f = arch.ffn[static_cast<size_t>(i)];
      fake_quant_weight(l.wq, h, a, per_channel);
      fake_quant_weight(l.wk, h, a, per_channel);
      fake_quant_weight(l.wv, h, a, per_channel);
      fake_quant_weight(l.wo, a, h, per_channel);
      fake_quant_weight(l.w1, h, f, per_channel);
      fake_quant_weight(l.w2, f, h, per_channel);
    }
    add(per_channel ? "weights per output channel" : "weights per tensor", std::exp(nll(q, arch, r, eval_tokens, n, 0)));
  }
  const std::pair<const char*, unsigned> steps[] = {
      {"embedding", kEmbedding}, {"q", kQ},       {"k", kK},       {"v", kV},       {"probabilities", kProbs},
      {"context", kContext},     {"ln1", kLn1},   {"gelu", kGelu}, {"layer output", kOut}};
  for (const auto& [name, bit] : steps) add(name, std::exp(nll(ck.params, arch, r, eval_tokens, n, bit)));
  add("all activations", std::exp(nll(ck.params, arch, r, eval_tokens, n, kAllActivations)));
  return out;
}

}  // namespace coda::models::lm
