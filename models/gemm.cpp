// int8 x int8 -> int32 GEMM. See gemm.h for the contract.
//
// Structure (GotoBLAS-style blocking, portable C++ that GCC vectorizes at -O2 and -O3):
//   for each column block of B (kNc columns) and each depth block (kKc):  pack B block -> int16, column-major
//     for each row block of A (kMc rows):                                pack A block -> int16, row-major
//       for each 4-row x 2-column register block: 8 dot products over the (zero-padded) depth block.
// The dot-product loops have compile-time trip counts (64, then 16), which is what lets GCC's -O2 cost model
// vectorize them; int16 x int16 -> int32 multiply-add pairs map onto SSE2 pmaddwd. Per depth block the int32
// partial sums cannot overflow (kKc * 2^14 < 2^31); blocks are combined into C with wrapping (mod 2^32) adds.
#include "models/gemm.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace coda::models {

namespace {

constexpr int64_t kMr = 4;      // register block rows
constexpr int64_t kNr = 2;      // register block columns
constexpr int64_t kKc = 512;    // depth block (partial sums <= 512 * 2^14 = 2^23)
constexpr int64_t kMc = 64;     // rows of A per packed block
constexpr int64_t kNc = 512;    // columns of B per packed block
constexpr int64_t kKAlign = 16; // depth padding of packed panels

int64_t round_up(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

// Wrapping int32 add (two's complement, defined behaviour via uint32).
int32_t wrap_add(int32_t x, int32_t y) {
  return static_cast<int32_t>(static_cast<uint32_t>(x) + static_cast<uint32_t>(y));
}

// 4 x 2 block of dot products over kp (a multiple of 16) int16 values. a: 4 rows at stride kp; b: 2 columns at
// stride kp. out[r * 2 + s] = sum_p a[r][p] * b[s][p].
void micro_4x2(const int16_t* __restrict a, const int16_t* __restrict b, int64_t kp, int32_t* __restrict out) {
  const int16_t* __restrict a0 = a;
  const int16_t* __restrict a1 = a + kp;
  const int16_t* __restrict a2 = a + 2 * kp;
  const int16_t* __restrict a3 = a + 3 * kp;
  const int16_t* __restrict b0 = b;
  const int16_t* __restrict b1 = b + kp;
  int32_t c00 = 0, c01 = 0, c10 = 0, c11 = 0, c20 = 0, c21 = 0, c30 = 0, c31 = 0;
  int64_t q = 0;
  for (; q + 64 <= kp; q += 64) {
    for (int p = 0; p < 64; ++p) {
      const int32_t x0 = a0[q + p], x1 = a1[q + p], x2 = a2[q + p], x3 = a3[q + p];
      const int32_t y0 = b0[q + p], y1 = b1[q + p];
      c00 += x0 * y0; c01 += x0 * y1;
      c10 += x1 * y0; c11 += x1 * y1;
      c20 += x2 * y0; c21 += x2 * y1;
      c30 += x3 * y0; c31 += x3 * y1;
    }
  }
  for (; q < kp; q += 16) {
    for (int p = 0; p < 16; ++p) {
      const int32_t x0 = a0[q + p], x1 = a1[q + p], x2 = a2[q + p], x3 = a3[q + p];
      const int32_t y0 = b0[q + p], y1 = b1[q + p];
      c00 += x0 * y0; c01 += x0 * y1;
      c10 += x1 * y0; c11 += x1 * y1;
      c20 += x2 * y0; c21 += x2 * y1;
      c30 += x3 * y0; c31 += x3 * y1;
    }
  }
  out[0] = c00; out[1] = c01; out[2] = c10; out[3] = c11;
  out[4] = c20; out[5] = c21; out[6] = c30; out[7] = c31;
}

// Packs rows [i0, i0 + mc) x depth [p0, p0 + kc) of X into dst[r * kcp + p] (int16), zero-padding rows up to
// mcp and depth up to kcp. X is A (rows are output rows), or B^T (rows are output columns), which is why B is
// packed with the opposite transpose flag.
void pack_rows(const int8_t* a, int64_t lda, bool trans_a, int64_t i0, int64_t mc, int64_t mcp, int64_t p0,
            int64_t kc, int64_t kcp, int16_t* dst) {
  if (!trans_a) {
    for (int64_t r = 0; r < mc; ++r) {
      const int8_t* src = a + (i0 + r) * lda + p0;
      int16_t* d = dst + r * kcp;
      for (int64_t p = 0; p < kc; ++p) d[p] = src[p];
      std::fill(d + kc, d + kcp, int16_t{0});
    }
  } else {
    for (int64_t r = 0; r < mc; ++r) std::fill(dst + r * kcp + kc, dst + (r + 1) * kcp, int16_t{0});
    for (int64_t p = 0; p < kc; ++p) {
      const int8_t* src = a + (p0 + p) * lda + i0;
      for (int64_t r = 0; r < mc; ++r) dst[r * kcp + p] = src[r];
    }
  }
  std::fill(dst + mc * kcp, dst + mcp * kcp, int16_t{0});
}

// Grow-only per-thread scratch (no allocation once warmed up).
int16_t* scratch(std::vector<int16_t>& buf, int64_t size) {
  if (static_cast<int64_t>(buf.size()) < size) buf.resize(static_cast<size_t>(size));
  return buf.data();
}

}  // namespace

void gemm_i8(int64_t m, int64_t n, int64_t k, const int8_t* a, int64_t lda, bool trans_a, const int8_t* b,
             int64_t ldb, bool trans_b, int32_t* c, int64_t ldc, const int32_t* bias, bool accumulate) {
  if (m < 0 || n < 0 || k < 0) throw std::invalid_argument("gemm_i8: negative size");
  if (m == 0 || n == 0) return;
  if (c == nullptr || ldc < n) throw std::invalid_argument("gemm_i8: C is null or ldc < n");
  if (k > 0) {
    if (a == nullptr || b == nullptr) throw std::invalid_argument("gemm_i8: null operand");
    if (lda < (trans_a ? m : k)) throw std::invalid_argument("gemm_i8: lda too small (" + std::to_string(lda) + ")");
    if (ldb < (trans_b ? k : n)) throw std::invalid_argument("gemm_i8: ldb too small (" + std::to_string(ldb) + ")");
  }

  // Initial C: (accumulate ? C : 0) + bias. Depth blocks then add into it.
  for (int64_t i = 0; i < m; ++i) {
    int32_t* row = c + i * ldc;
    if (!accumulate) std::fill(row, row + n, 0);
    if (bias != nullptr) {
      for (int64_t j = 0; j < n; ++j) row[j] = wrap_add(row[j], bias[j]);
    }
  }
  if (k == 0) return;

  thread_local std::vector<int16_t> a_buf;
  thread_local std::vector<int16_t> b_buf;
  const int64_t kc_max = std::min(k, kKc);
  const int64_t kcp_max = round_up(kc_max, kKAlign);
  int16_t* ap = scratch(a_buf, round_up(std::min(m, kMc), kMr) * kcp_max);
  int16_t* bp = scratch(b_buf, round_up(std::min(n, kNc), kNr) * kcp_max);

  int32_t acc[kMr * kNr];
  for (int64_t j0 = 0; j0 < n; j0 += kNc) {
    const int64_t nc = std::min(kNc, n - j0);
    const int64_t ncp = round_up(nc, kNr);
    for (int64_t p0 = 0; p0 < k; p0 += kKc) {
      const int64_t kc = std::min(kKc, k - p0);
      const int64_t kcp = round_up(kc, kKAlign);
      pack_rows(b, ldb, !trans_b, j0, nc, ncp, p0, kc, kcp, bp);  // B^T is packed like A
      for (int64_t i0 = 0; i0 < m; i0 += kMc) {
        const int64_t mc = std::min(kMc, m - i0);
        const int64_t mcp = round_up(mc, kMr);
        pack_rows(a, lda, trans_a, i0, mc, mcp, p0, kc, kcp, ap);
        for (int64_t jr = 0; jr < ncp; jr += kNr) {
          for (int64_t ir = 0; ir < mcp; ir += kMr) {
            micro_4x2(ap + ir * kcp, bp + jr * kcp, kcp, acc);
            const int64_t rows = std::min(kMr, mc - ir);
            const int64_t cols = std::min(kNr, nc - jr);
            for (int64_t r = 0; r < rows; ++r) {
              int32_t* crow = c + (i0 + ir + r) * ldc + j0 + jr;
              for (int64_t s = 0; s < cols; ++s) crow[s] = wrap_add(crow[s], acc[r * kNr + s]);
            }
          }
        }
      }
    }
  }
}

std::vector<int32_t> matmul_i8(std::span<const int8_t> a, std::span<const int8_t> b, int64_t m, int64_t k, int64_t n,
                               bool trans_b, std::span<const int32_t> bias) {
  if (m < 0 || k < 0 || n < 0) throw std::invalid_argument("matmul_i8: negative size");
  if (static_cast<int64_t>(a.size()) != m * k || static_cast<int64_t>(b.size()) != k * n) {
    throw std::invalid_argument("matmul_i8: operand sizes do not match m, k, n");
  }
  if (!bias.empty() && static_cast<int64_t>(bias.size()) != n) throw std::invalid_argument("matmul_i8: bias size != n");
  std::vector<int32_t> c(static_cast<size_t>(m * n));
  gemm_i8(m, n, k, a.data(), std::max<int64_t>(k, 1), false, b.data(), std::max<int64_t>(trans_b ? k : n, 1), trans_b,
          c.data(), std::max<int64_t>(n, 1), bias.empty() ? nullptr : bias.data(), false);
  return c;
}

// ---- 16 x 16 int8 tile product ----
//
// Per output row: the row's 16 int8 values as 8 int16 pairs; pair q broadcast to every 32-bit lane and
// multiplied-and-added (pmaddwd) with the packed weight pairs (w[2q][j], w[2q+1][j]) gives
// a[2q] w[2q][j] + a[2q+1] w[2q+1][j] for 4 (SSE2) or 8 (AVX2) columns j at once; eight such steps sum the row.

void pack_tile16(const int8_t* w, int16_t* packed) {
  for (int q = 0; q < kTile16 / 2; ++q) {
    for (int j = 0; j < kTile16; ++j) {
      packed[(q * kTile16 + j) * 2] = w[(2 * q) * kTile16 + j];
      packed[(q * kTile16 + j) * 2 + 1] = w[(2 * q + 1) * kTile16 + j];
    }
  }
}

namespace detail {

void tile16_i8_sse2(const int16_t* packed, const int8_t* a, int64_t rows, int32_t* out, bool accumulate) {
#if defined(__SSE2__)
  const auto* wp = reinterpret_cast<const __m128i*>(packed);  // [q][4 column groups of 4]
  for (int64_t i = 0; i < rows; ++i) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i * kTile16));
    const __m128i half[2] = {_mm_srai_epi16(_mm_unpacklo_epi8(x, x), 8),   // pairs 0..3 as int16
                             _mm_srai_epi16(_mm_unpackhi_epi8(x, x), 8)};  // pairs 4..7
    __m128i acc0 = _mm_setzero_si128(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    const auto step = [&](__m128i pair, int q) {
      acc0 = _mm_add_epi32(acc0, _mm_madd_epi16(pair, _mm_loadu_si128(wp + q * 4)));
      acc1 = _mm_add_epi32(acc1, _mm_madd_epi16(pair, _mm_loadu_si128(wp + q * 4 + 1)));
      acc2 = _mm_add_epi32(acc2, _mm_madd_epi16(pair, _mm_loadu_si128(wp + q * 4 + 2)));
      acc3 = _mm_add_epi32(acc3, _mm_madd_epi16(pair, _mm_loadu_si128(wp + q * 4 + 3)));
    };
    for (int h = 0; h < 2; ++h) {
      step(_mm_shuffle_epi32(half[h], 0x00), 4 * h);
      step(_mm_shuffle_epi32(half[h], 0x55), 4 * h + 1);
      step(_mm_shuffle_epi32(half[h], 0xaa), 4 * h + 2);
      step(_mm_shuffle_epi32(half[h], 0xff), 4 * h + 3);
    }
    auto* o = reinterpret_cast<__m128i*>(out + i * kTile16);
    if (accumulate) {
      acc0 = _mm_add_epi32(acc0, _mm_loadu_si128(o));
      acc1 = _mm_add_epi32(acc1, _mm_loadu_si128(o + 1));
      acc2 = _mm_add_epi32(acc2, _mm_loadu_si128(o + 2));
      acc3 = _mm_add_epi32(acc3, _mm_loadu_si128(o + 3));
    }
    _mm_storeu_si128(o, acc0);
    _mm_storeu_si128(o + 1, acc1);
    _mm_storeu_si128(o + 2, acc2);
    _mm_storeu_si128(o + 3, acc3);
  }
#else
  for (int64_t i = 0; i < rows; ++i) {
    for (int j = 0; j < kTile16; ++j) {
      int32_t sum = 0;
      for (int q = 0; q < kTile16 / 2; ++q) {
        sum += int32_t{a[i * kTile16 + 2 * q]} * packed[(q * kTile16 + j) * 2] +
               int32_t{a[i * kTile16 + 2 * q + 1]} * packed[(q * kTile16 + j) * 2 + 1];
      }
      int32_t& o = out[i * kTile16 + j];
      o = accumulate ? static_cast<int32_t>(static_cast<uint32_t>(o) + static_cast<uint32_t>(sum)) : sum;
    }
  }
#endif
}

