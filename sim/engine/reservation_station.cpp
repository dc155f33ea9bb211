#include "sim/engine/reservation_station.h"

#include <algorithm>
#include <bit>

namespace coda::engine {

ReservationStation::ReservationStation(const config::HwConfig& hw)
    : dim_shift_(static_cast<uint32_t>(std::countr_zero(static_cast<uint64_t>(hw.dim())))) {
  const std::array<int64_t, 3> entries{hw.reservation_station.load_entries, hw.reservation_station.execute_entries,
                                       hw.reservation_station.store_entries};
  for (size_t t = 0; t < 3; ++t) {
    auto& f = free_[t];
    const auto n = static_cast<size_t>(std::max<int64_t>(0, entries[t]));
    f.buf.assign(32 * n + 4, 0);  // room to append; compacted when full
    f.head = 0;
    f.tail = n;  // every entry is free at cycle 0
    f.front = n ? 0 : kUnknown;
  }
  const size_t sp_blocks = static_cast<size_t>(hw.sp_rows() / hw.dim()) + 1;
  const size_t acc_blocks = static_cast<size_t>(hw.acc_rows() / hw.dim()) + 1;
  sp_writer_.assign(sp_blocks, 0);
  sp_reader_.assign(sp_blocks, 0);
  acc_writer_.assign(acc_blocks, 0);
  acc_reader_.assign(acc_blocks, 0);
}

void ReservationStation::insert(FreeTimes& f, uint64_t end) {
  if (f.tail == f.buf.size()) {  // out of room at the back: move the live range to the front
    std::copy(f.buf.begin() + std::ptrdiff_t(f.head), f.buf.begin() + std::ptrdiff_t(f.tail), f.buf.begin());
    f.tail -= f.head;
    f.head = 0;
  }
  // Insertion from the back: completions arrive nearly in order, so few elements move.
  size_t i = f.tail++;
  while (i > f.head && f.buf[i - 1] > end) {
    f.buf[i] = f.buf[i - 1];
    --i;
  }
  f.buf[i] = end;
  f.front = f.buf[f.head];
}

void ReservationStation::save(StateWriter& w) const {
  for (const FreeTimes& f : free_) {
    w.put(f.tail - f.head);
    for (size_t i = f.head; i < f.tail; ++i) w.time(f.buf[i]);
  }
  for (const auto* t : {&sp_writer_, &sp_reader_, &acc_writer_, &acc_reader_})
    for (uint64_t v : *t) w.packed_seq(v);
  w.put(w.preload_output_dead ? 0 : uint64_t(c_addr_.raw) | uint64_t(c_rows_) << 32 | uint64_t(c_cols_) << 48);
}

void ReservationStation::load(StateReader& r) {
  for (FreeTimes& f : free_) {
    const auto n = static_cast<size_t>(r.get());
    f.head = 0;
    f.tail = n;
    for (size_t i = 0; i < n; ++i) f.buf[i] = r.time();
    f.front = n ? f.buf[0] : kUnknown;
  }
  for (auto* t : {&sp_writer_, &sp_reader_, &acc_writer_, &acc_reader_})
    for (uint64_t& v : *t) v = r.packed_seq(v);
  const uint64_t a = r.get();
  c_addr_.raw = uint32_t(a);
  c_rows_ = uint16_t(a >> 32);
  c_cols_ = uint16_t(a >> 48);
}

namespace {
inline void depend(Pending& p, Ctrl self, uint64_t packed) {
  if (packed == 0) return;
  const auto c = static_cast<size_t>(packed & 3);
  if (c == size_t(self)) return;  // same controller: in-order issue already orders them
  p.dep[c] = std::max(p.dep[c], packed >> 2);
}
}  // namespace

inline void ReservationStation::reads(Pending& p, Ctrl type, std::vector<uint64_t>& writer, std::vector<uint64_t>& reader,
                               uint32_t row, uint32_t rows) {
  if (rows == 0) return;
  const size_t first = row >> dim_shift_, last = std::min<size_t>((row + rows - 1) >> dim_shift_, writer.size() - 1);
  const uint64_t me = (p.seq << 2) | uint64_t(type);
  for (size_t b = first; b <= last; ++b) {
    depend(p, type, writer[b]);
    reader[b] = me;
  }
}

inline void ReservationStation::writes(Pending& p, Ctrl type, std::vector<uint64_t>& writer, std::vector<uint64_t>& reader,
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
  auto touch = [&](isa::LocalAddr a, uint32_t rows, bool write) __attribute__((always_inline)) {
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
