// Tests of the integer and float I-BERT encoder-layer executors (models/encoder_layer.h): integer vs float
// fidelity (cosine similarity per tensor), determinism, the step functions against naive loops, and argument
// checks. BertBaseSeq128 is the large case (BERT-base dims at seq 128; ~1-2 s in Release).
#include "models/encoder_layer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/ibert.h"

namespace coda::models {
namespace {

struct Fidelity {
  double q, k, v, probs, context, attn_out, ln1, ffn1, gelu, ffn2, out;
};

template <typename T>
double cos_deq(const std::vector<T>& q, double scale, const std::vector<float>& ref) {
  return cosine_similarity(dequantize(std::span<const T>(q), scale), ref);
}

Fidelity measure(const EncoderLayer& L, const EncoderIntTensors& it, const EncoderFloatTensors& ft) {
  const EncoderLayerScales& s = L.scales;
  return {cos_deq(it.q, s.q, ft.q),
          cos_deq(it.k, s.k, ft.k),
          cos_deq(it.v, s.v, ft.v),
          cos_deq(it.probs, s.probs, ft.probs),
          cos_deq(it.context, s.context, ft.context),
          cos_deq(it.attn_out, s.attn_out_acc, ft.attn_out),
          cos_deq(it.ln1, s.ln1, ft.ln1),
          cos_deq(it.ffn1, s.ffn1_acc, ft.ffn1),
          cos_deq(it.gelu, s.gelu_acc, ft.gelu),
          cos_deq(it.ffn2, s.ffn2_acc, ft.ffn2),
          cos_deq(it.out, s.output, ft.out)};
}

void report(const std::string& name, const Fidelity& f) {
  std::printf("[measured] %s cosine(int, float): q %.5f k %.5f v %.5f probs %.5f context %.5f attn_out %.5f "
              "ln1 %.5f ffn1 %.5f gelu %.5f ffn2 %.5f out %.5f\n",
              name.c_str(), f.q, f.k, f.v, f.probs, f.context, f.attn_out, f.ln1, f.ffn1, f.gelu, f.ffn2, f.out);
}

// Runs both executors on a fresh input (not the calibration input) and checks every tensor's fidelity.
Fidelity run_and_check(const EncoderLayerDims& d, uint64_t seed, double min_out, double min_any) {
  const EncoderLayer L = make_encoder_layer(d, seed);
  const std::vector<float> x = random_activations(d.seq, d.hidden, seed + 1000);
  const EncoderIntTensors it = run_encoder_layer_int(L, quantize_i8(x, L.scales.input));
  const EncoderFloatTensors ft = run_encoder_layer_float(L, x);
  const Fidelity f = measure(L, it, ft);
  EXPECT_GE(f.out, min_out);
  for (double c : {f.q, f.k, f.v, f.probs, f.context, f.attn_out, f.ln1, f.ffn1, f.gelu, f.ffn2}) EXPECT_GE(c, min_any);
  return f;
}

EncoderLayerDims small_dims(bool causal = false) {
  EncoderLayerDims d;
  d.seq = 32;
  d.hidden = 64;
  d.heads = 4;
  d.head_dim = 16;
  d.ffn = 128;
  d.causal = causal;
  return d;
}

TEST(EncoderLayer, SmallLayerIntegerMatchesFloat) {
  report("small seq32 h64 4x16 ffn128", run_and_check(small_dims(), 1, 0.999, 0.995));
}

TEST(EncoderLayer, SmallCausalLayerIntegerMatchesFloat) {
  report("small causal", run_and_check(small_dims(true), 2, 0.999, 0.995));
}

TEST(EncoderLayer, AttentionWidthDifferentFromHidden) {
  EncoderLayerDims d;
  d.seq = 17;
  d.hidden = 48;
  d.heads = 3;
  d.head_dim = 24;  // attention width 72 != hidden 48
  d.ffn = 96;
  report("seq17 h48 3x24 ffn96", run_and_check(d, 3, 0.999, 0.99));
  d.causal = true;
  d.seq = 1;  // a single token: every softmax row has one element (48 output values in all)
  report("seq1 causal", run_and_check(d, 4, 0.995, 0.99));
}

// BERT-base dimensions (hidden 768, 12 heads of 64, ffn 3072) at sequence length 128: the large case.
TEST(EncoderLayer, BertBaseSeq128) {
  EncoderLayerDims d;
  d.seq = 128;
  d.hidden = 768;
  d.heads = 12;
  d.head_dim = 64;
  d.ffn = 3072;
  report("BERT-base seq128", run_and_check(d, 5, 0.999, 0.98));
}

TEST(EncoderLayer, DeterministicForASeed) {
  const EncoderLayerDims d = small_dims(true);
  const EncoderLayer a = make_encoder_layer(d, 77);
  const EncoderLayer b = make_encoder_layer(d, 77);
  EXPECT_EQ(a.wq.weight, b.wq.weight);
  EXPECT_EQ(a.ffn2.bias, b.ffn2.bias);
  EXPECT_EQ(a.scales.output, b.scales.output);
  EXPECT_EQ(a.q_requant, b.q_requant);
  EXPECT_EQ(a.ln2.gain, b.ln2.gain);
  const std::vector<int8_t> x = quantize_i8(random_activations(d.seq, d.hidden, 5), a.scales.input);
  const EncoderIntTensors ta = run_encoder_layer_int(a, x);
  const EncoderIntTensors tb = run_encoder_layer_int(b, x);
  EXPECT_EQ(ta.scores, tb.scores);
  EXPECT_EQ(ta.probs, tb.probs);
  EXPECT_EQ(ta.gelu, tb.gelu);
  EXPECT_EQ(ta.residual2, tb.residual2);
  EXPECT_EQ(ta.out, tb.out);
  // A different seed gives different weights; the generator is pinned (platform-independent bytes).
  const EncoderLayer c = make_encoder_layer(d, 78);
  EXPECT_NE(a.wq.weight, c.wq.weight);
  const std::vector<float> r = random_activations(1, 4, 1);
  const std::vector<float> r2 = random_activations(1, 4, 1);
  EXPECT_EQ(r, r2);
  EXPECT_NE(r, random_activations(1, 4, 2));
}

TEST(EncoderLayer, StepsMatchNaiveLoops) {
  const EncoderLayerDims d = small_dims(true);
  const EncoderLayer L = make_encoder_layer(d, 9);
  const std::vector<int8_t> x = quantize_i8(random_activations(d.seq, d.hidden, 10), L.scales.input);
  const EncoderIntTensors t = run_encoder_layer_int(L, x);
  const int64_t aw = d.attn_width(), n = d.seq, hd = d.head_dim;
  // q projection: x Wq + b, then requantization.
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < aw; ++j) {
      int64_t s = L.wq.bias[j];
      for (int64_t p = 0; p < d.hidden; ++p) s += int64_t{x[i * d.hidden + p]} * L.wq.weight[p * aw + j];
      ASSERT_EQ(t.q_acc[i * aw + j], s);
      ASSERT_EQ(t.q[i * aw + j], requantize_i8(static_cast<int32_t>(s), L.q_requant));
    }
  }
  // Scores per head and attention context per head.
  for (int64_t h = 0; h < d.heads; ++h) {
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        int64_t s = 0;
        for (int64_t e = 0; e < hd; ++e) s += int64_t{t.q[i * aw + h * hd + e]} * t.k[j * aw + h * hd + e];
        ASSERT_EQ(t.scores[(h * n + i) * n + j], s);
        if (j > i) {
          ASSERT_EQ(t.probs[(h * n + i) * n + j], 0);  // causal mask
        }
      }
      for (int64_t e = 0; e < hd; ++e) {
        int64_t s = 0;
        for (int64_t j = 0; j < n; ++j) s += int64_t{t.probs[(h * n + i) * n + j]} * t.v[j * aw + h * hd + e];
        ASSERT_EQ(t.context_acc[i * aw + h * hd + e], s);
      }
    }
  }
  // Softmax rows via the kernel, residual add and LayerNorm rows.
  std::vector<int8_t> row(static_cast<size_t>(n));
  ibert::softmax_row(std::span<const int32_t>(t.scores).subspan(static_cast<size_t>(5 * n), static_cast<size_t>(n)),
                     row, L.softmax, 6);
  EXPECT_TRUE(std::equal(row.begin(), row.end(), t.probs.begin() + 5 * n));
  for (size_t i = 0; i < t.residual1.size(); ++i) {
    ASSERT_EQ(t.residual1[i], int64_t{t.attn_out[i]} + requantize_i32(t.x[i], L.residual1_rescale));
    ASSERT_EQ(t.residual2[i], int64_t{t.ffn2[i]} + requantize_i32(t.ln1[i], L.residual2_rescale));
  }
  EXPECT_EQ(t.ln1, ibert::layernorm(t.residual1, n, L.ln1));
  EXPECT_EQ(t.gelu, ibert::gelu(t.ffn1, L.gelu));
  EXPECT_EQ(t.gelu_q, requantize_i8(t.gelu, L.gelu_requant));
  EXPECT_EQ(t.out, ibert::layernorm(t.residual2, n, L.ln2));
  // Every tensor has its documented size.
  EXPECT_EQ(t.scores.size(), static_cast<size_t>(d.heads * n * n));
  EXPECT_EQ(t.context.size(), static_cast<size_t>(n * aw));
  EXPECT_EQ(t.ffn1.size(), static_cast<size_t>(n * d.ffn));
  EXPECT_EQ(t.out.size(), static_cast<size_t>(n * d.hidden));
}

