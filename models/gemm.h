// The int8 reference GEMM: C[int32] = A[int8] x B[int8] (+ int32 bias row) (+ C), bit-exact.
//
// Used by the simulator's functional mode on DIM x DIM tiles and by --verify on whole matrices. Portable C++
// written so that g++ -O2/-O3 auto-vectorizes the inner kernel for the x86-64 baseline (SSE2 pmaddwd) without
// -march flags: operands are packed to int16 panels (A row-wise, B column-wise, K contiguous and zero-padded),
// a 4 x 2 register block of dot products runs over fixed-length K blocks, and the loops are blocked for cache.
// Scratch buffers are thread-local and grow-only, so repeated calls (e.g. per tile) do not allocate.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace coda::models {

// C = A * B (+ bias broadcast over rows) (+ C when accumulate).
//
// Shapes: A is logically m x k, B is k x n, C is m x n; all row-major with leading dimensions (the distance in
// elements between consecutive stored rows):
//   trans_a == false: A(i, p) = a[i * lda + p]  (lda >= k)     trans_a == true: A(i, p) = a[p * lda + i]  (lda >= m)
//   trans_b == false: B(p, j) = b[p * ldb + j]  (ldb >= n)     trans_b == true: B(p, j) = b[j * ldb + p]  (ldb >= k)
//   C(i, j) = c[i * ldc + j]  (ldc >= n)
// bias: nullptr or n int32 values added to every row. accumulate: add to the existing C instead of overwriting.
// Arithmetic: exact integer sums, reduced modulo 2^32 (two's complement wrap, as an int32 accumulator does);
// no wrap can occur while |C_in + bias + sum| < 2^31 (e.g. k <= 131071 without bias/accumulate).
// m, n, k >= 0 (k == 0 gives C = bias (+ C)). C must not overlap A, B or bias. Throws std::invalid_argument on
// negative sizes, too-small leading dimensions or null pointers for non-empty operands.
void gemm_i8(int64_t m, int64_t n, int64_t k, const int8_t* a, int64_t lda, bool trans_a, const int8_t* b,
             int64_t ldb, bool trans_b, int32_t* c, int64_t ldc, const int32_t* bias = nullptr,
             bool accumulate = false);

// Convenience: dense row-major A (m x k) times B (k x n, or n x k when trans_b) into a new m x n matrix.
std::vector<int32_t> matmul_i8(std::span<const int8_t> a, std::span<const int8_t> b, int64_t m, int64_t k, int64_t n,
                               bool trans_b = false, std::span<const int32_t> bias = {});

// ---- float GEMM (the float executor's and the calibration's matrix product) ----
//
// C = A * B (+ bias broadcast over rows); row-major, no transposes: A(i, p) = a[i * lda + p], B(p, j) =
// b[p * ldb + j], C(i, j) = c[i * ldc + j]; bias nullptr or n floats.
// Rounding contract (what makes the result bit-identical on every x86-64 machine and with every code path):
// each C(i, j) is computed as s = bias[j] (0.0f without bias), then for p = 0, 1, ..., k-1 in that order
// s = s + float(A(i, p) * B(p, j)), every product and sum rounded to float separately (no fused multiply-add,
// no reassociation), exactly like the scalar loop `for (p) s += a * b;`. Only how many elements are computed
// side by side differs between the paths (SSE2: 4 x 8 register blocks; AVX, picked at run time when the CPU
// has it: 4 x 16), never the arithmetic of one element.
// m, n, k >= 0 (callers check shapes); C must not overlap A, B or bias.
void gemm_f32(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
              int64_t ldc, const float* bias = nullptr);

// ---- 16 x 16 int8 tile product (the functional mesh's kernel, DIM = 16) ----
//
// out[i][j] = sum_k a[i][k] * w[k][j] (accumulate: out[i][j] += that sum, wrapping mod 2^32) for i < rows and
// j, k < 16: a is rows x 16 int8 (row-major, stride 16), w 16 x 16 int8, out rows x 16 int32 (stride 16, every
// element written). Exact: |a w| <= 2^14, so every sum fits int32 and the order of the additions cannot matter. The weights are packed once (pack_tile16: 256 int16
// as k-pairs, [k / 2][j][k % 2]) and reused by every row block streamed through them, as a weight-stationary
// mesh does. SSE2 (pmaddwd) on the x86-64 baseline; AVX2 when the CPU has it (chosen at run time).
inline constexpr int kTile16 = 16;
void pack_tile16(const int8_t* w, int16_t* packed);
void tile16_i8(const int16_t* packed, const int8_t* a, int64_t rows, int32_t* out, bool accumulate = false);

namespace detail {
void tile16_i8_sse2(const int16_t* packed, const int8_t* a, int64_t rows, int32_t* out, bool accumulate);
void tile16_i8_avx2(const int16_t* packed, const int8_t* a, int64_t rows, int32_t* out, bool accumulate);
bool cpu_has_avx2();
// The two code paths of gemm_f32, for tests (the AVX one only when cpu_has_avx()).
void gemm_f32_sse2(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                   float* c, int64_t ldc, const float* bias);
void gemm_f32_avx(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                  float* c, int64_t ldc, const float* bias);
bool cpu_has_avx();
}  // namespace detail

}  // namespace coda::models
