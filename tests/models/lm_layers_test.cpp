// Finite-difference gradient checks of every layer type of the language model (models/lm/layers.h) and of the
// whole subnet forward/backward (models/lm/model.h), in double-checked float: central differences with step
// 1e-2..1e-3 on a scalar loss L = sum(y o r) for a fixed random r.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "models/lm/layers.h"
#include "models/lm/model.h"
#include "models/lm/rng.h"

namespace coda::models::lm {
namespace {

Mat random_mat(int64_t r, int64_t c, uint64_t seed, double scale = 1.0) {
  Rng rng(seed, 7);
  Mat m(r, c);
  for (int64_t i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(scale * rng.normal());
  return m;
}
Vec random_vec(int64_t n, uint64_t seed, double scale = 1.0) {
  Mat m = random_mat(1, n, seed, scale);
  return m.row(0);
}

// Compares analytic gradient `grad` of the scalar function f with respect to the float array x[0, n) with
// central finite differences; checks a relative error on the whole vector.
void expect_grad(const std::function<double()>& f, float* x, int64_t n, const float* grad, double eps = 1e-2,
                 double tol = 2e-2) {
  double num2 = 0.0, diff2 = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const float keep = x[i];
    x[i] = keep + static_cast<float>(eps);
    const double fp = f();
    x[i] = keep - static_cast<float>(eps);
    const double fm = f();
    x[i] = keep;
    const double num = (fp - fm) / (2 * eps);
    num2 += num * num;
    diff2 += (num - grad[i]) * (num - grad[i]);
  }
  ASSERT_GT(num2, 0.0);
  EXPECT_LT(std::sqrt(diff2 / num2), tol) << "relative gradient error";
}

double dot(const Mat& a, const Mat& b) { return static_cast<double>(a.cwiseProduct(b).sum()); }

TEST(LmLayers, LinearGradients) {
  Mat x = random_mat(5, 4, 1), w = random_mat(4, 3, 2);
  Vec b = random_vec(3, 3);
  const Mat r = random_mat(5, 3, 4);
  auto f = [&] {
    Mat y;
    linear_forward(x, w, b, y);
    return dot(y, r);
  };
  Mat dx, dw = Mat::Zero(4, 3);
  Vec db = Vec::Zero(3);
  linear_backward(x, w, r, dx, dw, db);
  expect_grad(f, x.data(), x.size(), dx.data());
  expect_grad(f, w.data(), w.size(), dw.data());
  expect_grad(f, b.data(), b.size(), db.data());
}

TEST(LmLayers, LinearOnSlicesAccumulates) {
  // A subnet uses the leading slice of a bigger weight; gradients land in the same slice and add up.
  Mat x = random_mat(3, 2, 1), w = random_mat(4, 5, 2);
  Vec b = random_vec(5, 3);
  const Mat dy = random_mat(3, 3, 4);
  Mat y, dx, dw = Mat::Ones(4, 5);
  Vec db = Vec::Zero(5);
  linear_forward(x, w.topLeftCorner(2, 3), b.head(3), y);
  const Mat expect = x * w.topLeftCorner(2, 3) + b.head(3).replicate(3, 1);
  EXPECT_LT((y - expect).norm(), 1e-5);
  linear_backward(x, w.topLeftCorner(2, 3), dy, dx, dw.topLeftCorner(2, 3), db.head(3));
  const Mat dw_expect = (x.transpose() * dy).array() + 1.0f;
  EXPECT_LT((dw.topLeftCorner(2, 3) - dw_expect).norm(), 1e-5);
  EXPECT_EQ(dw(3, 4), 1.0f);
  EXPECT_EQ(dw(0, 4), 1.0f);
  EXPECT_EQ(db(4), 0.0f);
}

TEST(LmLayers, LayerNormGradients) {
  Mat x = random_mat(4, 6, 5, 2.0);
  Vec g = random_vec(6, 6), be = random_vec(6, 7);
  const Mat r = random_mat(4, 6, 8);
  auto f = [&] {
    Mat y;
    LayerNormCache c;
    layernorm_forward(x, g, be, y, c);
    return dot(y, r);
  };
  Mat y, dx;
  LayerNormCache c;
  layernorm_forward(x, g, be, y, c);
  // Each output row has mean beta-weighted: with gamma = 1, beta = 0 the row would have mean 0, var 1.
  Vec dg = Vec::Zero(6), db = Vec::Zero(6);
  layernorm_backward(r, g, c, dx, dg, db);
  expect_grad(f, x.data(), x.size(), dx.data(), 1e-2, 3e-2);
  expect_grad(f, g.data(), g.size(), dg.data());
  expect_grad(f, be.data(), be.size(), db.data());
}

TEST(LmLayers, LayerNormNormalizes) {
  Mat x = random_mat(3, 8, 9, 3.0), y;
  LayerNormCache c;
  layernorm_forward(x, Vec::Ones(8), Vec::Zero(8), y, c);
  for (int64_t r = 0; r < 3; ++r) {
    EXPECT_NEAR(y.row(r).mean(), 0.0, 1e-5);
    EXPECT_NEAR(y.row(r).squaredNorm() / 8.0, 1.0, 1e-3);
  }
}

TEST(LmLayers, GeluValuesAndGradients) {
  Mat x(1, 3);
  x << -1.0f, 0.0f, 2.0f;
  Mat y;
  gelu_forward(x, y);
  EXPECT_NEAR(y(0, 0), -0.158655, 1e-5);  // x * Phi(x)
  EXPECT_EQ(y(0, 1), 0.0f);
  EXPECT_NEAR(y(0, 2), 1.954500, 1e-5);
  Mat a = random_mat(3, 5, 10, 2.0);
  const Mat r = random_mat(3, 5, 11);
  auto f = [&] {
    Mat o;
    gelu_forward(a, o);
    return dot(o, r);
  };
  Mat da;
  gelu_backward(a, r, da);
  expect_grad(f, a.data(), a.size(), da.data(), 1e-2);
}

TEST(LmLayers, CausalAttentionGradientsAndMask) {
  const int64_t batch = 2, seq = 4, heads = 2, d = 3;
  Mat q = random_mat(batch * seq, heads * d, 12), k = random_mat(batch * seq, heads * d, 13),
      v = random_mat(batch * seq, heads * d, 14);
  const Mat r = random_mat(batch * seq, heads * d, 15);
  auto f = [&] {
    Mat p, c;
    attention_forward(q, k, v, batch, seq, heads, d, p, c);
    return dot(c, r);
  };
  Mat p, c, dq, dk, dv;
  attention_forward(q, k, v, batch, seq, heads, d, p, c);
  // Causal: position 0 attends only to itself, so its context is its own value vector.
  for (int64_t h = 0; h < heads; ++h) {
    for (int64_t e = 0; e < d; ++e) EXPECT_NEAR(c(0, h * d + e), v(0, h * d + e), 1e-6);
    for (int64_t i = 0; i < seq; ++i) {
      EXPECT_NEAR(p.row(h).segment(i * seq, i + 1).sum(), 1.0, 1e-5);
      for (int64_t j = i + 1; j < seq; ++j) EXPECT_EQ(p(h, i * seq + j), 0.0f);
    }
  }
  attention_backward(q, k, v, p, r, batch, seq, heads, d, dq, dk, dv);
  expect_grad(f, q.data(), q.size(), dq.data());
  expect_grad(f, k.data(), k.size(), dk.data());
  expect_grad(f, v.data(), v.size(), dv.data());
  // The future does not leak: changing the last value of sequence 0 leaves earlier contexts unchanged.
  Mat c2, p2;
  v.row(seq - 1).array() += 5.0f;
  attention_forward(q, k, v, batch, seq, heads, d, p2, c2);
  EXPECT_EQ((c2.topRows(seq - 1) - c.topRows(seq - 1)).norm(), 0.0f);
}

TEST(LmLayers, QuantizationAwareAttentionProbabilities) {
  const int64_t batch = 2, seq = 5, heads = 2, d = 3;
  const Mat q = random_mat(batch * seq, heads * d, 22), k = random_mat(batch * seq, heads * d, 23),
            v = random_mat(batch * seq, heads * d, 24);
  const Mat r = random_mat(batch * seq, heads * d, 25);
  Mat p0, c0, p1, c1;
  attention_forward(q, k, v, batch, seq, heads, d, p0, c0);
  attention_forward(q, k, v, batch, seq, heads, d, p1, c1, 127);
  EXPECT_EQ((p1 - p0).norm(), 0.0f);  // the cache keeps the unrounded probabilities
  double max_diff = 0;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      // The context is what the integer datapath computes: probabilities rounded to multiples of 1/127.
      const Mat pr = Eigen::Map<const Mat>(p0.row(b * heads + h).data(), seq, seq);
      const Mat rounded = (pr * 127.0f).array().round().matrix() / 127.0f;
      const Mat expect = rounded * v.block(b * seq, h * d, seq, d);
      const Mat got = c1.block(b * seq, h * d, seq, d);
      EXPECT_LT((got - expect).cwiseAbs().maxCoeff(), 1e-6f);
      max_diff = std::max(max_diff, static_cast<double>((got - c0.block(b * seq, h * d, seq, d)).cwiseAbs().maxCoeff()));
    }
  }
  EXPECT_GT(max_diff, 1e-4);  // the rounding is visible
  // Backward: dv from the rounded probabilities the forward pass used; dq, dk straight through (= float).
  Mat dq0, dk0, dv0, dq1, dk1, dv1;
  attention_backward(q, k, v, p0, r, batch, seq, heads, d, dq0, dk0, dv0);
  attention_backward(q, k, v, p1, r, batch, seq, heads, d, dq1, dk1, dv1, 127);
  EXPECT_EQ((dq1 - dq0).norm(), 0.0f);
  EXPECT_EQ((dk1 - dk0).norm(), 0.0f);
  // dv is exact for the rounded forward (linear in v): finite differences of dot(context, r) in v.
  Mat vv = v;
  auto f = [&] {
    Mat p, c;
    attention_forward(q, k, vv, batch, seq, heads, d, p, c, 127);
    return dot(c, r);
  };
  expect_grad(f, vv.data(), vv.size(), dv1.data());
  EXPECT_GT((dv1 - dv0).norm(), 0.0f);
}