#if defined(__x86_64__) || defined(__i386__)
[[gnu::target("avx2")]] void tile16_i8_avx2(const int16_t* packed, const int8_t* a, int64_t rows, int32_t* out,
                                           bool accumulate) {
  const auto* wp = reinterpret_cast<const __m256i*>(packed);  // [q][2 column groups of 8]
  for (int64_t i = 0; i < rows; ++i) {
    const __m256i x = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i * kTile16)));
    const __m256i half[2] = {_mm256_permute2x128_si256(x, x, 0x00),   // pairs 0..3 in both 128-bit lanes
                             _mm256_permute2x128_si256(x, x, 0x11)};  // pairs 4..7
    __m256i acc0 = _mm256_setzero_si256(), acc1 = acc0;
    // (A macro, not a lambda: a lambda would not inherit this function's target("avx2").)
#define CODA_TILE16_STEP(h, imm, q)                                                       \
  do {                                                                                    \
    const __m256i pair = _mm256_shuffle_epi32(half[h], imm);                              \
    acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(pair, _mm256_loadu_si256(wp + (q) * 2)));     \
    acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(pair, _mm256_loadu_si256(wp + (q) * 2 + 1))); \
  } while (0)
    CODA_TILE16_STEP(0, 0x00, 0);
    CODA_TILE16_STEP(0, 0x55, 1);
    CODA_TILE16_STEP(0, 0xaa, 2);
    CODA_TILE16_STEP(0, 0xff, 3);
    CODA_TILE16_STEP(1, 0x00, 4);
    CODA_TILE16_STEP(1, 0x55, 5);
    CODA_TILE16_STEP(1, 0xaa, 6);
    CODA_TILE16_STEP(1, 0xff, 7);
