// LoopUnroller (Gemmini's LoopMatmul): expands LOOP_WS macro-instructions into config/mvin/preload/compute/mvout
// commands the way the hardware does. Up to two loops are held at once (concurrent_loops = 2; each owns half of
// the scratchpad and of the accumulator, as the lowering lays them out). Five sub-units walk the loops in order,
// each producing its own command stream:
//   ldA  A blocks (k-groups outer, i inner)         ldB  B blocks (k outer, j inner)
//   ldD  bias blocks into the accumulator            ex   preload/compute pairs (k outer, j, i inner)
//   stC  mvouts of the finished C blocks (j outer, i inner)
// They are synchronised by loop-level progress, not by program order: ex sends the pair (k, j, i) of a loop only
// once ldA and ldB have sent the blocks it reads (and ldD all of its bias); stC sends block (i, j) once ex has
// sent the last k-step's compute for it; a sub-unit moves on to the next loop when it is done with its part of
// the current one, so loads of loop n+1 overlap the computes of loop n, and those overlap the stores of loop n-1.
// A third loop is accepted only when every sub-unit is done with the oldest one. Commands that are not loops
// pass through only when no loop is held.
//
// Each cycle one command enters the reservation station: among the sub-units that have a command and whose
// controller type has a free entry (the hardware's ld/ex/st utilization signals, here DispatchView), the
// arbiter takes stC, then ex, then ldD, then the ldA/ldB arbiter's choice (Gemmini's WeightedArbiter with a
// static weight: the sub-unit on the older loop first; within a loop B opens, then whichever is behind in k,
// A on ties). Config commands are sent when a stream's setting changes (gemmini.h configures the load and
// store strides once per matmul, outside the tile loops).
#pragma once

#include <array>
#include <cstdint>

#include "sim/config/hw_config.h"
#include "sim/engine/command_source.h"
#include "sim/engine/segment_state.h"

namespace coda::engine {

class Engine;

class LoopUnroller final : public CommandSource {
 public:
  LoopUnroller(const config::HwConfig& hw, CommandSource& inner);
  bool next(isa::Command& cmd) override {
    const isa::Command* c = next_ptr();
    if (!c) return false;
    cmd = *c;
    return true;
  }
  // The next command in place (valid until the next call), or null at the end of the stream. The engine calls
  // this once per command, through the final class (no virtual call, no copy).
  const isa::Command* next_ptr();
  const isa::LoopWsArgs& loop_args(uint32_t index) const override { return inner_.loop_args(index); }
  void attach(DispatchView* view) override;
  // The arrival of the LOOP_WS (or passed-through command) that the command last produced comes from.
  uint64_t arrival() const override { return arrival_; }

  // Segment memo (segment_memo.h): whether the unroller holds nothing (no loop, no command read ahead), and
  // then its only state that shapes what it sends next: the stream settings it last sent (a loop skips a config
  // command whose setting is already in place). The loop slots and counters are only labels.
  bool idle() const { return retired_ == accepted_ && !has_held_ && !inner_done_; }
  void save(StateWriter& w) const {
    for (const LdConfig& c : ld_cfg_) w.put(uint64_t(c.valid) | uint64_t(c.stride) << 32);
    w.put(uint64_t(st_cfg_.valid) | uint64_t(st_cfg_.stride) << 32);
    w.put(uint64_t(st_cfg_.act) | uint64_t(st_cfg_.shift) << 8 | uint64_t(uint32_t(st_cfg_.mult)) << 32);
  }
  void load(StateReader& r) {
    for (LdConfig& c : ld_cfg_) {
      const uint64_t v = r.get();
      c = LdConfig{bool(v & 1), uint32_t(v >> 32)};
    }
    const uint64_t a = r.get(), b = r.get();
    st_cfg_ = StConfig{bool(a & 1), uint32_t(a >> 32), isa::Activation(b & 0xff), int32_t(uint32_t(b >> 32)),
                       uint8_t(b >> 8)};
  }

