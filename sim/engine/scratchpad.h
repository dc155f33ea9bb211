// Gemmini's Scratchpad and AccumulatorMem: capacity, banks, ports, read/write latencies, and (in
// functional mode) the data: int8 rows of DIM elements in the scratchpad, int32 rows in the accumulator.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sim/config/hw_config.h"
#include "sim/engine/bank_calendar.h"
#include "sim/engine/stats.h"

namespace coda::engine {

// The banking both memories share: rows split evenly over banks (bank = row / rows_per_bank), each bank
// with its port calendar, and per-bank access counters.
class BankedSram {
 public:
  BankedSram(int64_t rows, int64_t banks, bool dual_ported, std::vector<uint64_t>& reads,
             std::vector<uint64_t>& writes, uint64_t& conflict_cycles);

  int64_t bank_of(uint32_t row) const {
    if (pow2_) return int64_t((row >> bank_shift_) & bank_mask_);
    return (row / bank_rows_) % banks_;
  }
  // Whether rows lo..hi (lo <= hi) all lie in one bank's range (then they share its bank).
  bool one_bank(uint32_t lo, uint32_t hi) const {
    if (pow2_) return (lo >> bank_shift_) == (hi >> bank_shift_);
    return lo / bank_rows_ == hi / bank_rows_;
  }
  // Port reservations of `cycles` port cycles for `nrows` rows: the cycle the access actually starts.
  // (Inline: called per row or per command on the engine's hot path.)
  uint64_t read(uint32_t row, uint64_t t, uint64_t nrows, uint64_t cycles) {
    const auto b = static_cast<size_t>(bank_of(row));
    reads_[b] += nrows;
    const uint64_t s = ports_[b].read(t, cycles);
    conflict_cycles_ += s - t;
    return s;
  }
  uint64_t write(uint32_t row, uint64_t t, uint64_t nrows, uint64_t cycles) {
    const auto b = static_cast<size_t>(bank_of(row));
    writes_[b] += nrows;
    const uint64_t s = ports_[b].write(t, cycles);
    conflict_cycles_ += s - t;
    return s;
  }

  void save(StateWriter& w) const {
    for (const BankPorts& p : ports_) p.save(w);
  }
  void load(StateReader& r) {
    for (BankPorts& p : ports_) p.load(r);
  }

 private:
  int64_t banks_, bank_rows_;
  bool pow2_;  // banks_ and bank_rows_ are powers of two: bank_of() by shift and mask
  uint32_t bank_shift_;
  uint64_t bank_mask_;
  std::vector<BankPorts> ports_;
  std::vector<uint64_t>& reads_;
  std::vector<uint64_t>& writes_;
  uint64_t& conflict_cycles_;
};

class Scratchpad {
 public:
  Scratchpad(const config::HwConfig& hw, Counters& counters, bool functional);

  int64_t rows() const { return rows_; }
  int64_t bank_of(uint32_t row) const { return banks_.bank_of(row); }
  bool one_bank(uint32_t lo, uint32_t hi) const { return banks_.one_bank(lo, hi); }
  uint64_t read_latency() const { return read_latency_; }
  uint64_t write_latency() const { return write_latency_; }
  // Port reservations: returns the cycle the access actually starts.
  uint64_t reserve_read(uint32_t row, uint64_t t, uint64_t nrows) { return banks_.read(row, t, nrows, nrows); }
  uint64_t reserve_write(uint32_t row, uint64_t t, uint64_t nrows) { return banks_.write(row, t, nrows, nrows); }

  // Functional data (valid only in functional mode).
  std::span<int8_t> row(uint32_t r) { return {data_.data() + size_t(r) * dim_, size_t(dim_)}; }
  // Timing state (segment_state.h): the banks' port calendars.
  void save(StateWriter& w) const { banks_.save(w); }
  void load(StateReader& r) { banks_.load(r); }

 private:
  int64_t dim_, rows_;
  uint64_t read_latency_, write_latency_;
  BankedSram banks_;
  std::vector<int8_t> data_;
};

class AccumulatorMem {
 public:
  AccumulatorMem(const config::HwConfig& hw, Counters& counters, bool functional);

  int64_t rows() const { return rows_; }
  int64_t bank_of(uint32_t row) const { return banks_.bank_of(row); }
  bool one_bank(uint32_t lo, uint32_t hi) const { return banks_.one_bank(lo, hi); }
  uint64_t read_latency() const { return read_latency_; }
  uint64_t write_latency() const { return write_latency_; }
  uint64_t scale_latency() const { return scale_latency_; }
  bool dual_ported() const { return dual_; }
  uint64_t reserve_read(uint32_t row, uint64_t t, uint64_t nrows) { return banks_.read(row, t, nrows, nrows); }
  // An accumulating write is a read-modify-write: on a single-ported bank it needs both accesses.
  uint64_t reserve_write(uint32_t row, uint64_t t, uint64_t nrows, bool accumulate) {
    if (!accumulate) return banks_.write(row, t, nrows, nrows);
    // Read-modify-write: dual-ported banks overlap the read and the write; single-ported ones take both.
    counters_.acc_reads[static_cast<size_t>(banks_.bank_of(row))] += nrows;
    return banks_.write(row, t, nrows, dual_ ? nrows : 2 * nrows);
  }

  std::span<int32_t> row(uint32_t r) { return {data_.data() + size_t(r) * dim_, size_t(dim_)}; }
  void save(StateWriter& w) const { banks_.save(w); }
  void load(StateReader& r) { banks_.load(r); }

 private:
  int64_t dim_, rows_;
  uint64_t read_latency_, write_latency_, scale_latency_;
  bool dual_;
  BankedSram banks_;
  Counters& counters_;
  std::vector<int32_t> data_;
};

}  // namespace coda::engine
