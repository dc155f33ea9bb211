#include "models/op_graph.h"

#include <fmt/format.h>

#include <initializer_list>
#include <stdexcept>
#include <utility>

namespace coda::models {

std::string_view op_kind_name(OpKind k) {
  switch (k) {
    case OpKind::MatMul: return "matmul";
    case OpKind::Softmax: return "softmax";
    case OpKind::LayerNorm: return "layernorm";
    case OpKind::Gelu: return "gelu";
    case OpKind::ResidualAdd: return "resadd";
    case OpKind::Requantize: return "requant";
    case OpKind::Quantize: return "quant";
    case OpKind::Dequantize: return "dequant";
  }
  return "unknown";
}

std::string_view category_name(Category c) {
  switch (c) {
    case Category::MatMul: return "matmul";
    case Category::Softmax: return "softmax";
    case Category::LayerNorm: return "layernorm";
    case Category::Gelu: return "gelu";
    case Category::ResAdd: return "resadd";
    case Category::Quant: return "quant";
  }
  return "unknown";
}

std::string_view block_name(Block b) {
  switch (b) {
    case Block::Embedding: return "embedding";
    case Block::MHA: return "mha";
    case Block::FFN: return "ffn";
    case Block::Head: return "head";
  }
  return "unknown";
}

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::Int8: return "int8";
    case DType::Int32: return "int32";
    case DType::Float32: return "float32";
  }
  return "unknown";
}

int dtype_bytes(DType t) {
  switch (t) {
    case DType::Int8: return 1;
    case DType::Int32: return 4;
    case DType::Float32: return 4;
  }
  return 0;
}

Category category_of(OpKind k) {
  switch (k) {
    case OpKind::MatMul: return Category::MatMul;
    case OpKind::Softmax: return Category::Softmax;
    case OpKind::LayerNorm: return Category::LayerNorm;
    case OpKind::Gelu: return Category::Gelu;
    case OpKind::ResidualAdd: return Category::ResAdd;
    case OpKind::Requantize:
    case OpKind::Quantize:
    case OpKind::Dequantize: return Category::Quant;
  }
  return Category::Quant;
}

int64_t Op::macs() const { return kind == OpKind::MatMul ? mm.batch * mm.m * mm.k * mm.n : 0; }

int64_t Op::bytes_in() const {
  const int64_t in = dtype_bytes(in_type);
  switch (kind) {
    case OpKind::MatMul: {
      const int64_t a = mm.batch * mm.m * mm.k * in;
      const int64_t b = mm.batch * mm.k * mm.n * in;
      const int64_t bias = mm.has_bias ? mm.batch * mm.n * dtype_bytes(DType::Int32) : 0;
      return a + b + bias;
    }
    case OpKind::LayerNorm:
      // The int32 row plus the per-column affine parameters (gamma multiplier and beta bias, int32 each).
      return elements() * in + 2 * cols * dtype_bytes(DType::Int32);
    case OpKind::ResidualAdd:
      // The int32 branch output plus the int8 skip operand (rescaled on the fly).
      return elements() * in + elements() * dtype_bytes(DType::Int8);
    case OpKind::Softmax:
    case OpKind::Gelu:
    case OpKind::Requantize:
    case OpKind::Quantize:
    case OpKind::Dequantize: return elements() * in;
  }
  return 0;
}

int64_t Op::bytes_out() const { return elements() * dtype_bytes(out_type); }

int64_t OpGraph::total_macs() const {
  int64_t total = 0;
  for (const Op& op : ops) total += op.macs();
  return total;
}

std::vector<uint32_t> OpGraph::layer_ops(int32_t layer) const {
  std::vector<uint32_t> out;
  for (const Op& op : ops)
    if (op.layer == layer) out.push_back(op.id);
  return out;
}

std::optional<uint32_t> OpGraph::find(std::string_view name) const {
  for (const Op& op : ops)
    if (op.name == name) return op.id;
  return std::nullopt;
}

