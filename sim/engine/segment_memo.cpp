#include "sim/engine/segment_memo.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

#include "sim/engine/engine.h"
#include "sim/engine/loop_unroller.h"

namespace coda::engine {

namespace {

// Segments longer than this (commands read from the lowering) are simulated without the memo, so that the
// read-ahead stays bounded (ARCHITECTURE.md: the stream never sits in memory at once).
constexpr size_t kMaxSegmentCommands = size_t(1) << 17;
// Recorded outcomes are kept up to this many words (keys and end states, 128 MB); later segments are still looked
// up but no longer recorded.
constexpr size_t kMaxStoredWords = size_t(1) << 24;

// f(a_field, b_field) for every counter, scalar or element.
template <class A, class B, class F>
void zip_counters(A& a, B& b, F f) {
  static_assert(sizeof(Counters) == 448, "a counter was added or removed: update zip_counters");
  f(a.rs_full_cycles, b.rs_full_cycles);
  for (size_t i = 0; i < 3; ++i) {
    f(a.rs_full_cycles_by_type[i], b.rs_full_cycles_by_type[i]);
    f(a.busy_cycles[i], b.busy_cycles[i]);
    f(a.dep_wait_cycles[i], b.dep_wait_cycles[i]);
  }
  f(a.commands, b.commands);
  for (size_t i = 0; i < a.commands_by_opcode.size(); ++i) f(a.commands_by_opcode[i], b.commands_by_opcode[i]);
  f(a.mesh_busy_cycles, b.mesh_busy_cycles);
  f(a.preload_hazard_cycles, b.preload_hazard_cycles);
  f(a.macs, b.macs);
  f(a.dma_read_requests, b.dma_read_requests);
  f(a.dma_write_requests, b.dma_write_requests);
  f(a.dma_wait_cycles, b.dma_wait_cycles);
  f(a.dram_bytes_read, b.dram_bytes_read);
  f(a.dram_bytes_written, b.dram_bytes_written);
  f(a.dram_busy_cycles, b.dram_busy_cycles);
  for (size_t i = 0; i < a.sp_reads.size(); ++i) f(a.sp_reads[i], b.sp_reads[i]);
  for (size_t i = 0; i < a.sp_writes.size(); ++i) f(a.sp_writes[i], b.sp_writes[i]);
  for (size_t i = 0; i < a.acc_reads.size(); ++i) f(a.acc_reads[i], b.acc_reads[i]);
  for (size_t i = 0; i < a.acc_writes.size(); ++i) f(a.acc_writes[i], b.acc_writes[i]);
  f(a.sp_bank_conflict_cycles, b.sp_bank_conflict_cycles);
  f(a.acc_bank_conflict_cycles, b.acc_bank_conflict_cycles);
  f(a.normalizer_busy_cycles, b.normalizer_busy_cycles);
  f(a.activation_busy_cycles, b.activation_busy_cycles);
  f(a.host_cycles, b.host_cycles);
  f(a.host_elements, b.host_elements);
  f(a.normalizer_ops, b.normalizer_ops);
  f(a.activation_ops, b.activation_ops);
}

template <class A, class B, class F>
void zip_actions(A& a, B& b, F f) {
  static_assert(sizeof(Actions) == 11 * sizeof(uint64_t), "an action was added or removed: update zip_actions");
  f(a.macs, b.macs);
  f(a.sp_bytes_read, b.sp_bytes_read);
  f(a.sp_bytes_written, b.sp_bytes_written);
  f(a.acc_bytes_read, b.acc_bytes_read);
  f(a.acc_bytes_written, b.acc_bytes_written);
  f(a.dram_bytes_read, b.dram_bytes_read);
  f(a.dram_bytes_written, b.dram_bytes_written);
  f(a.dma_bytes, b.dma_bytes);
  f(a.normalizer_ops, b.normalizer_ops);
  f(a.activation_ops, b.activation_ops);
  f(a.host_ops, b.host_ops);
}

// x -= y (element-wise), x += y.
const auto kSub = [](uint64_t& x, const uint64_t& y) { x -= y; };
const auto kAdd = [](uint64_t& x, const uint64_t& y) { x += y; };

uint64_t hash_words(const std::vector<uint64_t>& v) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ v.size();
  for (uint64_t w : v) {
    h ^= w * 0xFF51AFD7ED558CCDull;
    h = std::rotl(h, 29) * 0xC4CEB9FE1A85EC53ull;
  }
  return h ^ (h >> 32);
}

bool fresh(const OpTiming& t) {
  return t.commands == 0 && t.macs == 0 && t.start == OpTiming::kNone && t.actions == Actions{};
}

}  // namespace

