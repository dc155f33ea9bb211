#include "sim/engine/reservation_station.h"

#include <algorithm>
#include <bit>

namespace coda::engine {

Ctrl controller_of(isa::Opcode op) {
  switch (op) {
    case isa::Opcode::ConfigLd:
    case isa::Opcode::Mvin:
    case isa::Opcode::Mvin2:
    case isa::Opcode::Mvin3: return Ctrl::Load;
    case isa::Opcode::ConfigSt:
    case isa::Opcode::Mvout: return Ctrl::Store;
    default: return Ctrl::Execute;
  }
}

ReservationStation::ReservationStation(const config::HwConfig& hw)
    : dim_shift_(static_cast<uint32_t>(std::countr_zero(static_cast<uint64_t>(hw.dim())))) {
  entries_[0].resize(static_cast<size_t>(hw.reservation_station.load_entries));
  entries_[1].resize(static_cast<size_t>(hw.reservation_station.execute_entries));
  entries_[2].resize(static_cast<size_t>(hw.reservation_station.store_entries));
  const size_t sp_blocks = static_cast<size_t>(hw.sp_rows() / hw.dim()) + 1;
  const size_t acc_blocks = static_cast<size_t>(hw.acc_rows() / hw.dim()) + 1;
  sp_writer_.assign(sp_blocks, 0);
  sp_reader_.assign(sp_blocks, 0);
  acc_writer_.assign(acc_blocks, 0);
  acc_reader_.assign(acc_blocks, 0);
}

void ReservationStation::reset() {
  for (auto& v : entries_) std::fill(v.begin(), v.end(), Entry{});
  std::fill(sp_writer_.begin(), sp_writer_.end(), 0);
  std::fill(sp_reader_.begin(), sp_reader_.end(), 0);
  std::fill(acc_writer_.begin(), acc_writer_.end(), 0);
  std::fill(acc_reader_.begin(), acc_reader_.end(), 0);
  c_addr_ = isa::LocalAddr::garbage();
}

uint64_t ReservationStation::entry_free_time(Ctrl type) const {
  uint64_t best = kUnknown;
  for (const Entry& e : entries_[size_t(type)]) best = std::min(best, e.done);
  return best;
}

void ReservationStation::occupy(Ctrl type, uint64_t seq) {
  auto& v = entries_[size_t(type)];
  auto it = std::min_element(v.begin(), v.end(), [](const Entry& a, const Entry& b) { return a.done < b.done; });
  *it = Entry{seq, kUnknown};
}

void ReservationStation::complete(Ctrl type, uint64_t seq, uint64_t end) {
  for (Entry& e : entries_[size_t(type)]) {
    if (e.seq == seq && e.done == kUnknown) {
      e.done = end;
      return;
    }
  }
}

namespace {
inline void depend(Pending& p, Ctrl self, uint64_t packed) {
  if (packed == 0) return;
  const auto c = static_cast<size_t>(packed & 3);
  if (c == size_t(self)) return;  // same controller: in-order issue already orders them
  p.dep[c] = std::max(p.dep[c], packed >> 2);
}
}  // namespace

void ReservationStation::reads(Pending& p, Ctrl type, std::vector<uint64_t>& writer, std::vector<uint64_t>& reader,
                               uint32_t row, uint32_t rows) {
  if (rows == 0) return;
  const size_t first = row >> dim_shift_, last = std::min<size_t>((row + rows - 1) >> dim_shift_, writer.size() - 1);
  const uint64_t me = (p.seq << 2) | uint64_t(type);
  for (size_t b = first; b <= last; ++b) {
    depend(p, type, writer[b]);
    reader[b] = me;
  }
}

void ReservationStation::writes(Pending& p, Ctrl type, std::vector<uint64_t>& writer, std::vector<uint64_t>& reader,
                                uint32_t row, uint32_t rows) {
  if (rows == 0) return;
  const size_t first = row >> dim_shift_, last = std::min<size_t>((row + rows - 1) >> dim_shift_, writer.size() - 1);
  const uint64_t me = (p.seq << 2) | uint64_t(type);
  for (size_t b = first; b <= last; ++b) {
    depend(p, type, writer[b]);
    depend(p, type, reader[b]);
    writer[b] = me;
    reader[b] = 0;
  }
}

void ReservationStation::track(Pending& p, Ctrl type) {
  const isa::Command& c = p.cmd;
  const uint32_t dim = 1u << dim_shift_;
  auto touch = [&](isa::LocalAddr a, uint32_t rows, bool write) {
    if (a.is_garbage() || rows == 0) return;
    if (a.is_acc()) {
      if (write) {
        if (a.accumulate()) reads(p, type, acc_writer_, acc_reader_, a.row(), rows);
        writes(p, type, acc_writer_, acc_reader_, a.row(), rows);
      } else {
        reads(p, type, acc_writer_, acc_reader_, a.row(), rows);
      }
    } else {
      if (write)
        writes(p, type, sp_writer_, sp_reader_, a.row(), rows);
      else
        reads(p, type, sp_writer_, sp_reader_, a.row(), rows);
    }
  };
  switch (c.opcode) {
    case isa::Opcode::Mvin:
    case isa::Opcode::Mvin2:
    case isa::Opcode::Mvin3: {
      const uint32_t blocks = c.addr1.is_acc() ? 1 : (c.cols1 + dim - 1) / dim;
      touch(c.addr1, (blocks - 1) * dim + c.rows1, true);
      break;
    }
    case isa::Opcode::Mvout: touch(c.addr1, c.rows1, false); break;
    case isa::Opcode::Preload:
      touch(c.addr1, c.rows1, false);
      c_addr_ = c.addr2;
      c_rows_ = c.rows2;
      c_cols_ = c.cols2;
      break;
    case isa::Opcode::ComputePreloaded:
    case isa::Opcode::ComputeAccumulated:
      touch(c.addr1, c.rows1, false);
      touch(c.addr2, c.rows2, false);
      touch(c_addr_, c_rows_, true);
      p.c_addr = c_addr_;
      p.c_rows = c_rows_;
      p.c_cols = c_cols_;
      break;
    default: break;
  }
}

}  // namespace coda::engine
