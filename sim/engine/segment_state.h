// The engine's state at a quiescent point (after a fence or a host op: nothing pending, nothing dispatches before
// the barrier), written as a flat list of words relative to that point, so that two such states can be compared
// and one can be restored at another point shifted in time and in command numbering (sim/engine/segment_memo.h).
//
// Times are written relative to `base` (the barrier): t -> max(t, base) - base. A block may be written this way
// only if it treats every stored time <= base exactly as base, given that nothing after the quiescent point asks
// for a time <= base (every command starts after its dispatch, which is at or after the barrier); the blocks'
// save()/load() comments say why each does. over() reports a time > base (then the state is not normalisable).
// Sequence numbers (seq, or seq << 2 | controller) of commands before the quiescent point that starts the segment
// (seq <= `floor`) are written only as "present" (and read back as "keep the value there"): such a producer is
// simulated and completed at or before the barrier, so a later command depending on it is ready and reads a
// completion <= the barrier, unless the engine's completion ring has evicted it and another, later evicted command
// of its controller completed after the barrier (Engine::deps_done); the memo records a segment only if no such read
// happened (Engine::memo_sensitive_), and then the producers' exact ages cannot matter. Later commands are written
// as their age relative to `seq`, capped at `cap` (the completion ring: every producer at least that old is evicted
// and reads the same value).
//
// Every timing field of every engine block must be written by its save() and read by its load(): a field left out
// makes a replay inexact without any test necessarily noticing (tests/sim/memo_test.cpp compares memo on and off
// only on the workloads it runs). When adding state to a block, add it to both.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace coda::engine {

class StateWriter {
 public:
  StateWriter(std::vector<uint64_t>& out, uint64_t base, uint64_t seq, uint64_t cap, uint64_t floor)
      : out_(out), base_(base), seq_(seq), cap_(cap), floor_(floor) {}
  void put(uint64_t v) { out_.push_back(v); }
  void time(uint64_t t) {
    if (t > base_) {
      over_ = true;
      put(t - base_);
    } else {
      put(0);
    }
  }
  // A time in 1/2^frac cycles.
  void time_fp(uint64_t t, int frac) {
    const uint64_t b = base_ << frac;
    if (t > b) {
      over_ = true;
      put(t - b);
    } else {
      put(0);
    }
  }
  void seq(uint64_t s) { put(code(s)); }
  void packed_seq(uint64_t v) { put(v == 0 ? 0 : (code(v >> 2) << 2) | (v & 3)); }
  bool over() const { return over_; }
  // Writing a segment's key (its start state), not an end state to restore: parts that provably cannot change
  // what follows may be left out (see the blocks' save()).
  bool key = false;
  // Key only: the segment's first execute command is a preload (its loops' ex sub-units start with one and it has
  // no preload or compute of its own), so the output operand a previous preload named is never read.
  bool preload_output_dead = false;
  uint64_t base() const { return base_; }

 private:
  // 0: none; 1: present from before `floor`; 2 + age otherwise.
  uint64_t code(uint64_t s) const { return s == 0 ? 0 : s <= floor_ ? 1 : std::min(seq_ - s, cap_) + 2; }

  std::vector<uint64_t>& out_;
  uint64_t base_, seq_, cap_, floor_;
  bool over_ = false;
};

class StateReader {
 public:
  StateReader(const uint64_t* p, uint64_t base, uint64_t seq) : p_(p), base_(base), seq_(seq) {}
  uint64_t get() { return *p_++; }
  uint64_t time() { return base_ + get(); }
  uint64_t time_fp(int frac) { return (base_ << frac) + get(); }
  // `current`: the value in place, kept when the written one was "present".
  uint64_t seq(uint64_t current) { return decode(get(), current); }
  uint64_t packed_seq(uint64_t current) {
    const uint64_t v = get();
    if (v == 0) return 0;
    if ((v >> 2) == 1) return current;
    return (decode(v >> 2, current >> 2) << 2) | (v & 3);
  }
  const uint64_t* position() const { return p_; }

 private:
  uint64_t decode(uint64_t v, uint64_t current) const { return v == 0 ? 0 : v == 1 ? current : seq_ - (v - 2); }

  const uint64_t* p_;
  uint64_t base_, seq_;
};

}  // namespace coda::engine