SegmentMemo::SegmentMemo(const config::HwConfig& hw, CommandSource& inner)
    : inner_(inner),
      // A DMA request's size follows the address's lowest set bit, capped at max_request_bytes (dma.h): the
      // address modulo the power of two at or above that cap determines every request of a row.
      addr_mod_mask_(std::bit_ceil(uint64_t(std::max<int64_t>(1, hw.dma.max_request_bytes))) - 1) {}

bool SegmentMemo::next(isa::Command& cmd) {
  if (pos_ < buf_.size()) {
    cmd = buf_[pos_++];
    last_from_buf_ = true;
    return true;
  }
  last_from_buf_ = false;
  if (inner_done_) return false;
  if (!inner_.next(cmd)) {
    inner_done_ = true;
    return false;
  }
  return true;
}

const isa::LoopWsArgs& SegmentMemo::loop_args(uint32_t index) const {
  return last_from_buf_ ? args_[index] : inner_.loop_args(index);
}

// Reads the next segment from the inner stream into buf_: complete when it ends with a fence or host op, or the
// stream ended; incomplete when it grew past the cap (then it is simulated as it is).
void SegmentMemo::read_segment(bool& complete) {
  buf_.clear();
  args_.clear();
  pos_ = 0;
  complete = false;
  while (buf_.size() < kMaxSegmentCommands) {
    isa::Command c;
    if (inner_done_ || !inner_.next(c)) {
      inner_done_ = true;
      complete = true;
      return;
    }
    if (c.opcode == isa::Opcode::LoopWs) {
      args_.push_back(inner_.loop_args(c.loop));
      c.loop = uint32_t(args_.size() - 1);
    }
    buf_.push_back(c);
    if (c.opcode == isa::Opcode::Fence || c.opcode == isa::Opcode::HostOp) {
      complete = true;
      return;
    }
  }
}

// Appends the segment's commands to `key` with op ids numbered by first appearance (the ids, in that order, go
// to `ops`) and DRAM addresses reduced to what the DMA's timing can see. Every other field is kept: the
// engine's timing may depend on any of them, and the unroller compares the stream settings.
void SegmentMemo::encode_commands(std::vector<uint64_t>& key, std::vector<uint32_t>& ops) const {
  ops.clear();
  uint32_t last_op = kNoOp, last_local = 0;
  auto local = [&](uint32_t op) -> uint64_t {
    if (op == kNoOp) return 0xFFFFFFFFull;
    if (op == last_op) return last_local;
    const auto it = std::find(ops.begin(), ops.end(), op);
    last_op = op;
    last_local = uint32_t(it - ops.begin());
    if (it == ops.end()) ops.push_back(op);
    return last_local;
  };
  const uint64_t m = addr_mod_mask_;
  key.push_back(buf_.size());
  for (const isa::Command& c : buf_) {
    key.push_back(uint64_t(c.opcode) | uint64_t(c.stream) << 8 | uint64_t(c.int8_in) << 16 |
                  uint64_t(c.dataflow) << 17 | uint64_t(c.act) << 18 | uint64_t(c.a_transpose) << 22 |
                  uint64_t(c.b_transpose) << 23 | uint64_t(c.scale_shift) << 24 | local(c.op) << 32);
    key.push_back(uint64_t(c.addr1.raw) | uint64_t(c.addr2.raw) << 32);
    key.push_back(uint64_t(c.rows1) | uint64_t(c.cols1) << 16 | uint64_t(c.rows2) << 32 | uint64_t(c.cols2) << 48);
    key.push_back(uint64_t(c.stride) | uint64_t(uint32_t(c.scale_mult)) << 32);
    key.push_back(c.dram_addr & m);
    key.push_back(c.host_cycles);
    if (c.opcode == isa::Opcode::LoopWs) {
      const isa::LoopWsArgs& a = args_[c.loop];
      key.push_back(uint64_t(a.i_blocks) | uint64_t(a.j_blocks) << 16 | uint64_t(a.k_blocks) << 32 |
                    uint64_t(a.pad_i) << 48);
      key.push_back(uint64_t(a.pad_j) | uint64_t(a.pad_k) << 16 | uint64_t(a.a_transpose) << 32 |
                    uint64_t(a.b_transpose) << 33 | uint64_t(a.has_bias) << 34 | uint64_t(a.accumulate) << 35 |
                    uint64_t(a.store_c) << 36 | uint64_t(a.c_full) << 37 | uint64_t(a.act) << 40 |
                    uint64_t(a.scale_shift) << 48);
      for (uint64_t addr : {a.a_addr, a.b_addr, a.d_addr, a.c_addr}) key.push_back(addr & m);
      key.push_back(uint64_t(a.a_stride) | uint64_t(a.b_stride) << 32);
      key.push_back(uint64_t(a.d_stride) | uint64_t(a.c_stride) << 32);
      key.push_back(uint64_t(a.sp_a_row) | uint64_t(a.sp_b_row) << 32);
      key.push_back(uint64_t(a.acc_row) | uint64_t(uint32_t(a.scale_mult)) << 32);
    }
  }
}

