// The supernet's parameters and the float forward/backward pass of one subnet on a batch of sequences.
//
// Architecture (post-LayerNorm I-BERT encoder layers, as in models/encoder_layer.h, with a causal mask):
//   x0 = tok_emb[token] + pos_emb[position]
//   per layer: q,k,v = x Wq,Wk,Wv + b; ctx = softmax(q k^T / sqrt(d), causal) v; a = ctx Wo + bo
//              h1 = LN1(a + x); f = GELU(h1 W1 + b1) W2 + b2; x' = LN2(f + h1)
//   logits = x_L tok_emb^T + out_bias        (LM head tied to the token embedding)
// No final LayerNorm is needed: every layer already ends with one (post-LN).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "models/lm/arch.h"
#include "models/lm/layers.h"

namespace coda::models::lm {

struct LayerParams {
  Mat wq, wk, wv;  // [max_hidden][max_attn]
  Mat wo;          // [max_attn][max_hidden]
  Mat w1;          // [max_hidden][max_ffn]
  Mat w2;          // [max_ffn][max_hidden]
  Vec bq, bk, bv, bo, b1, b2;
  Vec ln1_gamma, ln1_beta, ln2_gamma, ln2_beta;
};

struct Params {
  Mat tok_emb;   // [vocab][max_hidden]
  Mat pos_emb;   // [context][max_hidden]
  Vec out_bias;  // [vocab]
  std::vector<LayerParams> layers;

  // Every tensor in a fixed order (the checkpoint's order), with whether AdamW decays it (weight matrices
  // and embeddings; not biases or LayerNorm parameters).
  std::vector<float*> tensors();               // data pointers
  std::vector<int64_t> sizes() const;          // element counts, same order
  std::vector<bool> decayed() const;           // same order
  int64_t count() const;                       // total elements
};

// Zero parameters shaped for the supernet.
Params zero_params(const SupernetConfig& cfg);
// Initialization (from seed, Irwin-Hall approximate normals): weight matrices [in][out] N(0, 1/in), token
// embedding N(0, 1/max_hidden), position embedding 0.02 * sinusoids, biases 0, LayerNorm gamma 1.
Params init_params(const SupernetConfig& cfg, uint64_t seed);
void set_zero(Params& p);
void add_scaled(Params& dst, const Params& src, float scale);  // dst += scale * src

// Caches of one layer's forward pass (for backward) and, optionally, for calibration.
struct LayerCache {
  Mat x, q, k, v, probs, context, attn, res1, ln1, ffn1, gelu, ffn2, res2, out;
  LayerNormCache ln1_cache, ln2_cache;
};
struct ForwardCache {
  Mat x0;
  std::vector<LayerCache> layers;
  Mat logits;
};

// Forward of `arch` on tokens [batch * arch.seq] (batch-major). Fills cache (every intermediate tensor).
// The activations a forward pass exposes to an ActivationHook, in the order it produces them per layer.
enum class Activation { Embedding, Q, K, V, Context, Ln1, Gelu, Out };
// Called on each activation right after it is computed (layer -1 for the embedding); it may change it in place,
// and the pass continues from the changed value (models/lm/sensitivity.cpp emulates int8 steps this way).
using ActivationHook = std::function<void(Activation, int64_t layer, Mat&)>;

// prob_levels: quantization-aware attention probabilities (attention_forward); 0 for the float model.
void forward(const Params& p, const SubnetArch& arch, std::span<const int32_t> tokens, ForwardCache& cache,
             int prob_levels = 0, const ActivationHook* hook = nullptr);
// Loss (mean nats over all positions) of forward + backward; adds the subnet's gradient times grad_scale into
// grads (only the subnet's slices are touched).
double forward_backward(const Params& p, const SubnetArch& arch, std::span<const int32_t> tokens,
                        std::span<const int32_t> targets, Params& grads, float grad_scale, ForwardCache& cache,
                        int prob_levels = 0);

}  // namespace coda::models::lm
