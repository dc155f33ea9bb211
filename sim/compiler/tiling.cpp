#include "sim/compiler/tiling.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace coda::compiler {

TileShape GemminiAutoTiling::choose(const models::MatMulShape& mm, const config::HwConfig& hw, bool whole_rows) const {
  const int64_t dim = hw.dim();
  const auto blocks = [dim](int64_t n) { return (n + dim - 1) / dim; };
  const int64_t bi = blocks(mm.m), bj = blocks(mm.n), bk = blocks(mm.k);
  if (whole_rows) {
    // The whole output row in the accumulator: tile_I = 1, tile_J = all of N, tile_K = 1.
    return {1, bj, 1};
  }
  // Double-buffered (gemmini.h tiled_matmul_auto): one buffer is half the scratchpad (A and B tiles) and half
  // the accumulator (C tile).
  const int64_t max_spad_rows = hw.sp_rows() / 2, max_acc_rows = hw.acc_rows() / 2;
  const auto spad_fits = [&](int64_t i, int64_t j, int64_t k) { return (i * k + k * j) * dim <= max_spad_rows; };
  const auto acc_fits = [&](int64_t i, int64_t j) { return i * j * dim <= max_acc_rows; };
  // Start from the largest square of C blocks the buffer holds and the K that fills half of the A/B buffer
  // alongside it (db_max_tile_i_j, db_max_tile_k), clipped to the problem.
  const int64_t mats_in_partition = max_spad_rows / 2 / dim, mats_in_acc = max_acc_rows / dim;
  const int64_t max_ij = std::max<int64_t>(1, static_cast<int64_t>(std::sqrt(double(mats_in_acc))));
  const int64_t max_k = std::max<int64_t>(1, mats_in_partition / max_ij);
  TileShape t{std::min(bi, max_ij), std::min(bj, max_ij), std::min(bk, max_k)};
  // Tiny memories (not a Gemmini configuration): shrink until one buffer holds the tile.
  while (!spad_fits(t.i, t.j, t.k) && t.k > 1) --t.k;
  while (!(spad_fits(t.i, t.j, t.k) && acc_fits(t.i, t.j)) && (t.i > 1 || t.j > 1)) (t.i >= t.j ? t.i : t.j) -= 1;
  // Fill the buffers: each pass tries J, then I, then K, one block each.
  for (bool grew = true; grew;) {
    grew = false;
    if (t.j < bj && spad_fits(t.i, t.j + 1, t.k) && acc_fits(t.i, t.j + 1)) { ++t.j; grew = true; }
    if (t.i < bi && spad_fits(t.i + 1, t.j, t.k) && acc_fits(t.i + 1, t.j)) { ++t.i; grew = true; }
    if (t.k < bk && spad_fits(t.i, t.j, t.k + 1)) { ++t.k; grew = true; }
  }
  return t;
}

std::unique_ptr<TilingPolicy> make_tiling(const std::string& name) {
  if (name == "gemmini-auto" || name.empty()) return std::make_unique<GemminiAutoTiling>();
  if (name == "block") return std::make_unique<BlockTiling>();
  throw std::invalid_argument("unknown tiling policy '" + name + "' (choices: gemmini-auto, block)");
}

}  // namespace coda::compiler
