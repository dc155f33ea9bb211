// Float forward and backward passes of the language model's layer types, on Eigen row-major matrices (rows are
// tokens, batch-major: row b * seq + t). Each backward *adds* its parameter gradients into the given
// accumulators (so several subnets can share one gradient buffer) and *writes* the input gradient.
// Every function here is checked against finite differences in tests/models/lm_layers_test.cpp.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <vector>

namespace coda::models::lm {

using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vec = Eigen::Matrix<float, 1, Eigen::Dynamic>;  // row vector
using CMatRef = Eigen::Ref<const Mat, 0, Eigen::OuterStride<>>;
using MatRef = Eigen::Ref<Mat, 0, Eigen::OuterStride<>>;
using CVecRef = Eigen::Ref<const Vec>;
using VecRef = Eigen::Ref<Vec>;

inline constexpr float kLnEpsilon = 1e-5f;  // LayerNorm epsilon of the float model

// ---- linear: y = x W + b (W is [in][out], the GEMM's B, as in models/encoder_layer.h) ----
void linear_forward(const CMatRef& x, const CMatRef& w, const CVecRef& b, Mat& y);
// dx = dy W^T; dw += x^T dy; db += column sums of dy.
void linear_backward(const CMatRef& x, const CMatRef& w, const Mat& dy, Mat& dx, MatRef dw, VecRef db);

// ---- LayerNorm over each row: y = (x - mean) / sqrt(var + eps) * gamma + beta ----
struct LayerNormCache {
  Mat xhat;                 // normalized input
  std::vector<float> rstd;  // 1 / sqrt(var + eps) per row
};
void layernorm_forward(const Mat& x, const CVecRef& gamma, const CVecRef& beta, Mat& y, LayerNormCache& cache);
void layernorm_backward(const Mat& dy, const CVecRef& gamma, const LayerNormCache& cache, Mat& dx, VecRef dgamma,
                        VecRef dbeta);

// ---- GELU (exact, erf form) elementwise ----
void gelu_forward(const Mat& x, Mat& y);
void gelu_backward(const Mat& x, const Mat& dy, Mat& dx);

// ---- causal multi-head self-attention core: context = softmax(q k^T / sqrt(d), causal) v per sequence and head ----
// q, k, v: [batch * seq][heads * head_size]; head h in columns [h * d, (h + 1) * d). probs keeps the
// softmax output per (sequence, head) for the backward pass: [batch * heads][seq * seq].
// prob_levels > 0 (quantization-aware training): the context is computed from the probabilities rounded to
// multiples of 1/prob_levels, as the integer datapath stores them (int8, scale 1/127: prob_levels = 127); probs
// keeps the unrounded values, and the backward pass treats the rounding as the identity (straight-through) except
// that dv uses the rounded probabilities the forward pass used.
void attention_forward(const Mat& q, const Mat& k, const Mat& v, int64_t batch, int64_t seq, int64_t heads,
                       int64_t head_size, Mat& probs, Mat& context, int prob_levels = 0);
void attention_backward(const Mat& q, const Mat& k, const Mat& v, const Mat& probs, const Mat& dcontext, int64_t batch,
                        int64_t seq, int64_t heads, int64_t head_size, Mat& dq, Mat& dk, Mat& dv, int prob_levels = 0);

// ---- softmax cross-entropy: mean over rows of -log softmax(logits)[target] ----
// Returns the mean loss (nats); dlogits = (softmax - onehot) / rows. targets.size() == logits.rows().
double softmax_xent(const Mat& logits, std::span<const int32_t> targets, Mat* dlogits);
// Sum over rows of -log softmax(logits)[target], in double (for perplexity).
double softmax_xent_sum(const Mat& logits, std::span<const int32_t> targets);

// ---- embeddings: x[b * seq + t] = tok[tokens[b * seq + t]] + pos[t] (first `hidden` columns) ----
void embedding_forward(const CMatRef& tok, const CMatRef& pos, std::span<const int32_t> tokens, int64_t seq, Mat& x);
void embedding_backward(const Mat& dx, std::span<const int32_t> tokens, int64_t seq, MatRef dtok, MatRef dpos);

}  // namespace coda::models::lm
