// Tiling policies: how a MatMul is cut into LOOP_WS tiles. A policy is an object so that other tilings can
// be plugged in and compared (`--tiling`).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "models/op_graph.h"
#include "sim/config/hw_config.h"

namespace coda::compiler {

// Tile factors in DIM blocks.
struct TileShape {
  int64_t i = 1, j = 1, k = 1;
};

class TilingPolicy {
 public:
  virtual ~TilingPolicy() = default;
  virtual std::string name() const = 0;
  // `whole_rows`: the epilogue needs whole output rows in the accumulator (LayerNorm/softmax fusion).
  virtual TileShape choose(const models::MatMulShape& mm, const config::HwConfig& hw, bool whole_rows) const = 0;
};

// Gemmini's tiled_matmul_auto (gemmini.h): double-buffered budget (half the scratchpad rows for the A and B
// tiles, half the accumulator rows for C); start from the largest square of C blocks and the K that fills half
// of the A/B buffer beside it, then in each pass try to grow J, I and K by one block, until none grows.
class GemminiAutoTiling final : public TilingPolicy {
 public:
  std::string name() const override { return "gemmini-auto"; }
  TileShape choose(const models::MatMulShape& mm, const config::HwConfig& hw, bool whole_rows) const override;
};

// One DIM x DIM x DIM block per tile: no reuse in the scratchpad (a lower bound for comparisons).
class BlockTiling final : public TilingPolicy {
 public:
  std::string name() const override { return "block"; }
  TileShape choose(const models::MatMulShape&, const config::HwConfig&, bool) const override { return {}; }
};

std::unique_ptr<TilingPolicy> make_tiling(const std::string& name);  // throws std::invalid_argument

}  // namespace coda::compiler
