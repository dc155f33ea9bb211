// Bit-exactness and timing of the output-stationary RTL mesh (rtl/mesh/os_mesh_with_delays.v) driven
// directly: tiles (K columns of A, a preloaded B, optionally a preloaded D) equal the models/ integer GEMM,
// and each compute's DIM result rows leave bottom row first, LATENCY cycles after its last column.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "models/gemm.h"
#include "rtl/harness/os_mesh_rtl.h"

namespace coda {
namespace {

struct Tile {
  std::vector<int8_t> a;   // rows x k (row-major, rows <= DIM: missing rows are zero)
  std::vector<int8_t> b;   // k x DIM
  std::vector<int32_t> d;  // DIM x DIM or empty
  int rows = 0, k = 0;
};

// Preloads B (k rows; the rest of the buffer is cleared), optionally D, then streams the k columns of A with a
// flip. Returns the DIM x DIM result in row order; checks each output row's cycle.
std::vector<int32_t> run_tile(rtl::OsMeshRtl& m, const Tile& t) {
  const int dim = m.dim();
  for (int r = 0; r < t.k; ++r) {
    m.set_b(true, t.b.data() + r * dim, r == 0, r == t.k - 1);
    m.settle();
    EXPECT_TRUE(m.b_ready()) << "beat " << r;
    m.tick();
  }
  m.set_b(false, nullptr, false, false);
  if (!t.d.empty()) {
    for (int r = 0; r < dim; ++r) {
      m.set_d(true, t.d.data() + r * dim, r == 0, r == dim - 1);
      m.tick();
    }
    m.set_d(false, nullptr, false, false);
    for (int r = 0; r < dim; ++r) m.tick();  // D rows enter at least DIM cycles before the compute
  }
  for (int guard = 0; guard < 4 * dim; ++guard) m.tick();  // the preload is complete long before
  std::vector<int8_t> col(static_cast<size_t>(dim));
  std::vector<int32_t> out(size_t(dim * dim), -1);
  int fed = 0, beats = 0;
  uint64_t last_col = 0;
  for (int guard = 0; beats < dim && guard < 10 * dim + 20; ++guard) {
    const bool valid = fed < t.k;
    if (valid)
      for (int i = 0; i < dim; ++i) col[size_t(i)] = i < t.rows ? t.a[size_t(i * t.k + fed)] : 0;
    m.set_a(valid, valid ? col.data() : nullptr, fed == 0, fed == 0, fed == t.k - 1, t.k);
    m.settle();
    if (valid && m.a_ready()) {
      if (fed == t.k - 1) last_col = m.cycle();
      ++fed;
    }
    if (m.out_valid()) {
      EXPECT_EQ(fed, t.k);
      EXPECT_EQ(m.cycle(), last_col + m.latency() + uint64_t(beats)) << "beat " << beats;
      const int row = dim - 1 - beats;  // bottom row first
      for (int j = 0; j < dim; ++j) out[size_t(row * dim + j)] = m.out(j);
      ++beats;
    }
    m.tick();
  }
  m.set_a(false, nullptr, false, false, false, 1);
  EXPECT_EQ(beats, dim);
  for (int guard = 0; guard < 2 * dim; ++guard) {
    m.settle();
    EXPECT_FALSE(m.out_valid()) << "extra output row";
    m.tick();
  }
  return out;
}

std::vector<int32_t> reference(const Tile& t, int dim) {
  std::vector<int32_t> c(size_t(dim * dim), 0);
  if (!t.d.empty()) c = t.d;
  std::vector<int8_t> a(size_t(dim * t.k), 0);
  for (int i = 0; i < t.rows; ++i)
    for (int p = 0; p < t.k; ++p) a[size_t(i * t.k + p)] = t.a[size_t(i * t.k + p)];
  models::gemm_i8(dim, dim, t.k, a.data(), t.k, false, t.b.data(), dim, false, c.data(), dim, nullptr,
                  /*accumulate=*/!t.d.empty());
  return c;
}

class OsMeshData : public ::testing::TestWithParam<int> {};

TEST_P(OsMeshData, RandomTilesEqualTheIntegerGemm) {
  const int dim = GetParam();
  auto m = rtl::OsMeshRtl::create(dim);
  std::mt19937 rng{static_cast<uint32_t>(dim) + 100};
  std::uniform_int_distribution<int> i8(-128, 127);
  std::uniform_int_distribution<int32_t> i32(-(1 << 30), 1 << 30);
  struct Shape {
    int rows, k;
    bool d;
  };
  for (Shape s : {Shape{dim, dim, false}, Shape{dim, 1, false}, Shape{3, dim, false}, Shape{1, 1, false},
                  Shape{dim / 2 + 1, 3, false}, Shape{dim, dim, true}, Shape{2, 5 % dim + 1, true}}) {
    Tile t;
    t.rows = s.rows;
    t.k = s.k;
    t.a.resize(size_t(s.rows * s.k));
    t.b.resize(size_t(s.k * dim));
    for (auto& v : t.a) v = int8_t(i8(rng));
    for (auto& v : t.b) v = int8_t(i8(rng));
    if (s.d) {
      t.d.resize(size_t(dim * dim));
      for (auto& v : t.d) v = i32(rng);
    }
    EXPECT_EQ(run_tile(*m, t), reference(t, dim)) << "rows " << s.rows << " k " << s.k << " d " << s.d;
  }
}

TEST_P(OsMeshData, EdgeTilesEqualTheIntegerGemm) {
  const int dim = GetParam();
  auto m = rtl::OsMeshRtl::create(dim);
  struct Edge {
    int8_t a, b;
    int32_t d;
  };
  // Extreme int8 values, and biases at the int32 limits (the sum wraps modulo 2^32 as in gemm_i8).
  for (Edge e : {Edge{-128, -128, 0}, Edge{-128, 127, 0}, Edge{127, 127, 0}, Edge{0, -128, 0},
                 Edge{-128, -128, INT32_MAX - 16 * 16384}, Edge{127, -128, INT32_MIN + 16 * 16384},
                 Edge{-128, -128, INT32_MAX}}) {
    for (int k : {dim, 1}) {
      Tile t;
      t.rows = dim;
      t.k = k;
      t.a.assign(size_t(dim * k), e.a);
      t.b.assign(size_t(k * dim), e.b);
      if (e.d != 0) t.d.assign(size_t(dim * dim), e.d);
      EXPECT_EQ(run_tile(*m, t), reference(t, dim)) << int(e.a) << " " << int(e.b) << " " << e.d << " k " << k;
    }
  }
}

TEST_P(OsMeshData, DIsUsedOnceAndShortPreloadsArePaddedWithZeros) {
  const int dim = GetParam();
  auto m = rtl::OsMeshRtl::create(dim);
  Tile t;
  t.rows = dim;
  t.k = 2;
  t.a.assign(size_t(dim * 2), 3);
  t.b.assign(size_t(2 * dim), -5);
  t.d.assign(size_t(dim * dim), 1000);
  EXPECT_EQ(run_tile(*m, t), reference(t, dim));
  t.d.clear();  // the next compute starts from zero again
  EXPECT_EQ(run_tile(*m, t), reference(t, dim));
  // A full preload then a 1-row preload: the buffer's rows 1 .. DIM-1 are cleared.
  Tile full;
  full.rows = dim;
  full.k = dim;
  full.a.assign(size_t(dim * dim), 1);
  full.b.assign(size_t(dim * dim), 7);
  EXPECT_EQ(run_tile(*m, full), reference(full, dim));
  Tile one;
  one.rows = dim;
  one.k = 1;
  one.a.assign(size_t(dim), 2);
  one.b.assign(size_t(dim), 9);
  EXPECT_EQ(run_tile(*m, one), reference(one, dim));
}

INSTANTIATE_TEST_SUITE_P(Dims, OsMeshData, ::testing::Values(4, 8, 16));

}  // namespace
}  // namespace coda