TEST(LmLayers, SoftmaxXentValuesAndGradients) {
  Mat logits = Mat::Zero(2, 4);
  const std::vector<int32_t> t{1, 3};
  EXPECT_NEAR(softmax_xent(logits, t, nullptr), std::log(4.0), 1e-6);
  EXPECT_NEAR(softmax_xent_sum(logits, t), 2 * std::log(4.0), 1e-6);
  logits = random_mat(3, 5, 16, 2.0);
  const std::vector<int32_t> t3{0, 4, 2};
  auto f = [&] { return softmax_xent(logits, t3, nullptr); };
  Mat dl;
  softmax_xent(logits, t3, &dl);
  expect_grad(f, logits.data(), logits.size(), dl.data(), 1e-2);
  EXPECT_THROW(softmax_xent(logits, std::vector<int32_t>{0, 5, 1}, nullptr), std::invalid_argument);
}

TEST(LmLayers, EmbeddingGradients) {
  Mat tok = random_mat(5, 3, 17), pos = random_mat(4, 3, 18);
  const std::vector<int32_t> ids{1, 4, 1, 0, 2, 2, 3, 1};  // 2 sequences of 4
  const Mat r = random_mat(8, 3, 19);
  auto f = [&] {
    Mat x;
    embedding_forward(tok, pos, ids, 4, x);
    return dot(x, r);
  };
  Mat dtok = Mat::Zero(5, 3), dpos = Mat::Zero(4, 3);
  embedding_backward(r, ids, 4, dtok, dpos);
  expect_grad(f, tok.data(), tok.size(), dtok.data());
  expect_grad(f, pos.data(), pos.size(), dpos.data());
}