#undef CODA_TILE16_STEP
    auto* o = reinterpret_cast<__m256i*>(out + i * kTile16);
    if (accumulate) {
      acc0 = _mm256_add_epi32(acc0, _mm256_loadu_si256(o));
      acc1 = _mm256_add_epi32(acc1, _mm256_loadu_si256(o + 1));
    }
    _mm256_storeu_si256(o, acc0);
    _mm256_storeu_si256(o + 1, acc1);
  }
}

bool cpu_has_avx2() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return has;
}
#else
void tile16_i8_avx2(const int16_t* packed, const int8_t* a, int64_t rows, int32_t* out, bool accumulate) {
  tile16_i8_sse2(packed, a, rows, out, accumulate);
}
bool cpu_has_avx2() { return false; }
#endif

}  // namespace detail

void tile16_i8(const int16_t* packed, const int8_t* a, int64_t rows, int32_t* out, bool accumulate) {
  if (detail::cpu_has_avx2()) {
    detail::tile16_i8_avx2(packed, a, rows, out, accumulate);
  } else {
    detail::tile16_i8_sse2(packed, a, rows, out, accumulate);
  }
}

// ---- float GEMM ----
//
// Register-blocked: B is packed one strip of kNv vectors (of V, 4 or 8 floats) wide at a time ([k][strip],
// zero-padded), and each 4-row x strip block of C is kept in registers over the whole depth (k), so every
// element is bias + p-ordered products, rounded one step at a time (the contract in gemm.h). The kernel is one
// template: baseline x86-64 builds it with 16-byte vectors (SSE2), and a second instance is compiled for AVX
// (`target("avx")`, 32-byte vectors; AVX has no fused multiply-add, and ISO C++ mode keeps -ffp-contract=off),
// chosen at run time. GCC's vector extensions: `scalar * vector` broadcasts the scalar.