// Whether every SRAM port reservation the segment can make has a length >= 1 (bank_calendar.h: then the key need
// not hold the calendars' slot order): raw commands with operands have rows and columns, loops have whole blocks.
// Also whether it has loops, and raw preloads or computes.
void SegmentMemo::check_commands(int64_t dim, bool& lengths_ok, bool& has_loop, bool& raw_ex) const {
  for (const isa::Command& c : buf_) {
    switch (c.opcode) {
      case isa::Opcode::LoopWs: {
        has_loop = true;
        const isa::LoopWsArgs& a = args_[c.loop];
        if (!a.i_blocks || !a.j_blocks || !a.k_blocks || a.pad_i >= dim || a.pad_j >= dim || a.pad_k >= dim)
          lengths_ok = false;
        break;
      }
      case isa::Opcode::Preload:
      case isa::Opcode::ComputePreloaded:
      case isa::Opcode::ComputeAccumulated:
        raw_ex = true;
        if ((!c.addr1.is_garbage() && (!c.rows1 || !c.cols1)) || (!c.addr2.is_garbage() && !c.rows2)) lengths_ok = false;
        break;
      case isa::Opcode::Mvin:
      case isa::Opcode::Mvin2:
      case isa::Opcode::Mvin3:
      case isa::Opcode::Mvout:
        if (!c.rows1 || !c.cols1) lengths_ok = false;
        break;
      default: break;
    }
  }
}

// The key of the segment in buf_ at the engine's quiescent point: a kind word, the start state and the commands.
// `exact`: producers from before the segment are written with their ages (for segments where those could matter).
bool SegmentMemo::make_key(Engine& e, bool exact, bool preload_output_dead, std::vector<uint64_t>& key) {
  key.clear();
  key.push_back(exact);
  StateWriter w(key, e.barrier_, e.seq_, e.done_ring(), exact ? 0 : e.seq_);
  w.key = true;
  w.preload_output_dead = preload_output_dead;
  e.save_state(w);
  if (w.over()) return false;  // a time after the barrier: the state cannot be written relative to it
  encode_commands(key, ops_);
  return true;
}

const SegmentMemo::Entry* SegmentMemo::find(const std::vector<uint64_t>& key, uint64_t& hash) const {
  hash = hash_words(key);
  if (auto it = index_.find(hash); it != index_.end())
    for (uint32_t i : it->second)
      if (entries_[i].key == key) return &entries_[i];
  return nullptr;
}

void SegmentMemo::boundary(Engine& e) {
  if (rec_.on) finish_recording(e);
  for (;;) {
    if (pos_ < buf_.size() || !e.memo_ready()) {
      ++stats_.skipped_not_quiescent;
      return;
    }
    bool complete = false;
    read_segment(complete);
    if (buf_.empty()) return;
    if (!complete) {  // simulated as it comes
      ++stats_.skipped_long;
      return;
    }
    bool lengths_ok = true, has_loop = false, raw_ex = false;
    check_commands(e.ctx_.dim, lengths_ok, has_loop, raw_ex);
    if (!lengths_ok) {
      ++stats_.skipped_other;
      return;
    }
    const bool dead = has_loop && !raw_ex;
    // First the key without the older producers' ages, then the one with them.
    uint64_t hash = 0, hash_exact = 0;
    if (!make_key(e, false, dead, key_)) {
      ++stats_.skipped_busy;
      return;
    }
    const Entry* hit = find(key_, hash);
    if (!hit) {
      make_key(e, true, dead, key_exact_);
      hit = find(key_exact_, hash_exact);
      if (hit) ++stats_.replayed_exact;
    }
    if (std::any_of(ops_.begin(), ops_.end(), [&](uint32_t op) { return op >= e.ctx_.ops.size(); })) {
      ++stats_.skipped_other;
      return;
    }
    if (hit) {
      replay(e, *hit, ops_);
      buf_.clear();
      args_.clear();
      pos_ = 0;
      continue;  // the next segment starts at the restored quiescent point
    }
    // Simulate it, and record its outcome at the next boundary, if every op it names starts fresh (then the ops'
    // timings at the end are the segment's alone) and the recorded outcomes are within their budget.
    if (stored_words_ > kMaxStoredWords) {
      ++stats_.skipped_other;
      return;
    }
    for (uint32_t op : ops_)
      if (!fresh(e.ctx_.ops[op])) {
        ++stats_.skipped_other;
        return;
      }
    rec_.on = true;
    rec_.barrier = e.barrier_;
    rec_.seq = e.seq_;
    rec_.dram_busy_fp = e.simple_dram_->busy_fp();
    rec_.counters = e.ctx_.counters;
    rec_.other_actions = e.ctx_.other_actions;
    rec_.ops = ops_;
    rec_.key.swap(key_);
    rec_.key_exact.swap(key_exact_);
    rec_.hash = hash;
    rec_.hash_exact = hash_exact;
    e.memo_seq0_ = e.seq_;
    e.memo_barrier0_ = e.barrier_;
    e.memo_sensitive_ = false;
    return;
  }
}

