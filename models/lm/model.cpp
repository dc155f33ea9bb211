#include "models/lm/model.h"

#include <cmath>
#include <stdexcept>

namespace coda::models::lm {

namespace {

Mat zeros(int64_t r, int64_t c) { return Mat::Zero(r, c); }
Vec zeros(int64_t n) { return Vec::Zero(n); }

template <class F>
void visit(LayerParams& l, F&& f) {
  f(l.wq, true), f(l.wk, true), f(l.wv, true), f(l.wo, true), f(l.w1, true), f(l.w2, true);
  f(l.bq, false), f(l.bk, false), f(l.bv, false), f(l.bo, false), f(l.b1, false), f(l.b2, false);
  f(l.ln1_gamma, false), f(l.ln1_beta, false), f(l.ln2_gamma, false), f(l.ln2_beta, false);
}

template <class P, class F>
void visit_all(P& p, F&& f) {
  f(p.tok_emb, true), f(p.pos_emb, true), f(p.out_bias, false);
  for (auto& l : p.layers) visit(l, f);
}

}  // namespace

std::vector<float*> Params::tensors() {
  std::vector<float*> out;
  visit_all(*this, [&](auto& t, bool) { out.push_back(t.data()); });
  return out;
}

std::vector<int64_t> Params::sizes() const {
  std::vector<int64_t> out;
  visit_all(const_cast<Params&>(*this), [&](auto& t, bool) { out.push_back(t.size()); });
  return out;
}

std::vector<bool> Params::decayed() const {
  std::vector<bool> out;
  visit_all(const_cast<Params&>(*this), [&](auto&, bool d) { out.push_back(d); });
  return out;
}

int64_t Params::count() const {
  int64_t n = 0;
  for (int64_t s : sizes()) n += s;
  return n;
}

Params zero_params(const SupernetConfig& c) {
  c.validate();
  const int64_t h = c.max_hidden(), a = c.max_attn(), f = c.max_ffn();
  Params p;
  p.tok_emb = zeros(c.vocab, h);
  p.pos_emb = zeros(c.context, h);
  p.out_bias = zeros(c.vocab);
  p.layers.resize(static_cast<size_t>(c.max_layers()));
  for (auto& l : p.layers) {
    l.wq = zeros(h, a), l.wk = zeros(h, a), l.wv = zeros(h, a), l.wo = zeros(a, h);
    l.w1 = zeros(h, f), l.w2 = zeros(f, h);
    l.bq = zeros(a), l.bk = zeros(a), l.bv = zeros(a), l.bo = zeros(h), l.b1 = zeros(f), l.b2 = zeros(h);
    l.ln1_gamma = zeros(h), l.ln1_beta = zeros(h), l.ln2_gamma = zeros(h), l.ln2_beta = zeros(h);
  }
  return p;
}

Params init_params(const SupernetConfig& c, uint64_t seed) {
  Params p = zero_params(c);
  Rng rng(seed, 0x1417);
  // Weight matrices [in][out]: N(0, 1/in) (as models/encoder_layer.cpp's random layers), so that every residual
  // branch starts at the scale of the residual stream instead of ~0: with post-LayerNorm layers a near-identity
  // start sits on the unigram plateau for ~100 steps (measured: docs/lm.md).
  visit_all(p, [&](auto& t, bool decayed) {
    if (!decayed) return;
    float* d = t.data();
    const double std = 1.0 / std::sqrt(static_cast<double>(t.rows()));
    for (int64_t i = 0; i < t.size(); ++i) d[i] = static_cast<float>(std * rng.normal());
  });
  for (auto& l : p.layers) {
    l.ln1_gamma.setOnes();
    l.ln2_gamma.setOnes();
  }
  // Token embedding N(0, 1/max_hidden): with the tied head, logits start at unit scale. Positions start as
  // sinusoids (amplitude 0.02, still learned) so that relative-position attention is there from the first step.
  const int64_t h = c.max_hidden();
  for (int64_t i = 0; i < p.tok_emb.size(); ++i) {
    p.tok_emb.data()[i] = static_cast<float>(rng.normal() / std::sqrt(static_cast<double>(h)));
  }
  for (int64_t t = 0; t < c.context; ++t) {
    for (int64_t j = 0; j < h; ++j) {
      const double freq = std::pow(10000.0, -static_cast<double>(2 * (j / 2)) / static_cast<double>(h));
      const double v = (j % 2 == 0) ? std::sin(static_cast<double>(t) * freq) : std::cos(static_cast<double>(t) * freq);
      p.pos_emb(t, j) = static_cast<float>(0.02 * v);
    }
  }
  return p;
}

void set_zero(Params& p) {
  visit_all(p, [](auto& t, bool) { t.setZero(); });
}

void add_scaled(Params& dst, const Params& src, float scale) {
  std::vector<float*> d = dst.tensors();
  std::vector<float*> s = const_cast<Params&>(src).tensors();
  const std::vector<int64_t> n = dst.sizes();
  if (n != src.sizes()) throw std::invalid_argument("add_scaled: parameter shapes differ");
  for (size_t i = 0; i < d.size(); ++i) {
    for (int64_t j = 0; j < n[i]; ++j) d[i][j] += scale * s[i][j];
  }
}

void forward(const Params& p, const SubnetArch& arch, std::span<const int32_t> tokens, ForwardCache& c,
             int prob_levels, const ActivationHook* hook) {
  auto seen = [hook](Activation a, int64_t layer, Mat& m) {
    if (hook != nullptr) (*hook)(a, layer, m);
  };
  const int64_t h = arch.hidden, T = arch.seq, d = arch.head_size;
  if (T < 1 || tokens.size() % static_cast<size_t>(T) != 0) throw std::invalid_argument("forward: tokens must be batch x seq");
  if (arch.layers > std::ssize(p.layers)) throw std::invalid_argument("forward: more layers than the supernet");
  const int64_t batch = std::ssize(tokens) / T;
  embedding_forward(p.tok_emb.leftCols(h), p.pos_emb.leftCols(h), tokens, T, c.x0);
  seen(Activation::Embedding, -1, c.x0);
  c.layers.resize(static_cast<size_t>(arch.layers));
  const Mat* x = &c.x0;
  for (int64_t i = 0; i < arch.layers; ++i) {
    const LayerParams& l = p.layers[static_cast<size_t>(i)];
    LayerCache& lc = c.layers[static_cast<size_t>(i)];
    const int64_t heads = arch.heads[static_cast<size_t>(i)], a = heads * d, f = arch.ffn[static_cast<size_t>(i)];
    lc.x = *x;
    linear_forward(lc.x, l.wq.topLeftCorner(h, a), l.bq.head(a), lc.q);
    linear_forward(lc.x, l.wk.topLeftCorner(h, a), l.bk.head(a), lc.k);
    linear_forward(lc.x, l.wv.topLeftCorner(h, a), l.bv.head(a), lc.v);
    seen(Activation::Q, i, lc.q);
    seen(Activation::K, i, lc.k);
    seen(Activation::V, i, lc.v);
    attention_forward(lc.q, lc.k, lc.v, batch, T, heads, d, lc.probs, lc.context, prob_levels);
    seen(Activation::Context, i, lc.context);
    linear_forward(lc.context, l.wo.topLeftCorner(a, h), l.bo.head(h), lc.attn);
    lc.res1 = lc.attn + lc.x;
    layernorm_forward(lc.res1, l.ln1_gamma.head(h), l.ln1_beta.head(h), lc.ln1, lc.ln1_cache);
    seen(Activation::Ln1, i, lc.ln1);
    linear_forward(lc.ln1, l.w1.topLeftCorner(h, f), l.b1.head(f), lc.ffn1);
    gelu_forward(lc.ffn1, lc.gelu);
    seen(Activation::Gelu, i, lc.gelu);
    linear_forward(lc.gelu, l.w2.topLeftCorner(f, h), l.b2.head(h), lc.ffn2);
    lc.res2 = lc.ffn2 + lc.ln1;
    layernorm_forward(lc.res2, l.ln2_gamma.head(h), l.ln2_beta.head(h), lc.out, lc.ln2_cache);
    seen(Activation::Out, i, lc.out);
    x = &lc.out;
  }
  c.logits.resize(x->rows(), p.tok_emb.rows());
  c.logits.noalias() = *x * p.tok_emb.leftCols(h).transpose();
  c.logits.rowwise() += p.out_bias;
}

double forward_backward(const Params& p, const SubnetArch& arch, std::span<const int32_t> tokens,
                        std::span<const int32_t> targets, Params& g, float grad_scale, ForwardCache& c,
                        int prob_levels) {
  forward(p, arch, tokens, c, prob_levels);
  Mat dlogits;
  const double loss = softmax_xent(c.logits, targets, &dlogits);
  dlogits *= grad_scale;
  const int64_t h = arch.hidden, T = arch.seq, d = arch.head_size;
  const int64_t batch = std::ssize(tokens) / T;
  const Mat& xl = arch.layers > 0 ? c.layers.back().out : c.x0;
  Mat dx = dlogits * p.tok_emb.leftCols(h);
  g.tok_emb.leftCols(h).noalias() += dlogits.transpose() * xl;
  g.out_bias += dlogits.colwise().sum();
  Mat dres, dtmp, dgelu, dffn1, dln1, dctx, dq, dk, dv;
  for (int64_t i = arch.layers - 1; i >= 0; --i) {
    const LayerParams& l = p.layers[static_cast<size_t>(i)];
    LayerParams& gl = g.layers[static_cast<size_t>(i)];
    const LayerCache& lc = c.layers[static_cast<size_t>(i)];
    const int64_t heads = arch.heads[static_cast<size_t>(i)], a = heads * d, f = arch.ffn[static_cast<size_t>(i)];
    // out = LN2(ffn2 + ln1)
    layernorm_backward(dx, l.ln2_gamma.head(h), lc.ln2_cache, dres, gl.ln2_gamma.head(h), gl.ln2_beta.head(h));
    linear_backward(lc.gelu, l.w2.topLeftCorner(f, h), dres, dgelu, gl.w2.topLeftCorner(f, h), gl.b2.head(h));
    gelu_backward(lc.ffn1, dgelu, dffn1);
    linear_backward(lc.ln1, l.w1.topLeftCorner(h, f), dffn1, dln1, gl.w1.topLeftCorner(h, f), gl.b1.head(f));
    dln1 += dres;
    // ln1 = LN1(attn + x)
    layernorm_backward(dln1, l.ln1_gamma.head(h), lc.ln1_cache, dres, gl.ln1_gamma.head(h), gl.ln1_beta.head(h));
    linear_backward(lc.context, l.wo.topLeftCorner(a, h), dres, dctx, gl.wo.topLeftCorner(a, h), gl.bo.head(h));
    attention_backward(lc.q, lc.k, lc.v, lc.probs, dctx, batch, T, heads, d, dq, dk, dv, prob_levels);
    dx = dres;
    linear_backward(lc.x, l.wq.topLeftCorner(h, a), dq, dtmp, gl.wq.topLeftCorner(h, a), gl.bq.head(a));
    dx += dtmp;
    linear_backward(lc.x, l.wk.topLeftCorner(h, a), dk, dtmp, gl.wk.topLeftCorner(h, a), gl.bk.head(a));
    dx += dtmp;
    linear_backward(lc.x, l.wv.topLeftCorner(h, a), dv, dtmp, gl.wv.topLeftCorner(h, a), gl.bv.head(a));
    dx += dtmp;
  }
  embedding_backward(dx, tokens, T, g.tok_emb.leftCols(h), g.pos_emb.leftCols(h));
  return loss;
}

}  // namespace coda::models::lm
