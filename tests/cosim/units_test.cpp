// Bit-exactness of the RTL transformer units against the models/ kernels (the kernels are the truth), and the
// latencies the engine assumes for them.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "models/ibert.h"
#include "rtl/harness/units_rtl.h"

namespace coda {
namespace {

namespace ib = models::ibert;

std::vector<int32_t> all_int8() {
  std::vector<int32_t> v;
  for (int q = -128; q <= 127; ++q) v.push_back(q);
  return v;
}

// Dense samples of the int32 range: every value near 0 and near the extremes, and a log-spaced sweep plus
// random values in between.
std::vector<int32_t> dense_int32(size_t random_count, uint32_t seed) {
  std::vector<int32_t> v;
  for (int64_t q = -70000; q <= 70000; ++q) v.push_back(int32_t(q));
  for (int64_t d = 0; d < 4096; ++d) {
    v.push_back(int32_t(std::numeric_limits<int32_t>::max() - d));
    v.push_back(int32_t(std::numeric_limits<int32_t>::min() + d));
  }
  for (int e = 0; e < 31; ++e)
    for (int64_t d = -64; d <= 64; ++d) {
      const int64_t p = (int64_t{1} << e) + d;
      if (p <= std::numeric_limits<int32_t>::max()) {
        v.push_back(int32_t(p));
        v.push_back(int32_t(-p));
      }
    }
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> any(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
  for (size_t i = 0; i < random_count; ++i) v.push_back(any(rng));
  return v;
}

// Input scales the kernels are used on: int8 activations (~2^-4 .. 2^-1), int32 accumulators (products of two
// int8 scales, ~2^-14 .. 2^-6) and the extremes of the supported ranges.
const double kGeluScales[] = {0.5, 0.1, 0.0625, 0.02, 1.0 / 4096, 3e-5, 1e-3 / 7, std::ldexp(1.0, -40), 4.0,
                              std::ldexp(1.0, 12)};
// (make_exp_params accepts scales up to ~2^14: -q * S / ln2 * 2^16 must fit a 31-bit dyadic multiplier.)
const double kExpScales[] = {0.5, 0.1, 0.0625, 0.02, 1.0 / 4096, 3e-5, 1e-3 / 7, std::ldexp(1.0, -40), 4.0, 1024.0};

void expect_gelu_equal(const std::vector<int32_t>& q, double scale) {
  const ib::GeluParams p = ib::make_gelu_params(scale);
  const rtl::StreamResult r = rtl::gelu_rtl(q, p);
  ASSERT_EQ(r.out.size(), q.size());
  EXPECT_EQ(r.latency, uint64_t(rtl::UnitRtlParams::kActivationLatency));
  size_t bad = 0;
  for (size_t i = 0; i < q.size(); ++i) {
    const int32_t want = ib::gelu(q[i], p);
    if (r.out[i] != want && bad++ < 5) ADD_FAILURE() << "scale " << scale << " gelu(" << q[i] << "): RTL " << r.out[i] << ", kernel " << want;
  }
  EXPECT_EQ(bad, 0u) << "scale " << scale;
}

TEST(GeluRtl, EqualsTheKernelOnEveryInt8Input) {
  for (double s : kGeluScales) expect_gelu_equal(all_int8(), s);
}

TEST(GeluRtl, EqualsTheKernelOnDenseInt32Samples) {
  const auto q = dense_int32(100000, 5);
  for (double s : kGeluScales) expect_gelu_equal(q, s);
}

void expect_exp_equal(const std::vector<int64_t>& q, double scale, ib::ExpPolynomial poly) {
  const ib::ExpParams p = ib::make_exp_params(scale, poly);
  const rtl::StreamResult r = rtl::exp_rtl(q, p);
  ASSERT_EQ(r.out.size(), q.size());
  EXPECT_EQ(r.latency, uint64_t(rtl::UnitRtlParams::kActivationLatency));
  size_t bad = 0;
  for (size_t i = 0; i < q.size(); ++i) {
    const int32_t want = ib::exp(q[i], p);
    if (r.out[i] != want && bad++ < 5) ADD_FAILURE() << "scale " << scale << " exp(" << q[i] << "): RTL " << r.out[i] << ", kernel " << want;
  }
  EXPECT_EQ(bad, 0u) << "scale " << scale;
}

TEST(ExpRtl, EqualsTheKernelOnEveryInt8Input) {
  std::vector<int64_t> q;
  for (int v = -255; v <= 127; ++v) q.push_back(v);  // int8 differences x - max, and positive inputs (clamped)
  for (double s : kExpScales)
    for (auto poly : {ib::ExpPolynomial::Minimax, ib::ExpPolynomial::IBert}) expect_exp_equal(q, s, poly);
}

TEST(ExpRtl, EqualsTheKernelOnDenseInt32Differences) {
  // The softmax feeds x - max of two int32 values: [-(2^32 - 1), 0]; beyond that the kernel clamps.
  std::vector<int64_t> q;
  for (int32_t v : dense_int32(100000, 6)) {
    q.push_back(-std::abs(int64_t{v}));
    q.push_back(int64_t{v} - int64_t{std::numeric_limits<int32_t>::max()});
  }
  q.push_back(-((int64_t{1} << 32) - 1));
  q.push_back(-(int64_t{1} << 40));  // clamped
  for (double s : kExpScales) expect_exp_equal(q, s, ib::ExpPolynomial::Minimax);
}

TEST(IsqrtRtl, EqualsTheKernelOnDenseSamplesAndTakesOneBitPerCyclesPerBit) {
  rtl::IsqrtRtl unit;
  std::vector<uint64_t> n;
  for (uint64_t v = 0; v < 70000; ++v) n.push_back(v);
  for (int e = 1; e < 64; ++e)
    for (int64_t d = -3; d <= 3; ++d) n.push_back((uint64_t{1} << e) + uint64_t(d));
  for (uint64_t r = 1; r < (uint64_t{1} << 32); r = r * 3 + 1) {  // perfect squares and their neighbours
    n.push_back(r * r);
    n.push_back(r * r - 1);
    n.push_back(r * r + 1);
  }
  n.push_back(~uint64_t{0});
  n.push_back(uint64_t{0xFFFFFFFE00000001});  // (2^32 - 1)^2
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) n.push_back(rng() >> (rng() % 64));
  size_t bad = 0;
  for (uint64_t v : n) {
    const auto r = unit.run(v, 1);
    if (r.root != models::ibert::isqrt64(v) && bad++ < 5) ADD_FAILURE() << "isqrt(" << v << "): RTL " << r.root;
    ASSERT_EQ(r.cycles, 32u);
  }
  EXPECT_EQ(bad, 0u);
  // The normalizer's timing: 32 result bits, isqrt_cycles_per_bit cycles each.
  for (int cpb : {2, 3, 5}) {
    const auto r = unit.run(1000000007ull * 999983ull, cpb);
    EXPECT_EQ(r.root, models::ibert::isqrt64(1000000007ull * 999983ull));
    EXPECT_EQ(r.cycles, 32u * uint64_t(cpb));
  }
}

TEST(NormLanesRtl, PassesEqualTheLayerNormAndSoftmaxKernels) {
  rtl::NormLanesRtl lanes;
  std::mt19937 rng(11);
  const int64_t lanes_n = rtl::UnitRtlParams::kNormLanes;
  for (size_t n : {1u, 3u, 4u, 5u, 64u, 768u, 1023u}) {
    for (int kind = 0; kind < 3; ++kind) {
      std::vector<int32_t> row(n);
      if (kind == 0) {
        std::uniform_int_distribution<int32_t> d(-100000, 100000);
        for (auto& v : row) v = d(rng);
      } else if (kind == 1) {  // extremes: full int32 range
        std::uniform_int_distribution<int32_t> d(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
        for (auto& v : row) v = d(rng);
        row[0] = std::numeric_limits<int32_t>::min();
      } else {  // constant row: zero variance
        for (auto& v : row) v = -42;
      }
      ib::LayerNormSums want;
      ib::layernorm_accumulate(row, want);
      const auto s = lanes.sum_pass(row);
      EXPECT_EQ(s.sums.count, want.count);
      EXPECT_EQ(s.sums.sum, want.sum);
      EXPECT_EQ(s.sums.min, want.min);
      EXPECT_EQ(s.sums.max, want.max);
      EXPECT_EQ(s.sums.max, ib::softmax_max(row));
      // ceil(n / lanes) cycles of lanes, then the reduction pipeline (sim/engine/normalizer.cpp).
      const uint64_t cycles = uint64_t((int64_t(n) + lanes_n - 1) / lanes_n + rtl::UnitRtlParams::kNormLatency);
      EXPECT_EQ(s.cycles, cycles) << n;
      const ib::LayerNormCenter c = ib::layernorm_center(want);
      uint64_t var = 0;
      ib::layernorm_accumulate_squares(row, c, var);
      const auto q = lanes.squares_pass(row, c);
      EXPECT_EQ(q.var_sum, var) << "n " << n << " kind " << kind;
      EXPECT_EQ(q.cycles, cycles);
    }
  }
}

}  // namespace
}  // namespace coda