namespace {

typedef float F4 __attribute__((vector_size(16)));
typedef float F8 __attribute__((vector_size(32)));

constexpr int kFr = 4;   // rows per register block
constexpr int kFnv = 2;  // vectors per strip

template <typename V, int R>
[[gnu::always_inline]] inline void micro_f32(int64_t k, const float* __restrict a, int64_t lda,
                                             const float* __restrict bp, float* __restrict ct) {
  constexpr int L = static_cast<int>(sizeof(V) / sizeof(float));
  constexpr int W = kFnv * L;
  V acc[R][kFnv];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
    for (int v = 0; v < kFnv; ++v) std::memcpy(&acc[r][v], ct + r * W + v * L, sizeof(V));
  for (int64_t p = 0; p < k; ++p) {
    V b[kFnv];
#pragma GCC unroll 2
    for (int v = 0; v < kFnv; ++v) std::memcpy(&b[v], bp + p * W + v * L, sizeof(V));
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const float x = a[r * lda + p];
#pragma GCC unroll 2
      for (int v = 0; v < kFnv; ++v) acc[r][v] += x * b[v];
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
    for (int v = 0; v < kFnv; ++v) std::memcpy(ct + r * W + v * L, &acc[r][v], sizeof(V));
}

template <typename V>
[[gnu::always_inline]] inline void gemm_f32_blocked(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                                                    const float* b, int64_t ldb, float* c, int64_t ldc,
                                                    const float* bias) {
  constexpr int64_t W = kFnv * static_cast<int64_t>(sizeof(V) / sizeof(float));
  if (m <= 0 || n <= 0) return;
  thread_local std::vector<float> pack;
  if (static_cast<int64_t>(pack.size()) < k * W) pack.resize(static_cast<size_t>(k * W));
  float* bp = pack.data();
  alignas(32) float ct[kFr * W];
  for (int64_t j0 = 0; j0 < n; j0 += W) {
    const int64_t nb = std::min(W, n - j0);
    for (int64_t p = 0; p < k; ++p) {
      std::memcpy(bp + p * W, b + p * ldb + j0, static_cast<size_t>(nb) * sizeof(float));
      std::fill(bp + p * W + nb, bp + (p + 1) * W, 0.0f);
    }
    for (int64_t i0 = 0; i0 < m; i0 += kFr) {
      const int64_t rows = std::min<int64_t>(kFr, m - i0);
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t j = 0; j < W; ++j) ct[r * W + j] = (bias != nullptr && j < nb) ? bias[j0 + j] : 0.0f;
      }
      const float* ai = a + i0 * lda;
      if (rows == kFr) {
        micro_f32<V, kFr>(k, ai, lda, bp, ct);
      } else {
        for (int64_t r = 0; r < rows; ++r) micro_f32<V, 1>(k, ai + r * lda, lda, bp, ct + r * W);
      }
      for (int64_t r = 0; r < rows; ++r)
        std::memcpy(c + (i0 + r) * ldc + j0, ct + r * W, static_cast<size_t>(nb) * sizeof(float));
    }
  }
}

}  // namespace

namespace detail {

void gemm_f32_sse2(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                   float* c, int64_t ldc, const float* bias) {
  gemm_f32_blocked<F4>(m, n, k, a, lda, b, ldb, c, ldc, bias);
}

#if defined(__x86_64__) || defined(__i386__)
[[gnu::target("avx")]] void gemm_f32_avx(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                                         const float* b, int64_t ldb, float* c, int64_t ldc, const float* bias) {
  gemm_f32_blocked<F8>(m, n, k, a, lda, b, ldb, c, ldc, bias);
}

bool cpu_has_avx() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx") != 0;
  }();
  return has;
}
#else
void gemm_f32_avx(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                  float* c, int64_t ldc, const float* bias) {
  gemm_f32_blocked<F8>(m, n, k, a, lda, b, ldb, c, ldc, bias);
}
bool cpu_has_avx() { return false; }
#endif

}  // namespace detail

void gemm_f32(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
              int64_t ldc, const float* bias) {
  if (detail::cpu_has_avx()) {
    detail::gemm_f32_avx(m, n, k, a, lda, b, ldb, c, ldc, bias);
  } else {
    detail::gemm_f32_sse2(m, n, k, a, lda, b, ldb, c, ldc, bias);
  }
}

}  // namespace coda::models
