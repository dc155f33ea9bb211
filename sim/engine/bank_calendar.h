// Port occupancy of one SRAM bank. The engine processes commands in (approximate) time order across
// controllers, so a reservation may land before earlier-processed ones: each port keeps a short calendar
// of recent busy intervals and a request takes the earliest gap at or after its desired cycle.
#pragma once

#include <array>
#include <cstdint>

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

 private:
  bool dual_;
  PortCalendar read_, write_;
};

}  // namespace coda::engine
