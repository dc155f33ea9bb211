#include "models/lm/layers.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace coda::models::lm {

namespace {
using MapMat = Eigen::Map<Mat>;
using CMapMat = Eigen::Map<const Mat>;
constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;
}  // namespace

void linear_forward(const CMatRef& x, const CMatRef& w, const CVecRef& b, Mat& y) {
  y.resize(x.rows(), w.cols());
  y.noalias() = x * w;
  y.rowwise() += b;
}

void linear_backward(const CMatRef& x, const CMatRef& w, const Mat& dy, Mat& dx, MatRef dw, VecRef db) {
  dx.resize(dy.rows(), w.rows());
  dx.noalias() = dy * w.transpose();
  dw.noalias() += x.transpose() * dy;
  db += dy.colwise().sum();
}

void layernorm_forward(const Mat& x, const CVecRef& gamma, const CVecRef& beta, Mat& y, LayerNormCache& c) {
  const int64_t n = x.cols();
  c.xhat.resize(x.rows(), n);
  c.rstd.resize(static_cast<size_t>(x.rows()));
  y.resize(x.rows(), n);
  for (int64_t r = 0; r < x.rows(); ++r) {
    const float mean = x.row(r).mean();
    const float var = (x.row(r).array() - mean).square().mean();
    const float rstd = 1.0f / std::sqrt(var + kLnEpsilon);
    c.rstd[static_cast<size_t>(r)] = rstd;
    c.xhat.row(r) = (x.row(r).array() - mean) * rstd;
    y.row(r) = c.xhat.row(r).cwiseProduct(gamma) + beta;
  }
}

void layernorm_backward(const Mat& dy, const CVecRef& gamma, const LayerNormCache& c, Mat& dx, VecRef dgamma,
                        VecRef dbeta) {
  const int64_t n = dy.cols();
  dx.resize(dy.rows(), n);
  dgamma += dy.cwiseProduct(c.xhat).colwise().sum();
  dbeta += dy.colwise().sum();
  const float inv_n = 1.0f / static_cast<float>(n);
  Vec g(n);
  for (int64_t r = 0; r < dy.rows(); ++r) {
    g = dy.row(r).cwiseProduct(gamma);
    const float mean_g = g.sum() * inv_n;
    const float mean_gx = g.cwiseProduct(c.xhat.row(r)).sum() * inv_n;
    dx.row(r) = (g.array() - mean_g - c.xhat.row(r).array() * mean_gx) * c.rstd[static_cast<size_t>(r)];
  }
}

void gelu_forward(const Mat& x, Mat& y) {
  y.resize(x.rows(), x.cols());
  const float* a = x.data();
  float* o = y.data();
  const int64_t n = x.size();
  for (int64_t i = 0; i < n; ++i) o[i] = 0.5f * a[i] * (1.0f + std::erf(a[i] * kInvSqrt2));
}

void gelu_backward(const Mat& x, const Mat& dy, Mat& dx) {
  dx.resize(x.rows(), x.cols());
  const float* a = x.data();
  const float* g = dy.data();
  float* o = dx.data();
  const int64_t n = x.size();
  for (int64_t i = 0; i < n; ++i) {
    const float cdf = 0.5f * (1.0f + std::erf(a[i] * kInvSqrt2));
    const float pdf = kInvSqrt2Pi * std::exp(-0.5f * a[i] * a[i]);
    o[i] = g[i] * (cdf + a[i] * pdf);
  }
}

namespace {
// Probabilities rounded to multiples of 1 / levels (round half away from zero, as the integer softmax rounds).
void round_probs(const CMapMat& p, int levels, Mat& out) {
  const auto l = static_cast<float>(levels);
  out = (p * l).array().round().matrix() / l;
}
}  // namespace

void attention_forward(const Mat& q, const Mat& k, const Mat& v, int64_t batch, int64_t seq, int64_t heads,
                       int64_t d, Mat& probs, Mat& context, int prob_levels) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  probs.resize(batch * heads, seq * seq);
  context.resize(batch * seq, heads * d);
  Mat pq;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      MapMat p(probs.row(b * heads + h).data(), seq, seq);
      p.noalias() = q.block(b * seq, h * d, seq, d) * k.block(b * seq, h * d, seq, d).transpose();
      for (int64_t i = 0; i < seq; ++i) {
        float* row = p.row(i).data();
        float m = -std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j <= i; ++j) m = std::max(m, row[j] * scale);
        float sum = 0.0f;
        for (int64_t j = 0; j <= i; ++j) {
          row[j] = std::exp(row[j] * scale - m);
          sum += row[j];
        }
        const float inv = 1.0f / sum;
        for (int64_t j = 0; j <= i; ++j) row[j] *= inv;
        for (int64_t j = i + 1; j < seq; ++j) row[j] = 0.0f;
      }
      if (prob_levels > 0) {
        round_probs(CMapMat(p.data(), seq, seq), prob_levels, pq);
        context.block(b * seq, h * d, seq, d).noalias() = pq * v.block(b * seq, h * d, seq, d);
      } else {
        context.block(b * seq, h * d, seq, d).noalias() = p * v.block(b * seq, h * d, seq, d);
      }
    }
  }
}

