#include "sim/engine/loop_unroller.h"

#include <algorithm>
#include <stdexcept>

#include "sim/engine/engine.h"

namespace coda::engine {

using isa::Command;
using isa::LocalAddr;
using isa::Opcode;

LoopUnroller::LoopUnroller(const config::HwConfig& hw, CommandSource& inner)
    : inner_(inner),
      dim_(hw.dim()),
      block_len_(static_cast<uint32_t>(std::max<int64_t>(1, hw.dma.max_request_bytes / hw.sp_row_bytes()))) {}

void LoopUnroller::attach(DispatchView* view) {
  view_ = view;
  engine_ = dynamic_cast<Engine*>(view);
}

void LoopUnroller::update_retired() {
  uint64_t r = pos_[0].loop;
  for (const Pos& p : pos_) r = std::min(r, p.loop);
  retired_ = r;
}

bool LoopUnroller::has_work(Unit u, const Loop& l) const {
  switch (u) {
    case kLdD: return l.a.has_bias && !l.a.accumulate;
    case kStC: return l.a.store_c;
    default: return true;
  }
}

void LoopUnroller::fetch() {
  if (has_held_ || inner_done_) return;
  // Read ahead only what the producer already has, unless there is nothing else to do (no loop held).
  if (!inner_.ready() && retired() < accepted_) return;
  if (!inner_.next(held_)) {
    inner_done_ = true;
    return;
  }
  has_held_ = true;
  held_arrival_ = inner_.arrival();
  if (held_.opcode == Opcode::LoopWs) held_args_ = inner_.loop_args(held_.loop);
}

void LoopUnroller::accept() {
  if (!has_held_ && !inner_done_) fetch();  // (the test inline: mostly a command is held, or the stream ended)
  while (has_held_ && held_.opcode == Opcode::LoopWs && accepted_ - retired() < kConcurrentLoops) {
    loops_[accepted_ % kConcurrentLoops] = Loop{held_args_, held_.op, held_arrival_};
    ++accepted_;
    has_held_ = false;
    skip_idle();
    fetch();
  }
  if (idle_dirty_) skip_idle();
}

void LoopUnroller::skip_idle() {
  idle_dirty_ = false;
  for (size_t u = 0; u < kUnits; ++u) {
    Pos& p = pos_[u];
    while (p.loop < accepted_ && !has_work(Unit(u), loops_[p.loop % kConcurrentLoops])) p = Pos{p.loop + 1};
  }
  update_retired();
}

// ldA has sent the A block (i, k) of `loop` (Gemmini's lda_ahead: its iterator is past it in k-group, i order).
bool LoopUnroller::a_sent(uint64_t loop, uint32_t k, uint32_t i) const {
  const Pos& a = pos_[kLdA];
  if (a.loop != loop) return a.loop > loop;
  return a.cfg && (a.k > k || (a.k == k && a.i > i));
}

bool LoopUnroller::b_sent(uint64_t loop, uint32_t k, uint32_t j) const {
  const Pos& b = pos_[kLdB];
  if (b.loop != loop) return b.loop > loop;
  return b.cfg && (b.k > k || (b.k == k && b.j > j));
}

// ex has sent the last k-step's compute for C block (i, j) of `loop`.
bool LoopUnroller::ex_sent(uint64_t loop, uint32_t j, uint32_t i) const {
  const Pos& e = pos_[kEx];
  if (e.loop != loop) return e.loop > loop;
  return e.k + 1u == loops_[loop % kConcurrentLoops].a.k_blocks && (e.j > j || (e.j == j && e.i > i));
}

LoopUnroller::Unit LoopUnroller::load_arbiter() const {
  const bool a = active(kLdA), b = active(kLdB);
  if (!a) return kLdB;
  if (!b) return kLdA;
  const Pos &pa = pos_[kLdA], &pb = pos_[kLdB];
  if (pa.loop != pb.loop) return pa.loop < pb.loop ? kLdA : kLdB;  // the head loop is forced
  if (!pb.cfg || (pb.k == 0 && pb.j == 0) || pa.k > pb.k) return kLdB;
  return kLdA;
}

// Columns covered by blocks [first, first + n) of a dimension with `count` blocks and `pad` missing elements.
uint32_t LoopUnroller::span(uint32_t first, uint32_t n, uint32_t count, uint16_t pad) const {
  uint32_t cols = 0;
  for (uint32_t b = first; b < first + n; ++b) cols += bsize(b, count, pad);
  return cols;
}

// Whether a sub-unit has a command to send now. A load or store sub-unit whose stream is already configured
// as its loop needs skips its config command (the hardware compares the settings).
inline bool LoopUnroller::can_send_ld(Unit u) {
  Pos& p = pos_[u];
  if (!p.cfg) {
    const isa::LoopWsArgs& a = loop_of(u).a;
    const uint8_t stream = u == kLdA ? 0 : u == kLdB ? 1 : 2;
    const uint32_t stride = u == kLdA ? a.a_stride : u == kLdB ? a.b_stride : a.d_stride;
    const LdConfig& last = ld_cfg_[stream];
    if (!last.valid || last.stride != stride) return true;  // its config command
    p.cfg = true;
  }
  return true;
}

inline bool LoopUnroller::can_send_ex() const {
  const Pos& p = pos_[kEx];
  return a_sent(p.loop, p.k, p.i) && b_sent(p.loop, p.k, p.j) && pos_[kLdD].loop > p.loop;
}

inline bool LoopUnroller::can_send_st() {
  Pos& p = pos_[kStC];
  if (!p.cfg) {
    const isa::LoopWsArgs& a = loop_of(kStC).a;
    const StConfig& last = st_cfg_;
    if (!last.valid || last.stride != a.c_stride || last.act != a.act || last.mult != a.scale_mult ||
        last.shift != a.scale_shift)
      return true;  // its config command
    p.cfg = true;
  }
  return ex_sent(p.loop, p.j, p.i);
}

// The command the sub-unit sends (its can_send_* was true): its config while p.cfg is unset, else its next
// mvin / preload / compute / mvout.
// Inlined into next_ptr(), its only caller (saves a call and its register saves per command).
[[gnu::always_inline]] inline void LoopUnroller::build(Unit u, Command& c) const {
  const Pos& p = pos_[u];
  const Loop& l = loop_of(u);
  const isa::LoopWsArgs& a = l.a;
  const auto dim = uint32_t(dim_);
  // ex's commands go to their own buffer and always set the same fields (op, opcode, both operands and shapes),
  // so it keeps the defaults of every other field without being reset.
  if (u != kEx) c = Command{};
  c.op = l.op;
  switch (u) {
    case kLdA:
    case kLdB:
    case kLdD: {
      const uint8_t stream = u == kLdA ? 0 : u == kLdB ? 1 : 2;
      const uint32_t stride = u == kLdA ? a.a_stride : u == kLdB ? a.b_stride : a.d_stride;
      if (!p.cfg) {
        c.opcode = Opcode::ConfigLd;
        c.stream = stream;
        c.stride = stride;
        return;
      }
      if (u == kLdA) {
        c.opcode = Opcode::Mvin;
        if (a.a_transpose) {  // stored [k][m]: one block per mvin
          c.dram_addr = a.a_addr + uint64_t(p.k) * dim * a.a_stride + uint64_t(p.i) * dim;
          c.rows1 = uint16_t(bsize(p.k, a.k_blocks, a.pad_k));
          c.cols1 = uint16_t(bsize(p.i, a.i_blocks, a.pad_i));
        } else {  // block_len blocks wide along k
          c.dram_addr = a.a_addr + uint64_t(p.i) * dim * a.a_stride + uint64_t(p.k) * dim;
          c.rows1 = uint16_t(bsize(p.i, a.i_blocks, a.pad_i));
          c.cols1 = uint16_t(span(p.k, std::min(block_len_, uint32_t(a.k_blocks) - p.k), a.k_blocks, a.pad_k));
        }
        c.addr1 = LocalAddr::sp(a.sp_a_row + (p.i * a.k_blocks + p.k) * dim);
      } else if (u == kLdB) {
        c.opcode = Opcode::Mvin2;
        if (a.b_transpose) {  // stored [n][k]: one block per mvin
          c.dram_addr = a.b_addr + uint64_t(p.j) * dim * a.b_stride + uint64_t(p.k) * dim;
          c.rows1 = uint16_t(bsize(p.j, a.j_blocks, a.pad_j));
          c.cols1 = uint16_t(bsize(p.k, a.k_blocks, a.pad_k));
        } else {  // block_len blocks wide along j
          c.dram_addr = a.b_addr + uint64_t(p.k) * dim * a.b_stride + uint64_t(p.j) * dim;
          c.rows1 = uint16_t(bsize(p.k, a.k_blocks, a.pad_k));
          c.cols1 = uint16_t(span(p.j, std::min(block_len_, uint32_t(a.j_blocks) - p.j), a.j_blocks, a.pad_j));
        }
        c.addr1 = LocalAddr::sp(a.sp_b_row + (p.k * a.j_blocks + p.j) * dim);
      } else {
        c.opcode = Opcode::Mvin3;
        c.dram_addr = a.d_addr + uint64_t(p.i) * dim * a.d_stride + uint64_t(p.j) * dim * 4;
        c.addr1 = LocalAddr::acc(a.acc_row + (p.i * a.j_blocks + p.j) * dim);
        c.rows1 = uint16_t(bsize(p.i, a.i_blocks, a.pad_i));
        c.cols1 = uint16_t(bsize(p.j, a.j_blocks, a.pad_j));
      }
      return;
    }
    case kEx: {
      const uint32_t kb = bsize(p.k, a.k_blocks, a.pad_k);
      const uint32_t jb = bsize(p.j, a.j_blocks, a.pad_j);
      const uint32_t ib = bsize(p.i, a.i_blocks, a.pad_i);
      if (p.pre) {
        // The B block is preloaded once per (k, j) and stays in the mesh for the i blocks (COMPUTE_AND_STAY).
        c.opcode = Opcode::Preload;
        if (p.i == 0) {
          c.addr1 = LocalAddr::sp(a.sp_b_row + (p.k * a.j_blocks + p.j) * dim);
          c.rows1 = uint16_t(a.b_transpose ? jb : kb);
          c.cols1 = uint16_t(a.b_transpose ? kb : jb);
        } else {
          c.addr1 = LocalAddr::garbage();
          c.rows1 = c.cols1 = 0;
        }
        c.addr2 = LocalAddr::acc(a.acc_row + (p.i * a.j_blocks + p.j) * dim, a.accumulate || a.has_bias || p.k > 0);
        c.rows2 = uint16_t(ib);
        c.cols2 = uint16_t(jb);
      } else {
        c.opcode = p.i == 0 ? Opcode::ComputePreloaded : Opcode::ComputeAccumulated;
        c.addr1 = LocalAddr::sp(a.sp_a_row + (p.i * a.k_blocks + p.k) * dim);
        c.rows1 = uint16_t(a.a_transpose ? kb : ib);
        c.cols1 = uint16_t(a.a_transpose ? ib : kb);
        c.addr2 = LocalAddr::garbage();
        c.rows2 = uint16_t(ib);
        c.cols2 = uint16_t(jb);
      }
      return;
    }
    case kStC: {
      if (!p.cfg) {
        c.opcode = Opcode::ConfigSt;
        c.stride = a.c_stride;
        c.act = a.act;
        c.scale_mult = a.scale_mult;
        c.scale_shift = a.scale_shift;
        return;
      }
      const uint32_t elem = a.c_full ? 4 : 1;
      c.opcode = Opcode::Mvout;
      c.dram_addr = a.c_addr + uint64_t(p.i) * dim * a.c_stride + uint64_t(p.j) * dim * elem;
      c.addr1 = LocalAddr::acc(a.acc_row + (p.i * a.j_blocks + p.j) * dim, false, a.c_full);
      c.rows1 = uint16_t(bsize(p.i, a.i_blocks, a.pad_i));
      c.cols1 = uint16_t(bsize(p.j, a.j_blocks, a.pad_j));
      return;
    }
    default: return;
  }
}

// Inlined into next_ptr(), its only caller.
[[gnu::always_inline]] inline void LoopUnroller::advance(Unit u) {
  Pos& p = pos_[u];
  const isa::LoopWsArgs& a = loop_of(u).a;
  bool done = false;
  if (!p.cfg && u != kEx) {  // the config command was sent (ex has none: CONFIG_EX comes from the lowering)
    p.cfg = true;
    if (u == kStC) {
      st_cfg_ = StConfig{true, a.c_stride, a.act, a.scale_mult, a.scale_shift};
    } else {
      const uint8_t stream = u == kLdA ? 0 : u == kLdB ? 1 : 2;
      ld_cfg_[stream] = LdConfig{true, u == kLdA ? a.a_stride : u == kLdB ? a.b_stride : a.d_stride};
    }
    return;
  }
  switch (u) {
    case kLdA:  // k-groups outer, i inner
      if (++p.i == a.i_blocks) {
        p.i = 0;
        p.k += a_kstep(a);
        done = p.k >= a.k_blocks;
      }
      break;
    case kLdB:  // k outer, j inner
      p.j += b_jstep(a);
      if (p.j >= a.j_blocks) {
        p.j = 0;
        done = ++p.k == a.k_blocks;
      }
      break;
    case kLdD:  // i outer, j inner
      if (++p.j == a.j_blocks) {
        p.j = 0;
        done = ++p.i == a.i_blocks;
      }
      break;
    case kEx:  // k outer, j, i inner; a preload then its compute
      if (p.pre) {
        p.pre = false;
        break;
      }
      p.pre = true;
      if (++p.i == a.i_blocks) {
        p.i = 0;
        if (++p.j == a.j_blocks) {
          p.j = 0;
          done = ++p.k == a.k_blocks;
        }
      }
      break;
    case kStC:  // j outer, i inner, as ex finishes them
      if (++p.i == a.i_blocks) {
        p.i = 0;
        done = ++p.j == a.j_blocks;
      }
      break;
    default: break;
  }
  if (done) {
    p = Pos{p.loop + 1};
    idle_dirty_ = true;
    update_retired();
    accept();  // a loop slot may have freed; also skips loops this sub-unit has nothing to do in
  }
}

const Command* LoopUnroller::next_ptr() {
  accept();
  if (retired() == accepted_) {
    // No loop held: other commands pass straight through (a held LOOP_WS would have been accepted).
    if (!has_held_) return nullptr;
    arrival_ = held_arrival_;
    has_held_ = false;
    // A config from outside the loops (e.g. a normalizer pass's load stride or mvout activation) changes the
    // controllers' state: the next loop must send its own again.
    if (held_.opcode == Opcode::ConfigLd) ld_cfg_[held_.stream % 3].valid = false;
    if (held_.opcode == Opcode::ConfigSt) st_cfg_.valid = false;
    return &held_;  // not overwritten before the next call
  }
  // The sub-units that can send, in priority order: stC, ex, ldD, then the ldA/ldB arbiter's choice, with their
  // controller types (fixed: stC store, ex execute, the rest load).
  std::array<Unit, 4> who{};
  std::array<uint8_t, 4> type{};
  std::array<bool, 3> need{};
  size_t n = 0;
  const Unit ld = load_arbiter();
  if (active(kStC) && can_send_st()) {
    need[2] = true;
    type[n] = 2;
    who[n++] = kStC;
  }
  if (active(kEx) && can_send_ex()) {
    need[1] = true;
    type[n] = 1;
    who[n++] = kEx;
  }
  if (active(kLdD) && can_send_ld(kLdD)) {
    need[0] = true;
    who[n++] = kLdD;
  }
  if (active(ld) && can_send_ld(ld)) {
    need[0] = true;
    who[n++] = ld;
  }
  if (n == 0) throw std::logic_error("loop unroller: no sub-unit can send a command");
  size_t pick = 0;
  if (view_ && n > 1) {
    // The first sub-unit (in priority order) whose command can enter the reservation station earliest.
    std::array<uint64_t, 3> t{};
    if (engine_)
      engine_->dispatch_times(need, t);  // the engine itself: a direct call
    else
      view_->dispatch_times(need, t);
    for (size_t i = 1; i < n; ++i)
      if (t[type[i]] < t[type[pick]]) pick = i;
  }
  arrival_ = loop_of(who[pick]).arrival;
  Command& out = who[pick] == kEx ? ex_out_ : out_;
  build(who[pick], out);
  advance(who[pick]);
  return &out;
}

}  // namespace coda::engine
