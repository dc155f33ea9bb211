// LoopUnroller (Gemmini's LoopMatmul): expands LOOP_WS macro-instructions into mvin/preload/compute/mvout
// commands, lazily, one phase at a time. Loads run one k-step ahead of the computes that need them. Gemmini
// runs two loop units concurrently, so one tile's stores overlap the next tile's loads and computes: the
// prologue of the next loop (its bias and first loads) is issued before this loop's stores, and the stores
// are then spread over the next loop's compute stream at the pace the DMA can drain them (one mvout per
// ceil(mvout bytes / bus bytes / DIM) preload+compute pairs), so that a full store queue does not block
// the in-order reservation station. Other commands pass through unchanged (after any pending stores).
#pragma once

#include <cstdint>
#include <vector>

#include "sim/config/hw_config.h"
#include "sim/engine/command_source.h"

namespace coda::engine {

class LoopUnroller final : public CommandSource {
 public:
  LoopUnroller(const config::HwConfig& hw, CommandSource& inner);
  bool next(isa::Command& cmd) override;
  const isa::LoopWsArgs& loop_args(uint32_t index) const override { return inner_.loop_args(index); }

 private:
  struct Loop {
    isa::LoopWsArgs a;
    uint32_t op = 0;
    uint32_t k = 0;  // next k-step of the body
  };
  bool refill();
  void lookahead();
  void load(uint32_t op, isa::Opcode opcode, uint64_t dram, isa::LocalAddr local, uint32_t rows, uint32_t cols);
  uint32_t span(uint32_t first, uint32_t n, uint32_t count, uint16_t pad) const;
  void prologue(const Loop& l);
  void loads_for_k(const Loop& l, uint32_t k);
  void body(Loop& l);
  void epilogue(const Loop& l);   // queues the loop's stores (config_st + mvouts) as pending
  void flush_stores();            // emits every pending store
  void maybe_store();             // emits one pending store at the configured pace
  uint32_t bsize(uint32_t idx, uint32_t n, uint16_t pad) const { return idx + 1 == n ? uint32_t(dim_) - pad : uint32_t(dim_); }

  CommandSource& inner_;
  int64_t dim_;
  uint32_t block_len_;            // scratchpad blocks per mvin
  std::vector<isa::Command> buf_; // the current phase's commands (capacity reused)
  size_t pos_ = 0;
  Loop cur_, nxt_;
  bool has_cur_ = false, has_nxt_ = false, cur_prologue_done_ = false;
  bool has_held_ = false;         // a non-loop command read ahead from the inner stream
  isa::Command held_;
  bool inner_done_ = false;
  // Stores of the previous loop, spread over the next loop's computes (the second loop unit).
  std::vector<isa::Command> stores_;
  size_t store_pos_ = 0;
  uint32_t store_interval_ = 1;   // compute pairs per pending store
  uint32_t pairs_ = 0;
  uint32_t bus_bytes_;
};

}  // namespace coda::engine
