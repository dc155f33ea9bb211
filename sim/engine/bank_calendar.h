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
  uint64_t reserve(uint64_t t, uint64_t len) {
    // One pass finds the interval to replace (the first that ended earliest) and whether [t, t+len) is free;
    // only on a conflict do we search for the earliest gap. Each jump to a conflicting interval's end skips
    // only infeasible starts, so the result is the earliest conflict-free start >= t.
    size_t victim = 0;
    bool conflict = false;
    for (size_t i = 0; i < busy_.size(); ++i) {
      const Interval& iv = busy_[i];
      conflict |= (iv.end > t) & (iv.start < t + len);
      if (iv.end < busy_[victim].end) victim = i;
    }
    uint64_t s = t;
    if (conflict) {
      for (bool moved = true; moved;) {
        moved = false;
        for (const auto& iv : busy_) {
          if (iv.end > s && iv.start < s + len) {
            s = iv.end;
            moved = true;
          }
        }
      }
    }
    busy_[victim] = {s, s + len};
    return s;
  }

 private:
  struct Interval {
    uint64_t start, end;
  };
  std::array<Interval, 8> busy_{};
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