 private:
  static constexpr uint64_t kConcurrentLoops = 2;
  // Sub-units, in the global arbiter's priority order.
  enum Unit : uint8_t { kStC = 0, kEx, kLdD, kLdA, kLdB, kUnits };
  struct Loop {
    isa::LoopWsArgs a;
    uint32_t op = 0;
    uint64_t arrival = 0;
  };
  // Where a sub-unit is: the loop (sequence number) and its iterators. `cfg`: this loop's config is done.
  struct Pos {
    uint64_t loop = 0;
    uint32_t k = 0, j = 0, i = 0;
    bool pre = true;   // ex: the preload of the pair is next (else its compute)
    bool cfg = false;
  };
  // Last config sent per load stream (A, B, D) and for stores.
  struct LdConfig {
    bool valid = false;
    uint32_t stride = 0;
  };
  struct StConfig {
    bool valid = false;
    uint32_t stride = 0;
    isa::Activation act = isa::Activation::None;
    int32_t mult = 1;
    uint8_t shift = 0;
  };

  const Loop& loop_of(Unit u) const { return loops_[pos_[u].loop % kConcurrentLoops]; }
  bool active(Unit u) const { return pos_[u].loop < accepted_; }
  uint64_t retired() const { return retired_; }  // loops every sub-unit is done with
  void update_retired();                         // after a sub-unit moved to another loop
  bool has_work(Unit u, const Loop& l) const;
  void fetch();                                  // reads the next inner command if none is held
  void accept();                                 // takes held LOOP_WS commands while a loop slot is free
  void skip_idle();                              // moves sub-units past loops they have nothing to do in
  // Whether the sub-unit has a command now (settles whether it is its loop's config command).
  bool can_send_ld(Unit u);                      // ldA, ldB, ldD
  bool can_send_ex() const;
  bool can_send_st();
  void build(Unit u, isa::Command& c) const;     // that command (into ex_out_ for ex, else out_)
  void advance(Unit u);                          // the arbiter granted the sub-unit's command
  Unit load_arbiter() const;                     // ldA or ldB
  bool a_sent(uint64_t loop, uint32_t k, uint32_t i) const;
  bool b_sent(uint64_t loop, uint32_t k, uint32_t j) const;
  bool ex_sent(uint64_t loop, uint32_t j, uint32_t i) const;
  uint32_t bsize(uint32_t idx, uint32_t n, uint16_t pad) const { return idx + 1 == n ? uint32_t(dim_) - pad : uint32_t(dim_); }
  uint32_t span(uint32_t first, uint32_t n, uint32_t count, uint16_t pad) const;
  uint32_t a_kstep(const isa::LoopWsArgs& a) const { return a.a_transpose ? 1 : block_len_; }
  uint32_t b_jstep(const isa::LoopWsArgs& a) const { return a.b_transpose ? 1 : block_len_; }

  CommandSource& inner_;
  DispatchView* view_ = nullptr;
  Engine* engine_ = nullptr;     // view_ if it is the engine (Engine is final: no virtual call)
  int64_t dim_;
  uint32_t block_len_;            // scratchpad blocks per mvin
  std::array<Loop, kConcurrentLoops> loops_;
  uint64_t accepted_ = 0;         // loops taken from the inner stream
  std::array<Pos, kUnits> pos_{};
  bool has_held_ = false;         // a command read from the inner stream and not yet used
  isa::Command held_;
  isa::LoopWsArgs held_args_;
  uint64_t held_arrival_ = 0;
  uint64_t arrival_ = 0;
  bool inner_done_ = false;
  uint64_t retired_ = 0;          // min over the sub-units' loops (cached: they move once per loop)
  bool idle_dirty_ = true;        // a loop was accepted or a sub-unit moved on since the last skip_idle()
  isa::Command out_;              // the command next_ptr() returned last (ex's: ex_out_)
  isa::Command ex_out_;           // ex's preloads and computes (see build())
  std::array<LdConfig, 3> ld_cfg_{};
  StConfig st_cfg_;
};

}  // namespace coda::engine
