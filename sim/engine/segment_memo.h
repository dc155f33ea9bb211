// Exact memoization of fence-delimited segments.
//
// The lowering puts a fence before every op that reads another op's output from DRAM, and host ops fence too.
// After a fence (or a host op) the engine is quiescent: nothing is pending and nothing dispatches before the
// barrier. A segment is the run of commands from such a point up to and including the next fence or host op (or
// the end of the stream). BERT's layers, and the Q/K/V projections within a layer, give many segments whose
// commands are the same up to DRAM addresses and op ids. When both the engine's state at the start of a segment
// (written relative to the barrier and to the command count, segment_state.h) and the segment's commands
// (op ids numbered by first appearance, DRAM addresses modulo the power of two the DMA's request splitting can
// see) equal those of a segment simulated earlier, the outcome is that segment's shifted in time: the memo then
// skips the segment (without unrolling its loops) and applies the recorded outcome instead — the per-op timings,
// energy actions and counters as deltas, and the end state, restored relative to the new barrier.
//
// The memo sits between the lowering and the loop unroller as a CommandSource: at a quiescent point the engine
// calls boundary(), which reads the next segment's commands from the lowering (macro-level: LOOP_WS, not what it
// unrolls to) and either replays it or lets it through to be simulated (and records its outcome at the next
// boundary). The engine uses it only in timing mode with its own DRAM model and no observers (Engine::run).
// docs/validation.md has the argument why the result is byte-identical to a full simulation.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "sim/config/hw_config.h"
#include "sim/engine/command_source.h"
#include "sim/engine/engine_context.h"

namespace coda::engine {

class Engine;

class SegmentMemo final : public CommandSource {
 public:
  SegmentMemo(const config::HwConfig& hw, CommandSource& inner);

  // CommandSource: the commands of the segment read ahead (if any), then the inner stream's.
  bool next(isa::Command& cmd) override;
  const isa::LoopWsArgs& loop_args(uint32_t index) const override;
  void attach(DispatchView* view) override { inner_.attach(view); }
  uint64_t arrival() const override { return inner_.arrival(); }
  bool ready() override { return pos_ < buf_.size() || inner_.ready(); }

  struct Stats {
    uint64_t segments_replayed = 0;  // segments skipped and replayed from an earlier one
    uint64_t segments_recorded = 0;  // segments simulated and recorded
    uint64_t commands_replayed = 0;  // commands dispatched by the replayed segments
    uint64_t segments_exact = 0;     // recorded under the key with the older producers' ages (they could matter)
    uint64_t replayed_exact = 0;     // replayed from such a segment
    // Segments simulated without a lookup: the engine was not at a describable quiescent point, the segment was
    // longer than the read-ahead cap, a time after the barrier was stored, or another condition (see boundary()).
    uint64_t skipped_not_quiescent = 0, skipped_long = 0, skipped_busy = 0, skipped_other = 0;
  };
  const Stats& stats() const { return stats_; }

  // Engine hooks: at a quiescent point (after a fence or a host op), and at the end of the run.
  void boundary(Engine& e);
  void finish(Engine& e);

 private:
  // The outcome of one simulated segment.
  struct Entry {
    std::vector<uint64_t> key;  // start state, then the normalised commands
    std::vector<uint64_t> end;  // end state relative to the start barrier and the end's seq
    uint64_t commands = 0;      // commands dispatched (seq advance)
    Counters counters;          // deltas
    uint64_t dram_busy_fp = 0;
    Actions other_actions;
    std::vector<OpTiming> ops;  // per op (first-appearance order), times relative to the start barrier
  };
  struct Recording {
    bool on = false;
    uint64_t barrier = 0, seq = 0, dram_busy_fp = 0;
    Counters counters;
    Actions other_actions;
    std::vector<uint32_t> ops;
    std::vector<uint64_t> key, key_exact;
    uint64_t hash = 0, hash_exact = 0;
  };

  void read_segment(bool& complete);
  bool make_key(Engine& e, bool exact, bool preload_output_dead, std::vector<uint64_t>& key);
  const Entry* find(const std::vector<uint64_t>& key, uint64_t& hash) const;
  void check_commands(int64_t dim, bool& lengths_ok, bool& has_loop, bool& raw_ex) const;
  void encode_commands(std::vector<uint64_t>& key, std::vector<uint32_t>& ops) const;
  void finish_recording(Engine& e);
  void replay(Engine& e, const Entry& entry, const std::vector<uint32_t>& ops);

  CommandSource& inner_;
  uint64_t addr_mod_mask_;  // DRAM addresses matter to timing only modulo this + 1 (dma.h request splitting)
  bool inner_done_ = false;
  // Read-ahead commands (a LOOP_WS's `loop` indexes args_), yielded from pos_.
  std::vector<isa::Command> buf_;
  std::vector<isa::LoopWsArgs> args_;
  size_t pos_ = 0;
  bool last_from_buf_ = false;
  // Scratch for the key of the segment at hand.
  std::vector<uint64_t> key_, key_exact_;
  std::vector<uint32_t> ops_;
  std::vector<Entry> entries_;
  std::unordered_map<uint64_t, std::vector<uint32_t>> index_;  // key hash -> entries
  Recording rec_;
  size_t stored_words_ = 0;
  Stats stats_;
};

}  // namespace coda::engine