namespace {

// Appends ops in topological order and links consumers to producers.
class GraphBuilder {
 public:
  explicit GraphBuilder(OpGraph& g) : g_(g) {}

  uint32_t add(Op op) {
    op.id = static_cast<uint32_t>(g_.ops.size());
    for (uint32_t in : op.inputs) g_.ops[in].consumers.push_back(op.id);
    g_.ops.push_back(std::move(op));
    return g_.ops.back().id;
  }

  // C[batch][m][n] = A[batch][m][k] * B[batch][k][n] (+ bias): int8 x int8 -> int32.
  uint32_t matmul(std::string name, Block block, int32_t layer, MatMulShape mm, std::vector<uint32_t> inputs) {
    Op op;
    op.name = std::move(name);
    op.kind = OpKind::MatMul;
    op.block = block;
    op.layer = layer;
    op.mm = mm;
    op.rows = mm.batch * mm.m;
    op.cols = mm.n;
    op.in_type = DType::Int8;
    op.out_type = DType::Int32;
    op.inputs = std::move(inputs);
    return add(std::move(op));
  }

  // A non-MatMul op over a rows x cols tensor.
  uint32_t eltwise(std::string name, OpKind kind, Block block, int32_t layer, int64_t rows, int64_t cols, DType in,
                   DType out, std::vector<uint32_t> inputs) {
    Op op;
    op.name = std::move(name);
    op.kind = kind;
    op.block = block;
    op.layer = layer;
    op.rows = rows;
    op.cols = cols;
    op.in_type = in;
    op.out_type = out;
    op.inputs = std::move(inputs);
    return add(std::move(op));
  }

 private:
  OpGraph& g_;
};

MatMulShape weight_gemm(int64_t m, int64_t k, int64_t n, bool bias) {
  MatMulShape s;
  s.m = m;
  s.k = k;
  s.n = n;
  s.has_bias = bias;
  return s;
}

// Inputs of an op whose producer may be a graph input (no id).
std::vector<uint32_t> from(std::optional<uint32_t> producer) {
  return producer ? std::vector<uint32_t>{*producer} : std::vector<uint32_t>{};
}

}  // namespace

