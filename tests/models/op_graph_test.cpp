// Tests of the transformer description (models/workload.h) and the I-BERT op graph (models/op_graph.h):
// op order, shapes, dtypes, blocks, producer/consumer links, MAC and byte counts against closed forms.
#include "models/op_graph.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/workload.h"

namespace coda::models {
namespace {

const std::vector<std::string> kLayerOpNames = {
    "q_proj",  "q_requant",    "k_proj",       "k_requant",  "v_proj",      "v_requant", "qk",
    "softmax", "attn_v",       "attn_requant", "out_proj",   "attn_resadd", "ln1",       "ffn1",
    "gelu",    "gelu_requant", "ffn2",         "ffn_resadd", "ln2"};

// Closed-form MACs of one encoder layer: Q/K/V/out projections, QK^T and attention x V, the two FFN GEMMs.
int64_t layer_macs(int64_t batch, int64_t s, int64_t h, int64_t heads, int64_t head_dim, int64_t f) {
  const int64_t a = heads * head_dim;  // attention width
  return batch * (4 * s * h * a + 2 * s * s * a + 2 * s * h * f);
}

const Op& op_named(const OpGraph& g, const std::string& name) {
  const auto id = g.find(name);
  if (!id) throw std::runtime_error("no op " + name);
  return g.ops.at(*id);
}

std::vector<uint32_t> ids(const OpGraph& g, const std::vector<std::string>& names) {
  std::vector<uint32_t> out;
  for (const auto& n : names) out.push_back(op_named(g, n).id);
  return out;
}

// Structural invariants every graph must satisfy.
void expect_well_formed(const OpGraph& g) {
  std::map<uint32_t, std::vector<uint32_t>> consumers_from_inputs;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    ASSERT_EQ(op.id, i) << op.name;
    for (uint32_t in : op.inputs) {
      ASSERT_LT(in, op.id) << op.name << " reads a later op";
      consumers_from_inputs[in].push_back(op.id);
    }
    EXPECT_EQ(op.kind == OpKind::MatMul, op.macs() > 0) << op.name;
    EXPECT_GT(op.elements(), 0) << op.name;
    if (op.kind == OpKind::MatMul) {
      EXPECT_EQ(op.rows, op.mm.batch * op.mm.m) << op.name;
      EXPECT_EQ(op.cols, op.mm.n) << op.name;
      EXPECT_EQ(op.in_type, DType::Int8) << op.name;
      EXPECT_EQ(op.out_type, DType::Int32) << op.name;
    }
  }
  for (const Op& op : g.ops) {
    std::vector<uint32_t> expected = consumers_from_inputs[op.id];
    std::vector<uint32_t> actual = op.consumers;
    std::sort(expected.begin(), expected.end());
    std::sort(actual.begin(), actual.end());
    EXPECT_EQ(actual, expected) << op.name << ": consumers do not mirror inputs";
  }
}

std::map<Category, int> category_counts(const OpGraph& g) {
  std::map<Category, int> c;
  for (const Op& op : g.ops) ++c[op.category()];
  return c;
}

// ---------------------------------------------------------------------------------------------------------

TEST(OpGraphNames, KindsCategoriesBlocksDtypes) {
  EXPECT_EQ(op_kind_name(OpKind::MatMul), "matmul");
  EXPECT_EQ(op_kind_name(OpKind::Softmax), "softmax");
  EXPECT_EQ(op_kind_name(OpKind::LayerNorm), "layernorm");
  EXPECT_EQ(op_kind_name(OpKind::Gelu), "gelu");
  EXPECT_EQ(op_kind_name(OpKind::ResidualAdd), "resadd");
  EXPECT_EQ(op_kind_name(OpKind::Requantize), "requant");
  EXPECT_EQ(op_kind_name(OpKind::Quantize), "quant");
  EXPECT_EQ(op_kind_name(OpKind::Dequantize), "dequant");

  EXPECT_EQ(category_name(Category::MatMul), "matmul");
  EXPECT_EQ(category_name(Category::Softmax), "softmax");
  EXPECT_EQ(category_name(Category::LayerNorm), "layernorm");
  EXPECT_EQ(category_name(Category::Gelu), "gelu");
  EXPECT_EQ(category_name(Category::ResAdd), "resadd");
  EXPECT_EQ(category_name(Category::Quant), "quant");

  EXPECT_EQ(block_name(Block::Embedding), "embedding");
  EXPECT_EQ(block_name(Block::MHA), "mha");
  EXPECT_EQ(block_name(Block::FFN), "ffn");
  EXPECT_EQ(block_name(Block::Head), "head");

  EXPECT_EQ(dtype_name(DType::Int8), "int8");
  EXPECT_EQ(dtype_name(DType::Int32), "int32");
  EXPECT_EQ(dtype_name(DType::Float32), "float32");
  EXPECT_EQ(dtype_bytes(DType::Int8), 1);
  EXPECT_EQ(dtype_bytes(DType::Int32), 4);
  EXPECT_EQ(dtype_bytes(DType::Float32), 4);
}

TEST(OpGraphNames, CategoryMapping) {
  EXPECT_EQ(category_of(OpKind::MatMul), Category::MatMul);
  EXPECT_EQ(category_of(OpKind::Softmax), Category::Softmax);
  EXPECT_EQ(category_of(OpKind::LayerNorm), Category::LayerNorm);
  EXPECT_EQ(category_of(OpKind::Gelu), Category::Gelu);
  EXPECT_EQ(category_of(OpKind::ResidualAdd), Category::ResAdd);
  EXPECT_EQ(category_of(OpKind::Requantize), Category::Quant);
  EXPECT_EQ(category_of(OpKind::Quantize), Category::Quant);
  EXPECT_EQ(category_of(OpKind::Dequantize), Category::Quant);
  Op op;
  op.kind = OpKind::Gelu;
  EXPECT_EQ(op.category(), Category::Gelu);
}

TEST(OpGraph, BertBaseCountsAndMacs) {
  const TransformerSpec spec = uniform_spec("bert-base", 12, 512, 768, 12, 3072);
  EXPECT_EQ(spec.head_dim, 64);
  const OpGraph g = build_op_graph(spec);
  EXPECT_EQ(g.ops.size(), 12u * kOpsPerLayer);
  EXPECT_EQ(kOpsPerLayer, 19);
  // 12 x (4 s h^2 + 2 s^2 h + 2 s h f) = 48,318,382,080 MACs.
  EXPECT_EQ(g.total_macs(), 12 * layer_macs(1, 512, 768, 12, 64, 3072));
  EXPECT_EQ(g.total_macs(), 48318382080);

  const auto c = category_counts(g);
  EXPECT_EQ(c.at(Category::MatMul), 12 * 8);
  EXPECT_EQ(c.at(Category::Softmax), 12);
  EXPECT_EQ(c.at(Category::LayerNorm), 12 * 2);
  EXPECT_EQ(c.at(Category::Gelu), 12);
  EXPECT_EQ(c.at(Category::ResAdd), 12 * 2);
  EXPECT_EQ(c.at(Category::Quant), 12 * 5);
  expect_well_formed(g);
}

TEST(OpGraph, BertLargeCountsAndMacs) {
  const OpGraph g = build_op_graph(uniform_spec("bert-large", 24, 512, 1024, 16, 4096));
  EXPECT_EQ(g.spec.head_dim, 64);
  EXPECT_EQ(g.ops.size(), 24u * kOpsPerLayer);
  EXPECT_EQ(g.total_macs(), 24 * layer_macs(1, 512, 1024, 16, 64, 4096));
  EXPECT_EQ(g.total_macs(), 167503724544);
  expect_well_formed(g);
}

TEST(OpGraph, HeterogeneousLayersAndBatch) {
  // Per-layer heads at a fixed head size: the attention width heads*head_dim differs from hidden.
  TransformerSpec spec;
  spec.name = "hetero";
  spec.layers = 3;
  spec.seq_len = 64;
  spec.batch = 2;
  spec.hidden = 256;
  spec.head_dim = 32;
  spec.heads = {4, 2, 8};
  spec.ffn = {512, 1024, 256};
  const OpGraph g = build_op_graph(spec);
  ASSERT_EQ(g.ops.size(), 3u * kOpsPerLayer);
  int64_t expected = 0;
  for (int i = 0; i < 3; ++i) {
    const int64_t lm = layer_macs(2, 64, 256, spec.heads[i], 32, spec.ffn[i]);
    expected += lm;
    int64_t got = 0;
    for (uint32_t id : g.layer_ops(i)) got += g.ops[id].macs();
    EXPECT_EQ(got, lm) << "layer " << i;
  }
  EXPECT_EQ(g.total_macs(), expected);
  EXPECT_EQ(g.total_macs(), 183500800);
  EXPECT_EQ(op_named(g, "L1.q_proj").mm.n, 2 * 32);
  EXPECT_EQ(op_named(g, "L2.qk").mm.batch, 2 * 8);
  EXPECT_EQ(op_named(g, "L1.ffn1").mm.n, 1024);
  EXPECT_EQ(op_named(g, "L2.ffn2").mm.k, 256);
  expect_well_formed(g);
}

TEST(OpGraph, LayerOpOrderNamesAndBlocks) {
  const OpGraph g = build_op_graph(uniform_spec("tiny", 2, 32, 64, 4, 128));
  for (int32_t l = 0; l < 2; ++l) {
    const auto layer = g.layer_ops(l);
    ASSERT_EQ(layer.size(), static_cast<size_t>(kOpsPerLayer));
    for (size_t j = 0; j < layer.size(); ++j) {
      const Op& op = g.ops[layer[j]];
      EXPECT_EQ(op.id, l * kOpsPerLayer + j);
      EXPECT_EQ(op.name, fmt::format("L{}.{}", l, kLayerOpNames[j]));
      EXPECT_EQ(op.layer, l);
      // MHA up to and including ln1 (index 12), FFN after.
      EXPECT_EQ(op.block, j <= 12 ? Block::MHA : Block::FFN) << op.name;
    }
  }
  EXPECT_TRUE(g.layer_ops(-1).empty());
  EXPECT_TRUE(g.layer_ops(2).empty());
  EXPECT_FALSE(g.find("L2.q_proj").has_value());
  EXPECT_EQ(g.find("L1.ln2"), std::optional<uint32_t>(2 * kOpsPerLayer - 1));
}

TEST(OpGraph, KindsShapesAndDtypes) {
  // batch 2, seq 64, hidden 256, 4 heads of 32 (attention width 128 != hidden), ffn 512.
  TransformerSpec spec = uniform_spec("shapes", 2, 64, 256, 4, 512, /*head_dim=*/32, /*batch=*/2);
  const OpGraph g = build_op_graph(spec);
  const int64_t t = 2 * 64;  // tokens
  const int64_t bh = 2 * 4;  // batch x heads

  auto expect_mm = [&](const std::string& name, int64_t batch, int64_t m, int64_t k, int64_t n, bool bias, bool tb) {
    const Op& op = op_named(g, name);
    EXPECT_EQ(op.kind, OpKind::MatMul) << name;
    EXPECT_EQ(op.mm.batch, batch) << name;
    EXPECT_EQ(op.mm.m, m) << name;
    EXPECT_EQ(op.mm.k, k) << name;
    EXPECT_EQ(op.mm.n, n) << name;
    EXPECT_EQ(op.mm.has_bias, bias) << name;
    EXPECT_EQ(op.mm.transpose_b, tb) << name;
    EXPECT_FALSE(op.mm.transpose_a) << name;
    EXPECT_EQ(op.macs(), batch * m * k * n) << name;
  };
  expect_mm("L0.q_proj", 1, t, 256, 128, true, false);
  expect_mm("L0.k_proj", 1, t, 256, 128, true, false);
  expect_mm("L0.v_proj", 1, t, 256, 128, true, false);
  expect_mm("L0.qk", bh, 64, 32, 64, false, true);
  expect_mm("L0.attn_v", bh, 64, 64, 32, false, false);
  expect_mm("L0.out_proj", 1, t, 128, 256, true, false);
  expect_mm("L0.ffn1", 1, t, 256, 512, true, false);
  expect_mm("L0.ffn2", 1, t, 512, 256, true, false);

  auto expect_elt = [&](const std::string& name, OpKind kind, int64_t rows, int64_t cols, DType in, DType out) {
    const Op& op = op_named(g, name);
    EXPECT_EQ(op.kind, kind) << name;
    EXPECT_EQ(op.rows, rows) << name;
    EXPECT_EQ(op.cols, cols) << name;
    EXPECT_EQ(op.in_type, in) << name;
    EXPECT_EQ(op.out_type, out) << name;
    EXPECT_EQ(op.macs(), 0) << name;
  };
  using enum DType;
  expect_elt("L0.q_requant", OpKind::Requantize, t, 128, Int32, Int8);
  expect_elt("L0.k_requant", OpKind::Requantize, t, 128, Int32, Int8);
  expect_elt("L0.v_requant", OpKind::Requantize, t, 128, Int32, Int8);
  expect_elt("L0.softmax", OpKind::Softmax, bh * 64, 64, Int32, Int8);
  expect_elt("L0.attn_requant", OpKind::Requantize, t, 128, Int32, Int8);
  expect_elt("L0.attn_resadd", OpKind::ResidualAdd, t, 256, Int32, Int32);
  expect_elt("L0.ln1", OpKind::LayerNorm, t, 256, Int32, Int8);
  expect_elt("L0.gelu", OpKind::Gelu, t, 512, Int32, Int32);
  expect_elt("L0.gelu_requant", OpKind::Requantize, t, 512, Int32, Int8);
  expect_elt("L0.ffn_resadd", OpKind::ResidualAdd, t, 256, Int32, Int32);
  expect_elt("L0.ln2", OpKind::LayerNorm, t, 256, Int32, Int8);
}

TEST(OpGraph, ProducerConsumerLinks) {
  const OpGraph g = build_op_graph(uniform_spec("tiny", 2, 32, 64, 4, 128));
  expect_well_formed(g);
  auto inputs = [&](const std::string& name) { return op_named(g, name).inputs; };
  // Layer 0 reads the graph input: its projections have no producer and the first residual only one.
  EXPECT_TRUE(inputs("L0.q_proj").empty());
  EXPECT_TRUE(inputs("L0.k_proj").empty());
  EXPECT_TRUE(inputs("L0.v_proj").empty());
  EXPECT_EQ(inputs("L0.attn_resadd"), ids(g, {"L0.out_proj"}));
  EXPECT_EQ(inputs("L0.q_requant"), ids(g, {"L0.q_proj"}));
  EXPECT_EQ(inputs("L0.qk"), ids(g, {"L0.q_requant", "L0.k_requant"}));
  EXPECT_EQ(inputs("L0.softmax"), ids(g, {"L0.qk"}));
  EXPECT_EQ(inputs("L0.attn_v"), ids(g, {"L0.softmax", "L0.v_requant"}));
  EXPECT_EQ(inputs("L0.attn_requant"), ids(g, {"L0.attn_v"}));
  EXPECT_EQ(inputs("L0.out_proj"), ids(g, {"L0.attn_requant"}));
  EXPECT_EQ(inputs("L0.ln1"), ids(g, {"L0.attn_resadd"}));
  EXPECT_EQ(inputs("L0.ffn1"), ids(g, {"L0.ln1"}));
  EXPECT_EQ(inputs("L0.gelu"), ids(g, {"L0.ffn1"}));
  EXPECT_EQ(inputs("L0.gelu_requant"), ids(g, {"L0.gelu"}));
  EXPECT_EQ(inputs("L0.ffn2"), ids(g, {"L0.gelu_requant"}));
  EXPECT_EQ(inputs("L0.ffn_resadd"), ids(g, {"L0.ffn2", "L0.ln1"}));
  EXPECT_EQ(inputs("L0.ln2"), ids(g, {"L0.ffn_resadd"}));
  // Layer 1 reads layer 0's output.
  EXPECT_EQ(inputs("L1.q_proj"), ids(g, {"L0.ln2"}));
  EXPECT_EQ(inputs("L1.k_proj"), ids(g, {"L0.ln2"}));
  EXPECT_EQ(inputs("L1.v_proj"), ids(g, {"L0.ln2"}));
  EXPECT_EQ(inputs("L1.attn_resadd"), ids(g, {"L1.out_proj", "L0.ln2"}));
  // Consumers: L0.ln2 feeds the three projections and the residual of layer 1; ln1 feeds ffn1 and the residual.
  EXPECT_EQ(op_named(g, "L0.ln2").consumers, ids(g, {"L1.q_proj", "L1.k_proj", "L1.v_proj", "L1.attn_resadd"}));
  EXPECT_EQ(op_named(g, "L0.ln1").consumers, ids(g, {"L0.ffn1", "L0.ffn_resadd"}));
  EXPECT_TRUE(op_named(g, "L1.ln2").consumers.empty());
}

TEST(OpGraph, ByteCounts) {
  const OpGraph g = build_op_graph(uniform_spec("bytes", 1, 64, 256, 4, 512, /*head_dim=*/32, /*batch=*/2));
  const int64_t t = 128, h = 256, a = 128, f = 512, bh = 8, s = 64, d = 32;
  const Op& q = op_named(g, "L0.q_proj");
  EXPECT_EQ(q.bytes_in(), t * h + h * a + a * 4);  // A + B + int32 bias
  EXPECT_EQ(q.bytes_out(), t * a * 4);
  const Op& qk = op_named(g, "L0.qk");
  EXPECT_EQ(qk.bytes_in(), bh * s * d + bh * d * s);  // no bias
  EXPECT_EQ(qk.bytes_out(), bh * s * s * 4);
  const Op& av = op_named(g, "L0.attn_v");
  EXPECT_EQ(av.bytes_in(), bh * s * s + bh * s * d);
  EXPECT_EQ(av.bytes_out(), bh * s * d * 4);
  const Op& sm = op_named(g, "L0.softmax");
  EXPECT_EQ(sm.bytes_in(), bh * s * s * 4);
  EXPECT_EQ(sm.bytes_out(), bh * s * s);
  const Op& rq = op_named(g, "L0.attn_requant");
  EXPECT_EQ(rq.bytes_in(), t * a * 4);
  EXPECT_EQ(rq.bytes_out(), t * a);
  const Op& ra = op_named(g, "L0.attn_resadd");
  EXPECT_EQ(ra.bytes_in(), t * h * 4 + t * h);  // int32 branch + int8 skip
  EXPECT_EQ(ra.bytes_out(), t * h * 4);
  const Op& ln = op_named(g, "L0.ln1");
  EXPECT_EQ(ln.bytes_in(), t * h * 4 + 2 * h * 4);  // row + per-column gamma and beta
  EXPECT_EQ(ln.bytes_out(), t * h);
  const Op& gelu = op_named(g, "L0.gelu");
  EXPECT_EQ(gelu.bytes_in(), t * f * 4);
  EXPECT_EQ(gelu.bytes_out(), t * f * 4);
  const Op& f2 = op_named(g, "L0.ffn2");
  EXPECT_EQ(f2.bytes_in(), t * f + f * h + h * 4);
  EXPECT_EQ(f2.bytes_out(), t * h * 4);
}

TEST(OpGraph, EmbeddingAndLmHead) {
  const TransformerSpec spec = uniform_spec("lm", 2, 32, 64, 4, 128, 0, /*batch=*/1, /*causal=*/true,
                                            /*vocab=*/1000);
  const OpGraph g = build_op_graph(spec);
  ASSERT_EQ(g.ops.size(), 2u * kOpsPerLayer + 2);
  expect_well_formed(g);

  const Op& embed = g.ops.front();
  EXPECT_EQ(embed.name, "embed");
  EXPECT_EQ(embed.kind, OpKind::Quantize);
  EXPECT_EQ(embed.category(), Category::Quant);
  EXPECT_EQ(embed.block, Block::Embedding);
  EXPECT_EQ(embed.layer, -1);
  EXPECT_EQ(embed.rows, 32);
  EXPECT_EQ(embed.cols, 64);
  EXPECT_EQ(embed.in_type, DType::Float32);
  EXPECT_EQ(embed.out_type, DType::Int8);
  EXPECT_EQ(embed.bytes_in(), 32 * 64 * 4);
  EXPECT_EQ(embed.bytes_out(), 32 * 64);
  EXPECT_TRUE(embed.inputs.empty());

  const Op& head = g.ops.back();
  EXPECT_EQ(head.name, "lm_head");
  EXPECT_EQ(head.kind, OpKind::MatMul);
  EXPECT_EQ(head.block, Block::Head);
  EXPECT_EQ(head.layer, -1);
  EXPECT_EQ(head.mm.m, 32);
  EXPECT_EQ(head.mm.k, 64);
  EXPECT_EQ(head.mm.n, 1000);
  EXPECT_FALSE(head.mm.has_bias);
  EXPECT_EQ(head.out_type, DType::Int32);
  EXPECT_EQ(head.bytes_in(), 32 * 64 + 64 * 1000);
  EXPECT_EQ(head.inputs, ids(g, {"L1.ln2"}));

  EXPECT_EQ(g.layer_ops(-1), (std::vector<uint32_t>{embed.id, head.id}));
  EXPECT_EQ(op_named(g, "L0.q_proj").inputs, ids(g, {"embed"}));
  EXPECT_EQ(op_named(g, "L0.attn_resadd").inputs, ids(g, {"L0.out_proj", "embed"}));
  EXPECT_EQ(g.total_macs(), 2 * layer_macs(1, 32, 64, 4, 16, 128) + 32 * 64 * 1000);
}

TEST(OpGraph, CausalMaskDoesNotChangeTheGraph) {
  const OpGraph a = build_op_graph(uniform_spec("a", 2, 32, 64, 4, 128));
  const OpGraph b = build_op_graph(uniform_spec("b", 2, 32, 64, 4, 128, 0, 1, /*causal=*/true));
  EXPECT_TRUE(b.spec.causal);
  EXPECT_EQ(a.ops.size(), b.ops.size());
  EXPECT_EQ(a.total_macs(), b.total_macs());
}

TEST(OpGraph, SingleGemm) {
  const OpGraph g = single_gemm_graph(100, 200, 300);
  ASSERT_EQ(g.ops.size(), 1u);
  const Op& op = g.ops[0];
  EXPECT_EQ(op.id, 0u);
  EXPECT_EQ(op.name, "gemm");
  EXPECT_EQ(op.kind, OpKind::MatMul);
  EXPECT_EQ(op.layer, -1);
  EXPECT_EQ(op.block, Block::MHA);
  EXPECT_EQ(op.mm.m, 100);
  EXPECT_EQ(op.mm.k, 200);
  EXPECT_EQ(op.mm.n, 300);
  EXPECT_EQ(op.mm.batch, 1);
  EXPECT_FALSE(op.mm.has_bias);
  EXPECT_EQ(op.in_type, DType::Int8);
  EXPECT_EQ(op.out_type, DType::Int32);
  EXPECT_EQ(op.rows, 100);
  EXPECT_EQ(op.cols, 300);
  EXPECT_EQ(op.macs(), 100 * 200 * 300);
  EXPECT_EQ(g.total_macs(), 100 * 200 * 300);
  EXPECT_EQ(op.bytes_in(), 100 * 200 + 200 * 300);
  EXPECT_EQ(op.bytes_out(), 100 * 300 * 4);
  EXPECT_TRUE(op.inputs.empty());
  EXPECT_TRUE(op.consumers.empty());
  EXPECT_EQ(g.spec.name, "gemm:100,200,300");
  EXPECT_EQ(g.layer_ops(-1), std::vector<uint32_t>{0});

  EXPECT_THROW(single_gemm_graph(0, 1, 1), std::invalid_argument);
  EXPECT_THROW(single_gemm_graph(1, -1, 1), std::invalid_argument);
  EXPECT_THROW(single_gemm_graph(1 << 30, 1 << 30, 1 << 30), std::invalid_argument);
}

TEST(TransformerSpec, UniformSpecDefaults) {
  const TransformerSpec s = uniform_spec("x", 3, 128, 768, 12, 3072);
  EXPECT_EQ(s.name, "x");
  EXPECT_EQ(s.layers, 3);
  EXPECT_EQ(s.seq_len, 128);
  EXPECT_EQ(s.batch, 1);
  EXPECT_EQ(s.hidden, 768);
  EXPECT_EQ(s.head_dim, 64);
  EXPECT_EQ(s.heads, (std::vector<int64_t>{12, 12, 12}));
  EXPECT_EQ(s.ffn, (std::vector<int64_t>{3072, 3072, 3072}));
  EXPECT_FALSE(s.causal);
  EXPECT_EQ(s.vocab, 0);
  const LayerDims d = s.layer(2);
  EXPECT_EQ(d.hidden, 768);
  EXPECT_EQ(d.heads, 12);
  EXPECT_EQ(d.head_dim, 64);
  EXPECT_EQ(d.ffn, 3072);
  EXPECT_EQ(d.attn_width(), 768);
  EXPECT_THROW(s.layer(3), std::out_of_range);

  EXPECT_EQ(uniform_spec("y", 1, 16, 768, 8, 3072, /*head_dim=*/64).layer(0).attn_width(), 512);
}

TEST(TransformerSpec, ValidateRejectsInconsistentSpecs) {
  EXPECT_THROW(uniform_spec("x", 2, 32, 768, 10, 3072), std::invalid_argument);  // 768 % 10 != 0
  EXPECT_THROW(uniform_spec("x", 0, 32, 64, 4, 128), std::invalid_argument);
  EXPECT_THROW(uniform_spec("x", 2, 0, 64, 4, 128), std::invalid_argument);
  EXPECT_THROW(uniform_spec("x", 2, 32, 64, 0, 128), std::invalid_argument);
  EXPECT_THROW(uniform_spec("x", 2, 32, 64, 4, 0), std::invalid_argument);
  EXPECT_THROW(uniform_spec("x", 2, 32, 64, 4, 128, -1), std::invalid_argument);
  EXPECT_THROW(uniform_spec("x", 2, 32, 64, 4, 128, 0, 0), std::invalid_argument);
  EXPECT_THROW(uniform_spec("x", 2, 32, 64, 4, 128, 0, 1, false, -1), std::invalid_argument);
  EXPECT_THROW(uniform_spec("x", TransformerSpec::kMaxLayers + 1, 32, 64, 4, 128), std::invalid_argument);
  // Counters would overflow int64_t.
  EXPECT_THROW(uniform_spec("x", 2, int64_t{1} << 32, 64, 4, 128), std::invalid_argument);
  EXPECT_THROW(uniform_spec("x", 2, 32, 64, 4, 128, 0, 1, false, std::numeric_limits<int64_t>::max() / 2),
               std::invalid_argument);

  TransformerSpec s = uniform_spec("x", 2, 32, 64, 4, 128);
  EXPECT_NO_THROW(s.validate());
  s.heads.pop_back();  // not one entry per layer
  EXPECT_THROW(s.validate(), std::invalid_argument);
  EXPECT_THROW(build_op_graph(s), std::invalid_argument);
  s = uniform_spec("x", 2, 32, 64, 4, 128);
  s.ffn[1] = 0;
  EXPECT_THROW(s.validate(), std::invalid_argument);
  s = uniform_spec("x", 2, 32, 64, 4, 128);
  s.heads[0] = -3;
  EXPECT_THROW(s.validate(), std::invalid_argument);
}

}  // namespace
}  // namespace coda::models