void SegmentMemo::finish(Engine& e) {
  if (rec_.on) finish_recording(e);
}

void SegmentMemo::finish_recording(Engine& e) {
  rec_.on = false;
  const bool sensitive = e.memo_sensitive_;
  e.memo_seq0_ = e.memo_barrier0_ = 0;
  e.memo_sensitive_ = false;
  Entry entry;
  // Where the older producers' ages could have mattered, the entry is found only by the key that has them.
  if (sensitive) {
    ++stats_.segments_exact;
    entry.key = std::move(rec_.key_exact);
    rec_.hash = rec_.hash_exact;
  } else {
    entry.key = std::move(rec_.key);
  }
  StateWriter w(entry.end, rec_.barrier, e.seq_, e.done_ring(), rec_.seq);
  e.save_state(w);
  entry.commands = e.seq_ - rec_.seq;
  entry.counters = e.ctx_.counters;
  zip_counters(entry.counters, rec_.counters, kSub);
  entry.dram_busy_fp = e.simple_dram_->busy_fp() - rec_.dram_busy_fp;
  entry.other_actions = e.ctx_.other_actions;
  zip_actions(entry.other_actions, rec_.other_actions, kSub);
  const uint64_t b = rec_.barrier;
  for (uint32_t op : rec_.ops) {
    OpTiming t = op < e.ctx_.ops.size() ? e.ctx_.ops[op] : OpTiming{};
    if (t.commands) {
      // Every command of the segment starts at or after the barrier.
      t.start -= b;
      t.end -= b;
      for (size_t u = 0; u < kNumUnits; ++u)
        if (t.unit_start[u] != OpTiming::kNone) {
          t.unit_start[u] -= b;
          t.unit_end[u] -= b;
        }
    }
    entry.ops.push_back(t);
  }
  stored_words_ += entry.key.size() + entry.end.size() + entry.ops.size() * sizeof(OpTiming) / sizeof(uint64_t);
  index_[rec_.hash].push_back(uint32_t(entries_.size()));
  entries_.push_back(std::move(entry));
  ++stats_.segments_recorded;
}

void SegmentMemo::replay(Engine& e, const Entry& entry, const std::vector<uint32_t>& ops) {
  const uint64_t b = e.barrier_;
  const uint64_t first_seq = e.seq_;
  e.seq_ += entry.commands;
  StateReader r(entry.end.data(), b, e.seq_);
  e.load_state(r, first_seq);
  if (r.position() != entry.end.data() + entry.end.size()) throw std::logic_error("segment memo: state size mismatch");
  zip_counters(e.ctx_.counters, entry.counters, kAdd);
  e.simple_dram_->add_busy_fp(entry.dram_busy_fp);
  zip_actions(e.ctx_.other_actions, entry.other_actions, kAdd);
  auto& timing = e.ctx_.ops;
  for (size_t k = 0; k < ops.size(); ++k) {
    if (ops[k] >= timing.size()) continue;
    OpTiming& t = timing[ops[k]];
    const OpTiming& s = entry.ops[k];
    if (s.commands) {
      t.start = std::min(t.start, s.start + b);
      t.end = std::max(t.end, s.end + b);
      for (size_t u = 0; u < kNumUnits; ++u)
        if (s.unit_start[u] != OpTiming::kNone) {
          t.unit_start[u] = std::min(t.unit_start[u], s.unit_start[u] + b);
          t.unit_end[u] = std::max(t.unit_end[u], s.unit_end[u] + b);
        }
    }
    t.macs += s.macs;
    t.commands += s.commands;
    t.actions += s.actions;
  }
  ++stats_.segments_replayed;
  stats_.commands_replayed += entry.commands;
}

}  // namespace coda::engine
