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
    case isa::Opcode::ConfigNorm:
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
  for (size_t i = 0; i < 3; ++i) refresh_min(i);
}

void ReservationStation::refresh_min(size_t type) {
  const auto& v = entries_[type];
  uint64_t best = kUnknown;
  size_t idx = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i].done < best) {
      best = v[i].done;
      idx = i;
    }
  }
  min_done_[type] = best;
  min_idx_[type] = idx;
}

void ReservationStation::occupy(Ctrl type, uint64_t seq) {
  const auto t = size_t(type);
  entries_[t][min_idx_[t]] = Entry{seq, kUnknown};  // the first entry with the smallest `done`
  refresh_min(t);
}

void ReservationStation::complete(Ctrl type, uint64_t seq, uint64_t end) {
  const auto t = size_t(type);
  auto& v = entries_[t];
  for (size_t i = 0; i < v.size(); ++i) {
    Entry& e = v[i];
    if (e.seq == seq && e.done == kUnknown) {
      e.done = end;
      // Keep the cached minimum: the first entry holding the smallest `done`.
      if (end < min_done_[t] || (end == min_done_[t] && i < min_idx_[t])) {
        min_done_[t] = end;
        min_idx_[t] = i;
      }
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
      // A row wider than DIM lands in consecutive DIM-row blocks (scratchpad and accumulator alike).
      const uint32_t blocks = (c.cols1 + dim - 1) / dim;
      touch(c.addr1, (blocks - 1) * dim + c.rows1, true);
      break;
    }
    case isa::Opcode::Mvout: {
      const uint32_t blocks = c.addr1.is_acc() ? (c.cols1 + dim - 1) / dim : 1;
      touch(c.addr1, (blocks - 1) * dim + c.rows1, false);
      break;
    }
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