TEST(EncoderLayer, ScalesAndParametersAreConsistent) {
  const EncoderLayer L = make_encoder_layer(small_dims(), 11);
  const EncoderLayerScales& s = L.scales;
  for (double v : {s.input, s.q, s.k, s.v, s.context, s.ln1, s.gelu, s.output, s.attn_out_acc, s.ffn1_acc, s.ffn2_acc}) {
    EXPECT_GT(v, 0.0);
  }
  EXPECT_DOUBLE_EQ(s.probs, 1.0 / 127.0);
  EXPECT_NEAR(L.q_requant.value(), L.wq.acc_scale() / s.q, L.wq.acc_scale() / s.q * 1e-9);
  EXPECT_NEAR(L.residual1_rescale.value(), s.input / s.attn_out_acc, s.input / s.attn_out_acc * 1e-9);
  EXPECT_NEAR(L.softmax.exp.input_scale, s.scores / 4.0, 1e-18);  // 1/sqrt(16) folded in
  EXPECT_DOUBLE_EQ(L.gelu.input_scale, s.ffn1_acc);
  EXPECT_DOUBLE_EQ(L.wo.input_scale, s.context);
  EXPECT_DOUBLE_EQ(L.ffn2.input_scale, s.gelu);
  // Dequantized float weights are exactly the int8 weights times the scale.
  for (size_t i = 0; i < L.ffn1.weight.size(); i += 97) {
    EXPECT_FLOAT_EQ(L.ffn1.weight_float[i], static_cast<float>(L.ffn1.weight[i] * L.ffn1.weight_scale));
  }
  // Float executor sanity: probabilities sum to 1.
  const EncoderFloatTensors ft = run_encoder_layer_float(L, random_activations(32, 64, 3));
  for (int64_t r = 0; r < 4 * 32; ++r) {
    double sum = 0.0;
    for (int64_t j = 0; j < 32; ++j) sum += ft.probs[static_cast<size_t>(r * 32 + j)];
    ASSERT_NEAR(sum, 1.0, 1e-5);
  }
}

