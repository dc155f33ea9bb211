// Transformer workload description: what a workload YAML (configs/workloads/*.yaml) says, with no
// knowledge of YAML, tiling or cycles. Loaded (with located diagnostics) by sim/config/workload_loader;
// the format is documented in docs/workloads.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace coda::models {

// Dimensions of one encoder layer.
struct LayerDims {
  int64_t hidden = 0;
  int64_t heads = 0;
  int64_t head_dim = 0;  // heads * head_dim is the attention width (may differ from hidden)
  int64_t ffn = 0;

  // Attention width: the N of the Q/K/V projections and the K of the output projection.
  int64_t attn_width() const { return heads * head_dim; }
};

// An encoder stack of `layers` layers over `batch` sequences of `seq_len` tokens. Heads and FFN width may
// differ per layer (NAS sub-networks); the head size and the model width `hidden` are shared by all layers.
struct TransformerSpec {
  // Upper bound on `layers`, so that a typo cannot make the graph builder allocate millions of ops.
  static constexpr int64_t kMaxLayers = 4096;

  std::string name;
  int64_t layers = 0;
  int64_t seq_len = 0;
  int64_t batch = 1;
  int64_t hidden = 0;
  int64_t head_dim = 0;              // fixed head size for every layer
  std::vector<int64_t> heads;        // one entry per layer
  std::vector<int64_t> ffn;          // one entry per layer
  bool causal = false;               // causal (decoder/LM) attention mask; the op graph is the same (the
                                     // masked scores are still computed, the softmax masks them)
  int64_t vocab = 0;                 // 0: no embedding / LM head

  LayerDims layer(int64_t i) const { return {hidden, heads.at(i), head_dim, ffn.at(i)}; }
  // Throws std::invalid_argument when dimensions are inconsistent: a dimension < 1 (vocab < 0), layers >
  // kMaxLayers, heads/ffn not one entry per layer, or a MAC/byte count of the op graph overflowing int64_t.
  // Loaders validate with source locations first; this is the last line of defence for programmatic specs.
  void validate() const;
};

// A uniform spec: every layer has the same heads and ffn; head_dim = hidden / heads unless given (> 0).
// Throws std::invalid_argument when head_dim is defaulted and hidden % heads != 0, or validate() fails.
TransformerSpec uniform_spec(std::string name, int64_t layers, int64_t seq_len, int64_t hidden, int64_t heads,
                             int64_t ffn, int64_t head_dim = 0, int64_t batch = 1, bool causal = false,
                             int64_t vocab = 0);

}  // namespace coda::models
