#include "sim/compiler/tiling.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace coda::compiler {

TileShape GemminiAutoTiling::choose(const models::MatMulShape& mm, const config::HwConfig& hw, bool whole_rows) const {
  const int64_t dim = hw.dim();
  const auto blocks = [dim](int64_t n) { return (n + dim - 1) / dim; };
  const int64_t bi = blocks(mm.m), bj = blocks(mm.n), bk = blocks(mm.k);
  const int64_t sp_budget = hw.sp_rows() / 2;   // rows for one buffer of A and B
  const int64_t acc_budget = hw.acc_rows() / 2; // rows for one buffer of C
  const auto fits = [&](int64_t i, int64_t j, int64_t k) {
    return (i * k + k * j) * dim <= sp_budget && i * j * dim <= acc_budget;
  };
  if (whole_rows) {
    // The whole output row in the accumulator: tile_I = 1, tile_J = all of N, tile_K = 1.
    return {1, bj, 1};
  }
  // Largest square (in blocks) that fits, clipped to the problem.
  int64_t s = static_cast<int64_t>(std::sqrt(double(acc_budget / dim)));
  while (s > 1 && !fits(s, s, 1)) --s;
  TileShape t{std::min(bi, std::max<int64_t>(1, s)), std::min(bj, std::max<int64_t>(1, s)), 1};
  const int64_t kmax = std::max<int64_t>(1, (sp_budget / dim) / std::max<int64_t>(1, t.i + t.j));
  t.k = std::min(bk, kmax);
  while (!fits(t.i, t.j, t.k) && t.k > 1) --t.k;
  // Grow J, then I, then K while everything fits.
  for (bool grew = true; grew;) {
    grew = false;
    if (t.j < bj && fits(t.i, t.j + 1, t.k)) { ++t.j; grew = true; }
    else if (t.i < bi && fits(t.i + 1, t.j, t.k)) { ++t.i; grew = true; }
    else if (t.k < bk && fits(t.i, t.j, t.k + 1)) { ++t.k; grew = true; }
  }
  return t;
}

std::unique_ptr<TilingPolicy> make_tiling(const std::string& name) {
  if (name == "gemmini-auto" || name.empty()) return std::make_unique<GemminiAutoTiling>();
  if (name == "block") return std::make_unique<BlockTiling>();
  throw std::invalid_argument("unknown tiling policy '" + name + "' (choices: gemmini-auto, block)");
}

}  // namespace coda::compiler
