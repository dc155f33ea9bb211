#include "models/lm/sensitivity.h"

#include <algorithm>
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

// Mean NLL over the windows with the activation steps in `steps` fake-quantized (the float forward pass with a
// hook rounding those activations to their int8 grid; the probabilities through forward's prob_levels).
double nll(const Params& p, const SubnetArch& arch, const std::vector<ActivationRanges>& r,
           std::span<const int32_t> tokens, int64_t windows, unsigned steps) {
  const ActivationHook hook = [&](Activation a, int64_t layer, Mat& m) {
    const ActivationRanges& ri = r[static_cast<size_t>(std::max<int64_t>(layer, 0))];
    switch (a) {
      case Activation::Embedding: if (steps & kEmbedding) fake_quant(m, ri.input); break;
      case Activation::Q: if (steps & kQ) fake_quant(m, ri.q); break;
      case Activation::K: if (steps & kK) fake_quant(m, ri.k); break;
      case Activation::V: if (steps & kV) fake_quant(m, ri.v); break;
      case Activation::Context: if (steps & kContext) fake_quant(m, ri.context); break;
      case Activation::Ln1: if (steps & kLn1) fake_quant(m, ri.ln1); break;
      case Activation::Gelu: if (steps & kGelu) fake_quant(m, ri.gelu); break;
      case Activation::Out: if (steps & kOut) fake_quant(m, ri.output); break;
    }
  };
  const int64_t T = arch.seq;
  constexpr int64_t kGroup = 16;  // windows per forward pass (bounds the attention cache)
  ForwardCache cache;
  std::vector<int32_t> in, tgt;
  double total = 0;
  for (int64_t w0 = 0; w0 < windows; w0 += kGroup) {
    in.clear(), tgt.clear();
    for (int64_t w = w0; w < std::min(windows, w0 + kGroup); ++w) {
      const auto start = tokens.begin() + static_cast<std::ptrdiff_t>(w * T);
      in.insert(in.end(), start, start + T);
      tgt.insert(tgt.end(), start + 1, start + 1 + T);
    }
    forward(p, arch, in, cache, (steps & kProbs) ? 127 : 0, &hook);
    total += softmax_xent_sum(cache.logits, tgt);
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
