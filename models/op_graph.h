// The op graph of an integer-only (I-BERT) transformer: every MatMul, Softmax, LayerNorm, GELU, residual add
// and (re)quantization op with layer, block and producer/consumer links, MAC and byte counts.
// Hardware-independent: lowering (sim/compiler) decides where each op runs and what it fuses.
#pragma once

#include <cstdint>
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
  int64_t bytes_in() const;    // bytes read from memory if the op ran alone (operands, bias, weights)
  int64_t bytes_out() const;   // bytes of its output
};

struct OpGraph {
  TransformerSpec spec;
  std::vector<Op> ops;         // topologically ordered; ops[i].id == i

  int64_t total_macs() const;
  // Ops of one layer, in order (indices into ops).
  std::vector<uint32_t> layer_ops(int32_t layer) const;
};

// The I-BERT encoder stack (plus embedding and LM head when spec.vocab > 0).
OpGraph build_op_graph(const TransformerSpec& spec);
// A lone GEMM C[M][N] = A[M][K] * B[K][N] (int8 x int8 -> int32), for `-w gemm:M,K,N`.
OpGraph single_gemm_graph(int64_t m, int64_t k, int64_t n);

}  // namespace coda::models
