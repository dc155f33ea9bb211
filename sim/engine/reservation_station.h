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
Ctrl controller_of(isa::Opcode op);

class ReservationStation {
 public:
  static constexpr uint64_t kUnknown = ~0ull;
  explicit ReservationStation(const config::HwConfig& hw);

  // Earliest cycle an entry of `type` frees, or kUnknown if every entry holds an unsimulated command.
  uint64_t entry_free_time(Ctrl type) const { return min_done_[size_t(type)]; }
  // Takes the entry that frees first for a command with sequence number `seq`.
  void occupy(Ctrl type, uint64_t seq);
  // Records the completion of command `seq` of `type`.
  void complete(Ctrl type, uint64_t seq, uint64_t end);

  // Computes dependencies of `p` (fills p.dep) and updates the block tables.
  void track(Pending& p, Ctrl type);

 private:
  struct Entry {
    uint64_t seq = 0;
    uint64_t done = 0;  // kUnknown while the command is not simulated
  };
  void reads(Pending& p, Ctrl type, std::vector<uint64_t>& writer, std::vector<uint64_t>& reader, uint32_t row,
             uint32_t rows);
  void writes(Pending& p, Ctrl type, std::vector<uint64_t>& writer, std::vector<uint64_t>& reader, uint32_t row,
              uint32_t rows);

  void refresh_min(size_t type);

  std::array<std::vector<Entry>, 3> entries_;
  // Per type: the smallest `done` of its entries (kUnknown if all are unsimulated) and the first entry
  // holding it. Kept up to date by occupy() and complete() so that entry_free_time() is O(1).
  std::array<uint64_t, 3> min_done_{};
  std::array<size_t, 3> min_idx_{};
  uint32_t dim_shift_;
  // Per DIM-row block: newest writer and newest reader, packed as seq << 2 | controller.
  std::vector<uint64_t> sp_writer_, sp_reader_, acc_writer_, acc_reader_;
  // Output operand named by the last dispatched preload (written by the next compute).
  isa::LocalAddr c_addr_ = isa::LocalAddr::garbage();
  uint16_t c_rows_ = 0, c_cols_ = 0;
};

}  // namespace coda::engine
