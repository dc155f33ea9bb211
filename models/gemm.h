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

}  // namespace coda::models
