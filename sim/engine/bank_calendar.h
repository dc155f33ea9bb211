// Port occupancy of one SRAM bank. The engine processes commands in (approximate) time order across
// controllers, so a reservation may land before earlier-processed ones: each port keeps a short calendar
// of recent busy intervals and a request takes the earliest gap at or after its desired cycle.
#pragma once

#include <array>
#include <cstdint>

#include "sim/engine/segment_state.h"

namespace coda::engine {

class PortCalendar {
 public:
  // Reserves `len` consecutive cycles starting at the earliest cycle >= t that overlaps no recorded interval.
  // The new interval replaces the first recorded interval that ended earliest.
  uint64_t reserve(uint64_t t, uint64_t len) {
    uint64_t s = t;
    // No recorded interval ends after t (the common, in-order case): [t, t+len) is free. Otherwise search the
    // earliest gap: each jump to a conflicting interval's end skips only infeasible starts, so the result is
    // the earliest conflict-free start >= t (t itself if nothing overlaps).
    if (t < max_end_) {
      for (bool moved = true; moved;) {
        moved = false;
        for (size_t i = 0; i < kIntervals; ++i) {
          if (end_[i] > s && start_[i] < s + len) {
            s = end_[i];
            moved = true;
          }
        }
      }
    }
    // Replace the victim, the front of the order, and move it from the back of the order to its place; a
    // new interval usually ends last, so it usually stays at the back.
    const uint8_t v = order_[head_];
    const uint64_t e = s + len;
    start_[v] = s;
    end_[v] = e;
    head_ = (head_ + 1) % kIntervals;  // the old front's position is now the back, and holds v
    if (e > max_end_) {
      max_end_ = e;  // ends after every other interval: its place is the back
      return s;
    }
    // The replaced interval ended earliest, so the latest end is unchanged by its removal unless all ends were
    // equal, and then the others keep that end.
    for (size_t k = kIntervals - 1; k > 0; --k) {
      const size_t here = (head_ + k) % kIntervals, prev = (head_ + k - 1) % kIntervals;
      const uint8_t a = order_[prev];
      if (end_[a] < e || (end_[a] == e && a < v)) break;
      order_[here] = a;
      order_[prev] = v;
    }
    return s;
  }

  // Segment memo (segment_state.h). Every reservation after a quiescent point asks for t > barrier (a command
  // starts after its dispatch, at or after the barrier), so an interval ending at or before the barrier neither
  // conflicts nor sorts after a new one (whose end is > t > barrier) and max_end_ <= barrier takes the fast
  // path: such intervals act as [barrier, barrier). The slot indices and the order (written from its front, as a
  // permutation) only decide which dead interval a reservation replaces (no effect) and ties between equal ends
  // (the index breaks them), and recorded intervals of length >= 1 never share an end: each was placed clear of
  // every interval recorded at the time, and an interval is never recorded again once replaced. So a segment's
  // key leaves the permutation out when every reservation has a length >= 1 (SegmentMemo checks its commands);
  // an end state keeps it.
  void save(StateWriter& w) const {
    uint64_t perm = 0;
    for (size_t k = 0; k < kIntervals; ++k) perm |= uint64_t(order_[(head_ + k) % kIntervals]) << (8 * k);
    w.put(w.key ? 0 : perm);
    for (size_t i = 0; i < kIntervals; ++i) {
      w.time(start_[i]);
      w.time(end_[i]);
    }
    w.time(max_end_);
  }
  void load(StateReader& r) {
    const uint64_t perm = r.get();
    for (size_t k = 0; k < kIntervals; ++k) order_[k] = uint8_t(perm >> (8 * k));
    head_ = 0;
    for (size_t i = 0; i < kIntervals; ++i) {
      start_[i] = r.time();
      end_[i] = r.time();
    }
    max_end_ = r.time();
  }

 private:
  static constexpr size_t kIntervals = 8;
  // Busy intervals [start_[i], end_[i]); initially empty ([0, 0)).
  std::array<uint64_t, kIntervals> start_{}, end_{};
  // The intervals ordered by (end, index), as a ring starting at head_: the front is the first interval
  // with the earliest end, the one the next reservation replaces.
  std::array<uint8_t, kIntervals> order_{0, 1, 2, 3, 4, 5, 6, 7};
  size_t head_ = 0;
  uint64_t max_end_ = 0;  // the latest end among the intervals
};

// A bank with one shared port (single-ported) or a read port and a write port (dual-ported).
class BankPorts {
 public:
  explicit BankPorts(bool dual = false) : dual_(dual) {}
  uint64_t read(uint64_t t, uint64_t len) { return read_.reserve(t, len); }
  uint64_t write(uint64_t t, uint64_t len) { return dual_ ? write_.reserve(t, len) : read_.reserve(t, len); }

  void save(StateWriter& w) const {
    read_.save(w);
    if (dual_) write_.save(w);
  }
  void load(StateReader& r) {
    read_.load(r);
    if (dual_) write_.load(r);
  }

 private:
  bool dual_;
  PortCalendar read_, write_;
};

}  // namespace coda::engine
