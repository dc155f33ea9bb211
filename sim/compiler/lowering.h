// Lowering: the op graph becomes a lazily produced command stream (LOOP_WS macros for MatMuls, host ops
// for what the accelerator cannot run). DRAM tensors get addresses from a bump allocator; the plan is kept
// so that functional mode can initialise inputs and --verify can find every op's operands.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/ibert.h"
#include "models/op_graph.h"
#include "sim/compiler/schedule.h"
#include "sim/compiler/tiling.h"
#include "sim/config/hw_config.h"
#include "sim/engine/command_source.h"

namespace coda::compiler {

// Where an op's operands live in DRAM.
struct TensorRef {
  uint64_t addr = 0;
  uint64_t stride = 0;  // bytes per row
  int64_t rows = 0, cols = 0;
  models::DType type = models::DType::Int8;
  bool external = false;  // a graph input or weight (initialised by functional mode), not produced by an op
};

enum class Placement : uint8_t { Accelerator, Fused, Host };

struct OpPlan {
  Placement placement = Placement::Host;
  TensorRef a, b, d, c;          // MatMul operands (d: bias row); c: output
  // Batch element e = outer * heads + head starts at addr + outer * *_outer_offset + head * *_batch_offset
  // (A and B offsets in bytes, C offsets in elements); attention heads are column slices of the projections.
  uint64_t a_batch_offset = 0, b_batch_offset = 0, c_batch_offset = 0;
  int64_t heads = 1;
  uint64_t a_outer_offset = 0, b_outer_offset = 0, c_outer_offset = 0;
  bool c_full = true;            // int32 output (false: requantized int8 via the accumulator scale)
  models::Dyadic scale{1, 0};
  TileShape tile;
  uint64_t host_cycles = 0;

  // DRAM addresses of batch element `batch`'s A, B and C (the one place this layout is computed).
  struct Bases {
    uint64_t a, b, c;
  };
  Bases bases(int64_t batch) const;
};

struct LoweringOptions {
  std::string tiling = "gemmini-auto";
  bool fuse_requant = true;      // requantization on the mvout path (the accumulator's scale)
  isa::Dataflow dataflow = isa::Dataflow::WS;
  Schedule schedule;             // fusion points (effective only with the transformer units)
};

class Lowering final : public engine::CommandSource {
 public:
  Lowering(const models::OpGraph& graph, const config::HwConfig& hw, LoweringOptions options = {});

  bool next(isa::Command& cmd) override;
  const isa::LoopWsArgs& loop_args(uint32_t) const override { return loop_; }
  void rewind();

  const std::vector<OpPlan>& plans() const { return plans_; }
  uint64_t memory_bytes() const { return memory_bytes_; }
  const TilingPolicy& tiling() const { return *tiling_; }

 private:
  void plan();
  uint64_t alloc(uint64_t bytes);
  uint64_t host_cost(const models::Op& op) const;
  bool emit_loop(isa::Command& cmd);

  const models::OpGraph& graph_;
  const config::HwConfig& hw_;
  LoweringOptions options_;
  std::unique_ptr<TilingPolicy> tiling_;
  std::vector<OpPlan> plans_;
  uint64_t memory_bytes_ = 0;
  // Stream state.
  size_t op_ = 0;
  bool op_started_ = false;
  int64_t batch_ = 0, i0_ = 0, j0_ = 0, k0_ = 0;
  int64_t ti_ = 0, tj_ = 0, tk_ = 0;  // tile counts
  uint32_t sp_half_ = 0, acc_half_ = 0;
  isa::LoopWsArgs loop_;
};

}  // namespace coda::compiler
