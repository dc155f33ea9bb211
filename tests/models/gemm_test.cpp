// Tests of the int8 reference GEMM (models/gemm.h) against a naive triple loop (int64 sums, wrapped to int32):
// awkward shapes, all transpose combinations, padded leading dimensions, bias, accumulate, -128 operands,
// int32 wrap-around, argument checks; and of the float GEMM's rounding contract (bit-identical to the scalar
// p-ordered loop on every code path).
#include "models/gemm.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <tuple>
#include <vector>

namespace coda::models {
namespace {

struct Operands {
  int64_t m, n, k;
  bool ta, tb;
  int64_t lda, ldb, ldc;
  std::vector<int8_t> a, b;
  std::vector<int32_t> c, bias;
};

int8_t at_a(const Operands& o, int64_t i, int64_t p) { return o.ta ? o.a[p * o.lda + i] : o.a[i * o.lda + p]; }
int8_t at_b(const Operands& o, int64_t p, int64_t j) { return o.tb ? o.b[j * o.ldb + p] : o.b[p * o.ldb + j]; }

// Naive reference: exact int64 sum, reduced mod 2^32 like an int32 accumulator.
std::vector<int32_t> naive(const Operands& o, bool use_bias, bool accumulate) {
  std::vector<int32_t> c = o.c;
  for (int64_t i = 0; i < o.m; ++i) {
    for (int64_t j = 0; j < o.n; ++j) {
      int64_t s = accumulate ? c[i * o.ldc + j] : 0;
      if (use_bias) s += o.bias[j];
      for (int64_t p = 0; p < o.k; ++p) s += int64_t{at_a(o, i, p)} * int64_t{at_b(o, p, j)};
      c[i * o.ldc + j] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(s)));
    }
  }
  return c;
}

Operands make(std::mt19937_64& rng, int64_t m, int64_t n, int64_t k, bool ta, bool tb, int64_t pad, int fill = 0) {
  Operands o{m, n, k, ta, tb, 0, 0, 0, {}, {}, {}, {}};
  o.lda = (ta ? m : k) + pad;
  o.ldb = (tb ? k : n) + pad;
  o.ldc = n + pad;
  std::uniform_int_distribution<int> i8(-128, 127);
  std::uniform_int_distribution<int32_t> i32(-1000000, 1000000);
  const int64_t a_rows = ta ? k : m, b_rows = tb ? n : k;
  o.a.resize(static_cast<size_t>(std::max<int64_t>(1, a_rows * o.lda)));
  o.b.resize(static_cast<size_t>(std::max<int64_t>(1, b_rows * o.ldb)));
  for (auto& v : o.a) v = static_cast<int8_t>(fill != 0 ? fill : i8(rng));
  for (auto& v : o.b) v = static_cast<int8_t>(fill != 0 ? fill : i8(rng));
  o.c.resize(static_cast<size_t>(std::max<int64_t>(1, m * o.ldc)));
  for (auto& v : o.c) v = i32(rng);
  o.bias.resize(static_cast<size_t>(std::max<int64_t>(1, n)));
  for (auto& v : o.bias) v = i32(rng);
  return o;
}

void check(const Operands& o, bool use_bias, bool accumulate) {
  std::vector<int32_t> c = o.c;
  gemm_i8(o.m, o.n, o.k, o.a.data(), o.lda, o.ta, o.b.data(), o.ldb, o.tb, c.data(), o.ldc,
          use_bias ? o.bias.data() : nullptr, accumulate);
  const std::vector<int32_t> ref = naive(o, use_bias, accumulate);
  // Compare the whole buffer: padding columns of C must be untouched too.
  ASSERT_EQ(c, ref) << "m=" << o.m << " n=" << o.n << " k=" << o.k << " ta=" << o.ta << " tb=" << o.tb
                    << " bias=" << use_bias << " acc=" << accumulate;
}

