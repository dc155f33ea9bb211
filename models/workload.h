// Transformer workload description: what a workload YAML (configs/workloads/*.yaml) says, with no
// knowledge of YAML, tiling or cycles. Loaded by sim/config/workload_loader.
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
};

struct TransformerSpec {
  std::string name;
  int64_t layers = 0;
  int64_t seq_len = 0;
  int64_t batch = 1;
  int64_t hidden = 0;
  int64_t head_dim = 0;              // fixed head size for every layer
  std::vector<int64_t> heads;        // one entry per layer
  std::vector<int64_t> ffn;          // one entry per layer
  bool causal = false;
  int64_t vocab = 0;                 // 0: no embedding / LM head

  LayerDims layer(int64_t i) const { return {hidden, heads.at(i), head_dim, ffn.at(i)}; }
  // Throws std::invalid_argument when dimensions are inconsistent (loaders validate with locations first).
  void validate() const;
};

// A uniform spec: every layer has the same heads and ffn; head_dim = hidden / heads unless given.
TransformerSpec uniform_spec(std::string name, int64_t layers, int64_t seq_len, int64_t hidden, int64_t heads,
                             int64_t ffn, int64_t head_dim = 0, int64_t batch = 1, bool causal = false,
                             int64_t vocab = 0);

}  // namespace coda::models