TEST(EncoderLayer, ArgumentChecks) {
  EncoderLayerDims d = small_dims();
  d.heads = 0;
  EXPECT_THROW(make_encoder_layer(d, 1), std::invalid_argument);
  const EncoderLayer L = make_encoder_layer(small_dims(), 1);
  EXPECT_THROW(run_encoder_layer_int(L, std::vector<int8_t>(10)), std::invalid_argument);
  EXPECT_THROW(run_encoder_layer_float(L, std::vector<float>(10)), std::invalid_argument);
  EXPECT_THROW(make_encoder_layer(small_dims(), 1, std::vector<float>(3)), std::invalid_argument);
  EXPECT_THROW(linear_i32(L.wq, std::vector<int8_t>(63), 1), std::invalid_argument);
  EXPECT_THROW(residual_add(std::vector<int32_t>(3), std::vector<int8_t>(2), Dyadic{}), std::invalid_argument);
  EXPECT_THROW(cosine_similarity(std::vector<float>(3), std::vector<float>(2)), std::invalid_argument);
  EXPECT_DOUBLE_EQ(cosine_similarity(std::vector<float>{1, 2}, std::vector<float>{2, 4}), 1.0);
  EXPECT_DOUBLE_EQ(cosine_similarity(std::vector<float>{0, 0}, std::vector<float>{0, 0}), 1.0);
}

}  // namespace
}  // namespace coda::models
