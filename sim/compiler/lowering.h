// Lowering: the op graph becomes a lazily produced command stream. MatMuls become LOOP_WS macros; with the
// transformer units (normalizer + activation units) softmax, LayerNorm, the residual adds and i-GELU run on the
// accelerator, fused into the producing matmul's output path or as separate passes over DRAM, as the schedule
// asks and the hardware allows; without them they run on the host core. DRAM tensors get addresses from a bump
// allocator; the plan is kept so that functional mode can initialise inputs and --verify can find every op's
// operands and output.
#pragma once

#include <array>
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

inline constexpr uint32_t kNoOp = 0xFFFFFFFFu;

// Where an op's operands live in DRAM: a row-major matrix.
struct TensorRef {
  uint64_t addr = 0;
  uint64_t stride = 0;  // bytes per row
  int64_t rows = 0, cols = 0;
  models::DType type = models::DType::Int8;
  bool external = false;  // a graph input or weight (initialised by functional mode), not produced by an op
};

enum class Placement : uint8_t {
  Accelerator,  // a MatMul's LOOP_WS stream
  Fused,        // on another op's output path (requant on the mvout scale, softmax/LayerNorm/GELU on a matmul's
                // accumulator, a residual add as an accumulating load before its LayerNorm)
  Pass,         // a separate accelerator pass: the producer's int32 output is read back from DRAM
  Host,         // the host core, over DRAM
};
const char* placement_name(Placement p);  // "accelerator", "fused", "pass", "host"

struct OpPlan {
  Placement placement = Placement::Host;
  TensorRef a, b, d, c;          // MatMul operands (d: bias row); c: output. Other ops: a, b inputs, c output.
  bool c_in_dram = true;         // the output tensor is written to DRAM (false when a fused consumer takes it)
  // Batch element e = outer * heads + head starts at addr + outer * *_outer_offset + head * *_batch_offset
  // (A and B offsets in bytes, C offsets in elements); attention heads are column slices of the projections.
  uint64_t a_batch_offset = 0, b_batch_offset = 0, c_batch_offset = 0;
  int64_t heads = 1;
  uint64_t a_outer_offset = 0, b_outer_offset = 0, c_outer_offset = 0;
  bool c_full = true;            // int32 output (false: requantized int8 via the accumulator scale)
  models::Dyadic scale{1, 0};    // requant: its dyadic; resadd: the skip operand's rescale; producers: mvout scale
  TileShape tile;
  uint64_t host_cycles = 0;
  // Transformer units.
  uint32_t fused_into = kNoOp;   // Fused ops: the op whose stream carries them
  uint32_t row_op = kNoOp;       // MatMul / Pass: softmax or LayerNorm applied per output row (normalizer)
  uint32_t res_op = kNoOp;       // LayerNorm producer / pass: the residual add folded in before the LayerNorm
  bool gelu = false;             // MatMul / Pass: i-GELU on the mvout path
  bool acc_single = false;       // whole-row tiles that fit the accumulator only without double buffering
  bool causal = false;           // softmax: causal mask

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
  // The graph input (int8 [tokens][hidden]) read by layer 0, when the graph has layers and no embedding.
  const TensorRef& graph_input() const { return input_; }
  // What happened at each fusion point (over all layers).
  const std::array<FusionDecision, kNumFusionPoints>& decisions() const { return decisions_; }
  // Sets an op's dyadic scale (requant: its multiplier, resadd: the skip rescale) and the mvout scale of the op
  // it is fused into. Functional mode calls it with the calibrated I-BERT scales before streaming.
  void set_scale(uint32_t op, models::Dyadic scale);

 private:
  void plan();
  uint64_t alloc(uint64_t bytes);
  TensorRef new_tensor(int64_t rows, int64_t cols, models::DType type);
  uint64_t host_cost(const models::Op& op) const;
  // Accumulator rows a whole-row group of `cols` columns needs (DIM rows x cols, in DIM-wide accumulator rows).
  int64_t row_group_acc_rows(int64_t cols) const;
  void decide(FusionPoint p, bool applied, const std::string& reason);
  bool emit_loop(isa::Command& cmd);
  void emit_row_op(uint32_t row_op, uint32_t res_op, uint32_t acc_base, int64_t row0, int64_t rows, int64_t row_in_head);
  void emit_pass_group();
  void load_acc(uint32_t op, const TensorRef& t, int64_t row0, int64_t col0, int64_t rows, int64_t cols,
                uint32_t acc_row, bool accumulate, const models::Dyadic* int8_scale);
  int64_t gelu_chunk(const models::Op& op) const;
  int64_t pass_segment(const models::Op& op) const;
  int64_t pass_groups(const models::Op& op) const;
  void push(const isa::Command& c) { pending_.push_back(c); }

  const models::OpGraph& graph_;
  const config::HwConfig& hw_;
  LoweringOptions options_;
  std::unique_ptr<TilingPolicy> tiling_;
  std::vector<OpPlan> plans_;
  TensorRef input_;
  std::array<FusionDecision, kNumFusionPoints> decisions_{};
  std::array<bool, kNumFusionPoints> seen_{};
  uint64_t memory_bytes_ = 0;
  // Stream state.
  size_t op_ = 0;
  bool op_started_ = false;
  bool fenced_ = false;               // the current op's leading fence was emitted
  int64_t batch_ = 0, i0_ = 0, j0_ = 0, k0_ = 0;
  int64_t ti_ = 0, tj_ = 0, tk_ = 0;  // tile counts
  int64_t group_ = 0;                 // Pass ops: next row group
  uint32_t sp_half_ = 0, acc_half_ = 0;
  isa::LoopWsArgs loop_;
  std::vector<isa::Command> pending_;  // commands queued behind the current one (row ops, pass groups)
  size_t pending_pos_ = 0;
};

}  // namespace coda::compiler