TEST(GemmI8, AwkwardShapesAllLayoutsBiasAndAccumulate) {
  std::mt19937_64 rng(1);
  const std::vector<std::tuple<int64_t, int64_t, int64_t>> shapes{
      {1, 1, 1},     {3000, 45, 17}, {3000, 17, 45}, {17, 45, 3000}, {7, 9, 1},     {1, 300, 77},  {250, 1, 63},
      {16, 16, 16},  {65, 67, 130},  {5, 3, 2000},   {130, 70, 513}, {64, 512, 64}, {4, 2, 16},    {3, 5, 1025},
      {513, 3, 9},   {33, 1025, 7},
  };
  int cases = 0;
  for (const auto& [m, n, k] : shapes) {
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        for (int64_t pad : {0, 3}) {
          const Operands o = make(rng, m, n, k, ta, tb, pad);
          for (bool bias : {false, true}) {
            for (bool acc : {false, true}) {
              check(o, bias, acc);
              ++cases;
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(cases, static_cast<int>(shapes.size()) * 32);
}

TEST(GemmI8, AllMinus128AndInt32WrapAround) {
  std::mt19937_64 rng(2);
  // -128 x -128 = 16384 per product: the largest magnitude.
  check(make(rng, 9, 11, 777, false, false, 0, -128), false, false);
  check(make(rng, 9, 11, 777, true, true, 1, -128), true, true);
  // k = 140000: the exact sum 140000 * 16384 = 2293760000 exceeds 2^31 and wraps (two's complement).
  Operands o = make(rng, 1, 2, 140000, false, true, 0, -128);
  std::vector<int32_t> c(2);
  gemm_i8(1, 2, 140000, o.a.data(), 140000, false, o.b.data(), 140000, true, c.data(), 2);
  const int32_t wrapped = static_cast<int32_t>(static_cast<uint32_t>(uint64_t{140000} * 16384));
  EXPECT_EQ(c[0], wrapped);
  EXPECT_EQ(c[1], wrapped);
  EXPECT_LT(wrapped, 0);
}

TEST(GemmI8, DegenerateSizes) {
  std::vector<int8_t> a(4, 1), b(4, 1);
  std::vector<int32_t> c{7, 7, 7, 7};
  const std::vector<int32_t> bias{10, 20};
  // k = 0: C = bias (+ C).
  gemm_i8(2, 2, 0, nullptr, 1, false, nullptr, 2, false, c.data(), 2, bias.data(), false);
  EXPECT_EQ(c, (std::vector<int32_t>{10, 20, 10, 20}));
  gemm_i8(2, 2, 0, nullptr, 1, false, nullptr, 2, false, c.data(), 2, bias.data(), true);
  EXPECT_EQ(c, (std::vector<int32_t>{20, 40, 20, 40}));
  gemm_i8(2, 2, 0, nullptr, 1, false, nullptr, 2, false, c.data(), 2, nullptr, false);
  EXPECT_EQ(c, (std::vector<int32_t>{0, 0, 0, 0}));
  // m = 0 or n = 0: nothing is touched.
  c = {7, 7, 7, 7};
  gemm_i8(0, 2, 2, a.data(), 2, false, b.data(), 2, false, c.data(), 2);
  gemm_i8(2, 0, 2, a.data(), 2, false, b.data(), 2, false, c.data(), 2);
  EXPECT_EQ(c, (std::vector<int32_t>{7, 7, 7, 7}));
}

TEST(GemmI8, ArgumentChecks) {
  std::vector<int8_t> a(16, 1), b(16, 1);
  std::vector<int32_t> c(16);
  EXPECT_THROW(gemm_i8(-1, 2, 2, a.data(), 2, false, b.data(), 2, false, c.data(), 2), std::invalid_argument);
  EXPECT_THROW(gemm_i8(2, 2, 4, a.data(), 3, false, b.data(), 2, false, c.data(), 2), std::invalid_argument);  // lda < k
  EXPECT_THROW(gemm_i8(4, 2, 2, a.data(), 3, true, b.data(), 2, false, c.data(), 2), std::invalid_argument);   // lda < m
  EXPECT_THROW(gemm_i8(2, 4, 2, a.data(), 2, false, b.data(), 3, false, c.data(), 4), std::invalid_argument);  // ldb < n
  EXPECT_THROW(gemm_i8(2, 2, 4, a.data(), 4, false, b.data(), 3, true, c.data(), 2), std::invalid_argument);   // ldb < k
  EXPECT_THROW(gemm_i8(2, 4, 2, a.data(), 2, false, b.data(), 4, false, c.data(), 3), std::invalid_argument);  // ldc < n
  EXPECT_THROW(gemm_i8(2, 2, 2, nullptr, 2, false, b.data(), 2, false, c.data(), 2), std::invalid_argument);
  EXPECT_THROW(gemm_i8(2, 2, 2, a.data(), 2, false, b.data(), 2, false, nullptr, 2), std::invalid_argument);
}

TEST(GemmI8, ScratchReuseAcrossSizesAndMatmulHelper) {
  // Big then tiny then big again: thread-local scratch must not leak state between calls.
  std::mt19937_64 rng(3);
  check(make(rng, 200, 300, 600, false, false, 0), true, false);
  check(make(rng, 2, 3, 5, true, false, 0), false, false);
  check(make(rng, 200, 300, 600, false, true, 0), false, true);
  // matmul_i8 == gemm_i8 on dense operands.
  const Operands o = make(rng, 37, 29, 41, false, false, 0);
  const std::vector<int32_t> bias(o.bias.begin(), o.bias.begin() + 29);
  const std::vector<int32_t> c = matmul_i8(o.a, o.b, 37, 41, 29, false, bias);
  Operands z = o;
  std::fill(z.c.begin(), z.c.end(), 0);
  EXPECT_EQ(c, naive(z, true, false));
  const Operands t = make(rng, 37, 29, 41, false, true, 0);
  Operands tz = t;
  std::fill(tz.c.begin(), tz.c.end(), 0);
  EXPECT_EQ(matmul_i8(t.a, t.b, 37, 41, 29, true), naive(tz, false, false));
  EXPECT_THROW(matmul_i8(o.a, o.b, 37, 40, 29), std::invalid_argument);
  EXPECT_THROW(matmul_i8(o.a, o.b, 37, 41, 29, false, std::vector<int32_t>(3)), std::invalid_argument);
}

// The float GEMM's contract (gemm.h): every element is bias + products in p order, rounded one step at a time,
// so it must equal this scalar loop bit for bit on every path (SSE2 always, AVX when the CPU has it).
void check_f32(std::mt19937_64& rng, int64_t m, int64_t n, int64_t k, int64_t pad, bool use_bias) {
  const int64_t lda = k + pad, ldb = n + pad, ldc = n + pad;
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> a(static_cast<size_t>(std::max<int64_t>(1, m * lda))), b(static_cast<size_t>(std::max<int64_t>(1, k * ldb)));
  std::vector<float> bias(static_cast<size_t>(std::max<int64_t>(1, n)));
  for (auto& v : a) v = nd(rng);
  for (auto& v : b) v = nd(rng) * 0.03f;
  for (auto& v : bias) v = nd(rng);
  std::vector<float> ref(static_cast<size_t>(std::max<int64_t>(1, m * ldc)), -7.0f);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      volatile float s = use_bias ? bias[j] : 0.0f;  // volatile: one rounding per step, no reordering
      for (int64_t p = 0; p < k; ++p) {
        const volatile float prod = a[i * lda + p] * b[p * ldb + j];
        s = s + prod;
      }
      ref[i * ldc + j] = s;
    }
  }
  const float* bp = use_bias ? bias.data() : nullptr;
  auto run = [&](auto fn, const char* name) {
    std::vector<float> c(ref.size(), -7.0f);  // padding columns must stay untouched
    fn(m, n, k, a.data(), lda, b.data(), ldb, c.data(), ldc, bp);
    ASSERT_EQ(0, std::memcmp(c.data(), ref.data(), c.size() * sizeof(float)))
        << name << " m=" << m << " n=" << n << " k=" << k << " pad=" << pad << " bias=" << use_bias;
  };
  run(detail::gemm_f32_sse2, "sse2");
  if (detail::cpu_has_avx()) run(detail::gemm_f32_avx, "avx");
  run(gemm_f32, "dispatch");
}

TEST(GemmF32, BitIdenticalToScalarLoopOnAwkwardShapes) {
  std::mt19937_64 rng(11);
  for (const auto& [m, n, k] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{
           {1, 1, 1}, {1, 17, 5}, {3, 7, 0}, {5, 33, 9}, {4, 16, 64}, {7, 8, 3}, {50, 96, 96}, {50, 200, 96},
           {13, 31, 200}, {64, 64, 512}, {9, 50, 32}}) {
    for (int64_t pad : {0, 3}) {
      check_f32(rng, m, n, k, pad, false);
      check_f32(rng, m, n, k, pad, true);
    }
  }
}

// The 16 x 16 tile kernel: exact sums against the naive loop on every path, including all -128 operands (the
// largest products) and row counts 0, 1 and 16.
TEST(Tile16I8, ExactOnEveryPath) {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> i8(-128, 127);
  for (int round = 0; round < 20; ++round) {
    std::vector<int8_t> w(256), a(256);
    for (auto& v : w) v = static_cast<int8_t>(round == 0 ? -128 : i8(rng));
    for (auto& v : a) v = static_cast<int8_t>(round == 0 ? -128 : i8(rng));
    std::vector<int16_t> packed(256);
    pack_tile16(w.data(), packed.data());
    const int64_t rows = round == 1 ? 0 : round == 2 ? 1 : round % 2 == 0 ? 16 : 1 + round % 16;
    std::vector<int32_t> ref(256, -1);
    for (int64_t i = 0; i < rows; ++i)
      for (int j = 0; j < 16; ++j) {
        int32_t s = 0;
        for (int k = 0; k < 16; ++k) s += int32_t{a[size_t(i * 16 + k)]} * int32_t{w[size_t(k * 16 + j)]};
        ref[size_t(i * 16 + j)] = s;
      }
    // Accumulating: onto a random C (with values near the int32 limits: the sum wraps mod 2^32).
    std::vector<int32_t> c0(256), ref_acc(256);
    std::uniform_int_distribution<int32_t> i32(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
    for (auto& v : c0) v = i32(rng);
    for (size_t e = 0; e < 256; ++e)
      ref_acc[e] = int64_t(e) < rows * 16
                       ? static_cast<int32_t>(static_cast<uint32_t>(c0[e]) + static_cast<uint32_t>(ref[e]))
                       : c0[e];
    auto run = [&](auto fn, const char* name) {
      std::vector<int32_t> out(256, -1);  // rows beyond `rows` must stay untouched
      fn(packed.data(), a.data(), rows, out.data(), false);
      ASSERT_EQ(out, ref) << name << " round " << round << " rows " << rows;
      out = c0;
      fn(packed.data(), a.data(), rows, out.data(), true);
      ASSERT_EQ(out, ref_acc) << name << " (accumulate) round " << round << " rows " << rows;
    };
    run(detail::tile16_i8_sse2, "sse2");
    if (detail::cpu_has_avx2()) run(detail::tile16_i8_avx2, "avx2");
    run(tile16_i8, "dispatch");
  }
}

}  // namespace
}  // namespace coda::models