OpGraph build_op_graph(const TransformerSpec& spec) {
  spec.validate();
  OpGraph g;
  g.spec = spec;
  g.ops.reserve(static_cast<size_t>(spec.layers * kOpsPerLayer + (spec.vocab > 0 ? 2 : 0)));
  GraphBuilder b(g);

  const int64_t tokens = spec.batch * spec.seq_len;  // rows of every token-major activation
  const int64_t s = spec.seq_len;
  const int64_t h = spec.hidden;

  std::optional<uint32_t> x;  // int8 input of the next layer; none: the graph input
  if (spec.vocab > 0)
    x = b.eltwise("embed", OpKind::Quantize, Block::Embedding, -1, tokens, h, DType::Float32, DType::Int8, {});

  for (int64_t li = 0; li < spec.layers; ++li) {
    const LayerDims d = spec.layer(li);
    const int32_t l = static_cast<int32_t>(li);
    const int64_t width = d.attn_width();
    const int64_t bh = spec.batch * d.heads;
    auto nm = [l](std::string_view op) { return fmt::format("L{}.{}", l, op); };
    auto requant = [&](std::string_view name, Block blk, int64_t rows, int64_t cols, uint32_t in) {
      return b.eltwise(nm(name), OpKind::Requantize, blk, l, rows, cols, DType::Int32, DType::Int8, {in});
    };

    // Multi-head attention.
    const uint32_t q = b.matmul(nm("q_proj"), Block::MHA, l, weight_gemm(tokens, h, width, true), from(x));
    const uint32_t q8 = requant("q_requant", Block::MHA, tokens, width, q);
    const uint32_t k = b.matmul(nm("k_proj"), Block::MHA, l, weight_gemm(tokens, h, width, true), from(x));
    const uint32_t k8 = requant("k_requant", Block::MHA, tokens, width, k);
    const uint32_t v = b.matmul(nm("v_proj"), Block::MHA, l, weight_gemm(tokens, h, width, true), from(x));
    const uint32_t v8 = requant("v_requant", Block::MHA, tokens, width, v);

    MatMulShape qk_shape = weight_gemm(s, d.head_dim, s, false);
    qk_shape.batch = bh;
    qk_shape.transpose_b = true;  // K sits in memory as [seq][head_dim]
    const uint32_t qk = b.matmul(nm("qk"), Block::MHA, l, qk_shape, {q8, k8});
    const uint32_t sm =
        b.eltwise(nm("softmax"), OpKind::Softmax, Block::MHA, l, bh * s, s, DType::Int32, DType::Int8, {qk});
    MatMulShape av_shape = weight_gemm(s, s, d.head_dim, false);
    av_shape.batch = bh;
    const uint32_t av = b.matmul(nm("attn_v"), Block::MHA, l, av_shape, {sm, v8});
    // Heads concatenated back into token-major [batch*seq][heads*head_dim] for the output projection.
    const uint32_t av8 = requant("attn_requant", Block::MHA, tokens, width, av);
    const uint32_t out = b.matmul(nm("out_proj"), Block::MHA, l, weight_gemm(tokens, width, h, true), {av8});
    std::vector<uint32_t> res1_in{out};
    if (x) res1_in.push_back(*x);
    const uint32_t res1 = b.eltwise(nm("attn_resadd"), OpKind::ResidualAdd, Block::MHA, l, tokens, h, DType::Int32,
                                    DType::Int32, std::move(res1_in));
    const uint32_t ln1 =
        b.eltwise(nm("ln1"), OpKind::LayerNorm, Block::MHA, l, tokens, h, DType::Int32, DType::Int8, {res1});

    // Feed-forward network.
    const uint32_t f1 = b.matmul(nm("ffn1"), Block::FFN, l, weight_gemm(tokens, h, d.ffn, true), {ln1});
    const uint32_t gelu =
        b.eltwise(nm("gelu"), OpKind::Gelu, Block::FFN, l, tokens, d.ffn, DType::Int32, DType::Int32, {f1});
    const uint32_t gelu8 = requant("gelu_requant", Block::FFN, tokens, d.ffn, gelu);
    const uint32_t f2 = b.matmul(nm("ffn2"), Block::FFN, l, weight_gemm(tokens, d.ffn, h, true), {gelu8});
    const uint32_t res2 = b.eltwise(nm("ffn_resadd"), OpKind::ResidualAdd, Block::FFN, l, tokens, h, DType::Int32,
                                    DType::Int32, {f2, ln1});
    x = b.eltwise(nm("ln2"), OpKind::LayerNorm, Block::FFN, l, tokens, h, DType::Int32, DType::Int8, {res2});
  }

  if (spec.vocab > 0) b.matmul("lm_head", Block::Head, -1, weight_gemm(tokens, h, spec.vocab, false), from(x));
  return g;
}

OpGraph single_gemm_graph(int64_t m, int64_t k, int64_t n) {
  if (m < 1 || k < 1 || n < 1)
    throw std::invalid_argument(fmt::format("gemm dimensions must be >= 1, got M={} K={} N={}", m, k, n));
  auto fits = [](std::initializer_list<int64_t> factors) {
    int64_t p = 1;
    for (int64_t f : factors)
      if (__builtin_mul_overflow(p, f, &p)) return false;
    return true;
  };
  if (!fits({m, k, n}) || !fits({8, m, k}) || !fits({8, k, n}) || !fits({8, m, n}))
    throw std::invalid_argument(fmt::format("gemm {}x{}x{} overflows 64-bit counters", m, k, n));
  OpGraph g;
  g.spec.name = fmt::format("gemm:{},{},{}", m, k, n);
  GraphBuilder(g).matmul("gemm", Block::MHA, -1, weight_gemm(m, k, n, false), {});
  return g;
}

}  // namespace coda::models