SupernetConfig tiny_space() {
  SupernetConfig c;
  c.vocab = 7;
  c.context = 5;
  c.head_size = 2;
  c.layers = {1, 2};
  c.hidden = {4, 6};
  c.heads = {1, 2};
  c.ffn = {3, 8};
  return c;
}

TEST(LmModel, SubnetGradientsMatchFiniteDifferences) {
  const SupernetConfig cfg = tiny_space();
  Params p = init_params(cfg, 3);
  // Bigger weights than the init so that the check is not dominated by near-linear behaviour.
  {
    Rng rng(5, 1);
    std::vector<float*> ts = p.tensors();
    const std::vector<int64_t> n = p.sizes();
    for (size_t i = 0; i < ts.size(); ++i) {
      for (int64_t j = 0; j < n[i]; ++j) ts[i][j] += static_cast<float>(0.3 * rng.normal());
    }
  }
  SubnetArch arch{2, 4, 2, 5, {2, 1}, {8, 3}};
  cfg.check(arch);
  const std::vector<int32_t> tokens{1, 2, 3, 4, 5, 6, 0, 1, 2, 3};
  const std::vector<int32_t> targets{2, 3, 4, 5, 6, 0, 1, 2, 3, 4};
  Params g = zero_params(cfg);
  ForwardCache cache;
  forward_backward(p, arch, tokens, targets, g, 1.0f, cache);
  auto f = [&] {
    ForwardCache c2;
    forward(p, arch, tokens, c2);
    return softmax_xent(c2.logits, targets, nullptr);
  };
  std::vector<float*> pt = p.tensors();
  std::vector<float*> gt = g.tensors();
  const std::vector<int64_t> n = p.sizes();
  for (size_t i = 0; i < pt.size(); ++i) {
    SCOPED_TRACE(i);
    double gnorm = 0;
    for (int64_t j = 0; j < n[i]; ++j) gnorm += gt[i][j] * gt[i][j];
    const bool key_bias = (i >= 3 && (i - 3) % 16 == 7);  // bk: softmax is invariant to it, true gradient 0
    if (key_bias) {
      EXPECT_LT(std::sqrt(gnorm), 1e-5);
      continue;
    }
    if (gnorm == 0.0) continue;  // slices outside the subnet (checked below)
    expect_grad(f, pt[i], n[i], gt[i], 3e-3, 3e-2);
  }
  // Outside the subnet nothing is touched: layer 1 has 1 head (columns 2.. of wq) and ffn 3.
  EXPECT_EQ(g.layers[1].wq.rightCols(2).norm(), 0.0f);
  EXPECT_EQ(g.layers[1].w1.rightCols(5).norm(), 0.0f);
  EXPECT_EQ(g.tok_emb.rightCols(2).norm(), 0.0f);
  EXPECT_GT(g.layers[1].w1.leftCols(3).topRows(4).norm(), 0.0f);
}

}  // namespace
}  // namespace coda::models::lm
