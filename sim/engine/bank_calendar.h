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
    uint64_t s = t;
    for (bool moved = true; moved;) {
      moved = false;
      for (const auto& iv : busy_) {
        if (iv.end > s && iv.start < s + len) {
          s = iv.end;
          moved = true;
        }
      }
    }
    // Replace the interval that ended earliest.
    size_t victim = 0;
    for (size_t i = 1; i < busy_.size(); ++i)
      if (busy_[i].end < busy_[victim].end) victim = i;
    busy_[victim] = {s, s + len};
    return s;
  }
  void reset() { busy_.fill({0, 0}); }

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
  void reset() { read_.reset(); write_.reset(); }

 private:
  bool dual_;
  PortCalendar read_, write_;
};

}  // namespace coda::engine