void attention_backward(const Mat& q, const Mat& k, const Mat& v, const Mat& probs, const Mat& dcontext, int64_t batch,
                        int64_t seq, int64_t heads, int64_t d, Mat& dq, Mat& dk, Mat& dv, int prob_levels) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  dq.resize(q.rows(), q.cols());
  dk.resize(k.rows(), k.cols());
  dv.resize(v.rows(), v.cols());
  Mat dp(seq, seq), pq;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      CMapMat p(probs.row(b * heads + h).data(), seq, seq);
      const auto dc = dcontext.block(b * seq, h * d, seq, d);
      if (prob_levels > 0) {
        round_probs(p, prob_levels, pq);
        dv.block(b * seq, h * d, seq, d).noalias() = pq.transpose() * dc;
      } else {
        dv.block(b * seq, h * d, seq, d).noalias() = p.transpose() * dc;
      }
      dp.noalias() = dc * v.block(b * seq, h * d, seq, d).transpose();
      // dS = P o (dP - rowsum(dP o P)), times the score scale (masked entries have P = 0).
      for (int64_t i = 0; i < seq; ++i) {
        float dot = 0.0f;
        for (int64_t j = 0; j <= i; ++j) dot += dp(i, j) * p(i, j);
        for (int64_t j = 0; j <= i; ++j) dp(i, j) = p(i, j) * (dp(i, j) - dot) * scale;
        for (int64_t j = i + 1; j < seq; ++j) dp(i, j) = 0.0f;
      }
      dq.block(b * seq, h * d, seq, d).noalias() = dp * k.block(b * seq, h * d, seq, d);
      dk.block(b * seq, h * d, seq, d).noalias() = dp.transpose() * q.block(b * seq, h * d, seq, d);
    }
  }
}

namespace {
// log-sum-exp of a row and the row maximum.
double row_logsumexp(const float* row, int64_t n, float& m) {
  m = *std::max_element(row, row + n);
  double s = 0.0;
  for (int64_t j = 0; j < n; ++j) s += std::exp(static_cast<double>(row[j] - m));
  return std::log(s);
}
void check_targets(const Mat& logits, std::span<const int32_t> targets) {
  if (static_cast<int64_t>(targets.size()) != logits.rows()) throw std::invalid_argument("softmax_xent: one target per row");
  for (int32_t t : targets) {
    if (t < 0 || t >= logits.cols()) throw std::invalid_argument("softmax_xent: target out of range");
  }
}
}  // namespace

double softmax_xent(const Mat& logits, std::span<const int32_t> targets, Mat* dlogits) {
  check_targets(logits, targets);
  const int64_t rows = logits.rows(), n = logits.cols();
  if (dlogits != nullptr) dlogits->resize(rows, n);
  double total = 0.0;
  const float inv_rows = 1.0f / static_cast<float>(rows);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = logits.row(r).data();
    float m = 0.0f;
    const double lse = row_logsumexp(row, n, m);
    const auto t = static_cast<int64_t>(targets[static_cast<size_t>(r)]);
    total += lse - static_cast<double>(row[t] - m);
    if (dlogits != nullptr) {
      float* g = dlogits->row(r).data();
      for (int64_t j = 0; j < n; ++j) g[j] = static_cast<float>(std::exp(static_cast<double>(row[j] - m) - lse)) * inv_rows;
      g[t] -= inv_rows;
    }
  }
  return total / static_cast<double>(rows);
}

double softmax_xent_sum(const Mat& logits, std::span<const int32_t> targets) {
  check_targets(logits, targets);
  double total = 0.0;
  for (int64_t r = 0; r < logits.rows(); ++r) {
    const float* row = logits.row(r).data();
    float m = 0.0f;
    const double lse = row_logsumexp(row, logits.cols(), m);
    total += lse - static_cast<double>(row[targets[static_cast<size_t>(r)]] - m);
  }
  return total;
}

void embedding_forward(const CMatRef& tok, const CMatRef& pos, std::span<const int32_t> tokens, int64_t seq, Mat& x) {
  const auto rows = static_cast<int64_t>(tokens.size());
  if (seq < 1 || rows % seq != 0 || seq > pos.rows()) throw std::invalid_argument("embedding_forward: bad sequence length");
  x.resize(rows, tok.cols());
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t id = tokens[static_cast<size_t>(r)];
    if (id < 0 || id >= tok.rows()) throw std::invalid_argument("embedding_forward: token id out of range");
    x.row(r) = tok.row(id) + pos.row(r % seq);
  }
}

void embedding_backward(const Mat& dx, std::span<const int32_t> tokens, int64_t seq, MatRef dtok, MatRef dpos) {
  for (int64_t r = 0; r < dx.rows(); ++r) {
    dtok.row(tokens[static_cast<size_t>(r)]) += dx.row(r);
    dpos.row(r % seq) += dx.row(r);
  }
}

}  // namespace coda::models::lm
