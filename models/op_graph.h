// The op graph of an integer-only (I-BERT) transformer: every MatMul, Softmax, LayerNorm, GELU, residual add
// and (re)quantization op with layer, block and producer/consumer links, MAC and byte counts.
// Hardware-independent: lowering (sim/compiler) decides where each op runs and what it fuses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/workload.h"

namespace coda::models {

enum class OpKind : uint8_t {
  MatMul,       // int8 x int8 -> int32 (optionally + int32 bias)
  Softmax,      // int32 scores -> int8 probabilities (i-Softmax), per row
  LayerNorm,    // int32 -> int8 (i-LayerNorm), per row
  Gelu,         // int32 -> int32 (i-GELU), elementwise
  ResidualAdd,  // int32 + int8 (rescaled) -> int32, elementwise
  Requantize,   // int32 -> int8 with a dyadic multiplier, elementwise
  Quantize,     // float -> int8 (embedding output / model input)
  Dequantize,   // int32/int8 -> float (LM head logits)
};

// Ops per encoder layer in build_op_graph (see docs/workloads.md for the list).
inline constexpr int kOpsPerLayer = 19;

// Breakdown categories reported by `coda sim` (JSON key names in category_name()).
enum class Category : uint8_t { MatMul, Softmax, LayerNorm, Gelu, ResAdd, Quant };
inline constexpr int kNumCategories = 6;

enum class Block : uint8_t { Embedding, MHA, FFN, Head };

enum class DType : uint8_t { Int8, Int32, Float32 };

std::string_view op_kind_name(OpKind k);     // "matmul", "softmax", "layernorm", "gelu", "resadd", "requant", ...
std::string_view category_name(Category c);  // "matmul", "softmax", "layernorm", "gelu", "resadd", "quant"
std::string_view block_name(Block b);         // "embedding", "mha", "ffn", "head"
std::string_view dtype_name(DType t);         // "int8", "int32", "float32"
int dtype_bytes(DType t);
Category category_of(OpKind k);

// C[batch][m][n] = A[batch][m][k] * B[batch][k][n] (+ D). Transposes describe how the operand sits in memory:
// transpose_b means B is stored as [n][k] (e.g. K in Q*K^T).
struct MatMulShape {
  int64_t m = 0, k = 0, n = 0;
  int64_t batch = 1;           // independent matmuls of the same shape (e.g. batch x heads)
  bool transpose_a = false;
  bool transpose_b = false;
  bool has_bias = false;       // int32 bias row broadcast over m (Gemmini's D via mvin3)
};

struct Op {
  uint32_t id = 0;
  std::string name;            // e.g. "L3.ffn1"
  OpKind kind = OpKind::MatMul;
  Block block = Block::MHA;
  int32_t layer = -1;          // -1 for ops outside the encoder layers
  MatMulShape mm;              // MatMul only
  int64_t rows = 0, cols = 0;  // element layout of the output (MatMul: batch*m x n); row ops reduce over cols
  DType in_type = DType::Int8;
  DType out_type = DType::Int8;
  std::vector<uint32_t> inputs;     // producer op ids (data edges); graph inputs are not listed
  std::vector<uint32_t> consumers;  // filled by the graph builder

  Category category() const { return category_of(kind); }
  int64_t elements() const { return rows * cols; }
  int64_t macs() const;        // MatMul: batch*m*k*n; others 0
  // Bytes read from memory if the op ran alone (operands, bias, weights):
  //   MatMul       batch*m*k + batch*k*n (int8 A and B) + batch*n*4 when has_bias
  //   LayerNorm    rows*cols*4 + 2*cols*4 (per-column int32 gamma multiplier and beta bias)
  //   ResidualAdd  rows*cols*4 (int32 branch) + rows*cols*1 (int8 skip operand)
  //   others       rows*cols*dtype_bytes(in_type)
  int64_t bytes_in() const;
  int64_t bytes_out() const;   // bytes of its output: rows*cols*dtype_bytes(out_type)
};

struct OpGraph {
  TransformerSpec spec;
  std::vector<Op> ops;         // topologically ordered; ops[i].id == i

  int64_t total_macs() const;
  // Ops of one layer, in order (indices into ops). Layer -1: the ops outside the encoder layers.
  std::vector<uint32_t> layer_ops(int32_t layer) const;
  // Id of the op with this name (e.g. "L0.qk"), if any.
  std::optional<uint32_t> find(std::string_view name) const;
};

// The I-BERT encoder stack (plus embedding and LM head when spec.vocab > 0): kOpsPerLayer ops per layer named
// "L{i}.<op>" in the order q_proj, q_requant, k_proj, k_requant, v_proj, v_requant, qk, softmax, attn_v,
// attn_requant, out_proj, attn_resadd, ln1 (block MHA), ffn1, gelu, gelu_requant, ffn2, ffn_resadd, ln2
// (block FFN); with a vocab, "embed" (Quantize, layer -1) first and "lm_head" (MatMul, layer -1) last.
// Layer 0 reads the graph input (no producer) unless there is an embedding. Shapes: docs/workloads.md.
// Calls spec.validate() (std::invalid_argument on an inconsistent spec).
OpGraph build_op_graph(const TransformerSpec& spec);
// A lone GEMM C[M][N] = A[M][K] * B[K][N] (int8 x int8 -> int32), for `-w gemm:M,K,N`: one MatMul op named
// "gemm", layer -1, block MHA, no bias. spec holds only the name "gemm:M,K,N" (layers = 0).
// Throws std::invalid_argument when a dimension is < 1 or a count overflows int64_t.
OpGraph single_gemm_graph(int64_t m, int64_t k, int64_t n);

}  // namespace coda::models
