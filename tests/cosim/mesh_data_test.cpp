// Bit-exactness of the RTL mesh: tiles through the Verilated mesh equal the models/ integer GEMM.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "models/gemm.h"
#include "rtl/harness/mesh_rtl.h"

namespace coda {
namespace {

// Preloads B (DIM x DIM), then streams `rows` rows of A (rows x DIM) with a flip; returns the output rows and
// checks they leave LATENCY cycles after their row entered.
std::vector<int32_t> run_tile(rtl::MeshRtl& m, const std::vector<int8_t>& a, int rows, const std::vector<int8_t>& b) {
  const int dim = m.dim();
  // Preload: DIM beats on the top port.
  for (int r = 0; r < dim; ++r) {
    m.set_b(true, b.data() + r * dim, r == 0, r == dim - 1);
    m.set_a(false, nullptr, false, false, false);
    m.settle();
    EXPECT_TRUE(m.b_ready()) << "beat " << r;
    m.tick();
  }
  m.set_b(false, nullptr, false, false);
  std::vector<int32_t> out;
  std::vector<uint64_t> entered;
  int fed = 0;
  for (int guard = 0; int(out.size()) < rows * dim && guard < 10 * dim + rows + 10; ++guard) {
    const bool valid = fed < rows;
    m.set_a(valid, valid ? a.data() + fed * dim : nullptr, fed == 0, fed == 0, fed == rows - 1);
    m.settle();
    if (valid && m.a_ready()) {
      entered.push_back(m.cycle());
      ++fed;
    }
    if (m.out_valid()) {
      const size_t row = out.size() / size_t(dim);
      EXPECT_LT(row, entered.size());
      if (row < entered.size()) {
        EXPECT_EQ(m.cycle(), entered[row] + m.latency()) << "row " << row;
      }
      for (int j = 0; j < dim; ++j) out.push_back(m.out(j));
    }
    m.tick();
  }
  m.set_a(false, nullptr, false, false, false);
  return out;
}

std::vector<int32_t> reference(const std::vector<int8_t>& a, int rows, const std::vector<int8_t>& b, int dim) {
  std::vector<int32_t> c(size_t(rows * dim));
  models::gemm_i8(rows, dim, dim, a.data(), dim, false, b.data(), dim, false, c.data(), dim);
  return c;
}

class MeshData : public ::testing::TestWithParam<int> {};

TEST_P(MeshData, RandomTilesEqualTheIntegerGemm) {
  const int dim = GetParam();
  auto m = rtl::MeshRtl::create(dim);
  std::mt19937 rng{static_cast<uint32_t>(dim)};
  std::uniform_int_distribution<int> i8(-128, 127);
  for (int rows : {dim, 1, 3, dim / 2 + 1}) {
    std::vector<int8_t> a(size_t(rows * dim)), b(size_t(dim * dim));
    for (auto& v : a) v = int8_t(i8(rng));
    for (auto& v : b) v = int8_t(i8(rng));
    EXPECT_EQ(run_tile(*m, a, rows, b), reference(a, rows, b, dim)) << "rows " << rows;
  }
}

TEST_P(MeshData, EdgeTilesEqualTheIntegerGemm) {
  const int dim = GetParam();
  auto m = rtl::MeshRtl::create(dim);
  struct Edge {
    int8_t a, b;
  };
  // The largest |sum| is DIM * 128 * 128 (all -128): it must not overflow the 20-bit partial sums.
  for (Edge e : {Edge{-128, -128}, Edge{-128, 127}, Edge{127, 127}, Edge{127, -128}, Edge{0, 0}, Edge{0, -128}}) {
    std::vector<int8_t> a(size_t(dim * dim), e.a), b(size_t(dim * dim), e.b);
    const auto got = run_tile(*m, a, dim, b);
    EXPECT_EQ(got, reference(a, dim, b, dim)) << int(e.a) << " x " << int(e.b);
    EXPECT_EQ(got[0], dim * int32_t(e.a) * int32_t(e.b));
  }
  // A checkerboard of the extremes and an identity: every PE sees its own weight.
  std::vector<int8_t> a(size_t(dim * dim)), b(size_t(dim * dim), 0);
  for (int i = 0; i < dim; ++i) {
    b[size_t(i * dim + i)] = 1;
    for (int k = 0; k < dim; ++k) a[size_t(i * dim + k)] = (i + k) % 2 ? int8_t(-128) : int8_t(127);
  }
  EXPECT_EQ(run_tile(*m, a, dim, b), reference(a, dim, b, dim));
}

TEST_P(MeshData, WeightsOfAShortPreloadAreZeroPadded) {
  // A preload of 2 rows clears the rows it does not supply (the engine's functional model pads B with zeros).
  const int dim = GetParam();
  auto m = rtl::MeshRtl::create(dim);
  std::vector<int8_t> ones(size_t(dim * dim), 1);
  run_tile(*m, ones, dim, ones);  // leaves all-ones weights behind
  std::vector<int8_t> b2(size_t(2 * dim), 3);
  for (int r = 0; r < 4; ++r) {  // 2 beats, then the port stays busy up to the 4-row floor
    m->set_b(r < 2, r < 2 ? b2.data() + r * dim : nullptr, r == 0, r == 1);
    m->settle();
    m->tick();
  }
  m->set_b(false, nullptr, false, false);
  std::vector<int32_t> out;
  for (int t = 0, fed = 0; t < 4 * dim + 8; ++t) {
    m->set_a(fed < 1, ones.data(), true, true, true);
    m->settle();
    if (fed < 1 && m->a_ready()) ++fed;
    if (m->out_valid())
      for (int j = 0; j < dim; ++j) out.push_back(m->out(j));
    m->tick();
  }
  ASSERT_EQ(out.size(), size_t(dim));
  for (int j = 0; j < dim; ++j) EXPECT_EQ(out[size_t(j)], 6) << "column " << j;  // rows 0, 1 of B only
}

INSTANTIATE_TEST_SUITE_P(Dims, MeshData, ::testing::Values(4, 8, 16));

TEST(MeshRtl, RejectsDimsWithoutAVerilatedModel) {
  EXPECT_THROW(rtl::MeshRtl::create(12), std::invalid_argument);
  EXPECT_TRUE(rtl::MeshRtl::supported(16));
  EXPECT_FALSE(rtl::MeshRtl::supported(32));
}

}  // namespace
}  // namespace coda
