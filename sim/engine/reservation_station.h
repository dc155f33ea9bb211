// ReservationStation: commands enter in order, one per cycle, each into an entry of its controller's type
// (load / execute / store); an entry frees when its command completes, and a full type stalls the whole
// stream. At dispatch the station records dependencies on earlier commands of other controllers that touch
// the same scratchpad/accumulator blocks (read-after-write, write-after-read, write-after-write).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "sim/config/hw_config.h"
#include "sim/engine/engine_context.h"

namespace coda::engine {

enum class Ctrl : uint8_t { Load = 0, Execute = 1, Store = 2 };
inline Ctrl controller_of(isa::Opcode op) {
  // Two bits per opcode (a table in one constant, no branches): load for CONFIG_LD and the MVINs, store for
  // CONFIG_ST, CONFIG_NORM and MVOUT, execute for the rest.
  constexpr auto bits = [](isa::Opcode o, Ctrl c) { return uint32_t(c) << (2 * uint32_t(o)); };
  constexpr uint32_t kTable = bits(isa::Opcode::ConfigLd, Ctrl::Load) | bits(isa::Opcode::Mvin, Ctrl::Load) |
                              bits(isa::Opcode::Mvin2, Ctrl::Load) | bits(isa::Opcode::Mvin3, Ctrl::Load) |
                              bits(isa::Opcode::ConfigSt, Ctrl::Store) | bits(isa::Opcode::ConfigNorm, Ctrl::Store) |
                              bits(isa::Opcode::Mvout, Ctrl::Store) | bits(isa::Opcode::ConfigEx, Ctrl::Execute) |
                              bits(isa::Opcode::Preload, Ctrl::Execute) |
                              bits(isa::Opcode::ComputePreloaded, Ctrl::Execute) |
                              bits(isa::Opcode::ComputeAccumulated, Ctrl::Execute) |
                              bits(isa::Opcode::Fence, Ctrl::Execute) | bits(isa::Opcode::Flush, Ctrl::Execute) |
                              bits(isa::Opcode::LoopWs, Ctrl::Execute) | bits(isa::Opcode::HostOp, Ctrl::Execute);
  static_assert(uint32_t(isa::Opcode::HostOp) < 16, "two bits per opcode in 32 bits");
  const auto o = uint32_t(op);
  return o < 16 ? static_cast<Ctrl>((kTable >> (2 * o)) & 3) : Ctrl::Execute;
}

class ReservationStation {
 public:
  static constexpr uint64_t kUnknown = ~0ull;
  explicit ReservationStation(const config::HwConfig& hw);

  // Earliest cycle an entry of `type` frees, or kUnknown if every entry holds an unsimulated command.
  uint64_t entry_free_time(Ctrl type) const { return free_[size_t(type)].front; }
  // Takes the entry that frees first (entry_free_time() must be known).
  void occupy(Ctrl type) {
    auto& f = free_[size_t(type)];
    ++f.head;
    f.front = f.head < f.tail ? f.buf[f.head] : kUnknown;
  }
  // Records that a command of `type` completes at `end`: its entry frees then.
  void complete(Ctrl type, uint64_t end) {
    auto& f = free_[size_t(type)];
    if (f.tail == f.head && f.tail < f.buf.size()) {
      f.buf[f.tail++] = end;  // the only known entry
      f.front = end;
    } else if (f.tail < f.buf.size() && f.buf[f.tail - 1] <= end) {
      f.buf[f.tail++] = end;  // the common case: the latest completion so far
    } else {
      insert(f, end);
    }
  }

  // Computes dependencies of `p` (fills p.dep) and updates the block tables.
  void track(Pending& p, Ctrl type);

  // Segment memo (segment_state.h), at a quiescent point: every entry's command is simulated, so each type's
  // known free times are all its entries, each used only as max(dispatch floor, free) with the floor at or after
  // the barrier. The block tables hold producers as ages (what dependencies a later command gets, and whether
  // their completions are still in the engine's ring); the preload's output operand is plain state.
  void save(StateWriter& w) const;
  void load(StateReader& r);
  // Calls f(packed seq << 2 | controller) for every producer the block tables name.
  template <class F>
  void for_each_tracked(F f) const {
    for (const auto* t : {&sp_writer_, &sp_reader_, &acc_writer_, &acc_reader_})
      for (uint64_t v : *t)
        if (v) f(v);
  }

 private:
  void reads(Pending& p, Ctrl type, std::vector<uint64_t>& writer, std::vector<uint64_t>& reader, uint32_t row,
             uint32_t rows);
  void writes(Pending& p, Ctrl type, std::vector<uint64_t>& writer, std::vector<uint64_t>& reader, uint32_t row,
              uint32_t rows);

  // Per type, the completion cycles of the entries whose commands are simulated, ascending, in
  // buf[head, tail). An entry's identity never matters: dispatch asks only for the earliest completion and
  // takes that entry (a tie between equal cycles is immaterial), and an entry whose command is not yet
  // simulated is simply absent. So occupy() drops the front and complete() inserts in order. `front` caches
  // buf[head] (kUnknown when empty), which dispatch reads several times per command.
  struct FreeTimes {
    std::vector<uint64_t> buf;
    size_t head = 0, tail = 0;
    uint64_t front = kUnknown;
  };
  static void insert(FreeTimes& f, uint64_t end);
  std::array<FreeTimes, 3> free_;
  uint32_t dim_shift_;
  // Per DIM-row block: newest writer and newest reader, packed as seq << 2 | controller.
  std::vector<uint64_t> sp_writer_, sp_reader_, acc_writer_, acc_reader_;
  // Output operand named by the last dispatched preload (written by the next compute).
  isa::LocalAddr c_addr_ = isa::LocalAddr::garbage();
  uint16_t c_rows_ = 0, c_cols_ = 0;
};

}  // namespace coda::engine
