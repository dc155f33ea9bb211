#include "sim/engine/scratchpad.h"

#include <bit>

namespace coda::engine {

Scratchpad::Scratchpad(const config::HwConfig& hw, Counters& counters, bool functional)
    : dim_(hw.dim()),
      rows_(hw.sp_rows()),
      banks_(hw.scratchpad.banks),
      bank_rows_(hw.sp_bank_rows()),
      pow2_(std::has_single_bit(static_cast<uint64_t>(banks_)) && std::has_single_bit(static_cast<uint64_t>(bank_rows_))),
      bank_shift_(static_cast<uint32_t>(std::countr_zero(static_cast<uint64_t>(bank_rows_)))),
      bank_mask_(static_cast<uint64_t>(banks_) - 1),
      read_latency_(static_cast<uint64_t>(hw.scratchpad.read_latency_cycles)),
      write_latency_(static_cast<uint64_t>(hw.scratchpad.write_latency_cycles)),
      counters_(counters),
      ports_(static_cast<size_t>(banks_), BankPorts(hw.scratchpad.ports >= 2)) {
  counters_.sp_reads.assign(static_cast<size_t>(banks_), 0);
  counters_.sp_writes.assign(static_cast<size_t>(banks_), 0);
  if (functional) data_.assign(size_t(rows_) * size_t(dim_), 0);
}

uint64_t Scratchpad::reserve_read(uint32_t row, uint64_t t, uint64_t nrows) {
  const auto b = static_cast<size_t>(bank_of(row));
  counters_.sp_reads[b] += nrows;
  const uint64_t s = ports_[b].read(t, nrows);
  counters_.sp_bank_conflict_cycles += s - t;
  return s;
}

uint64_t Scratchpad::reserve_write(uint32_t row, uint64_t t, uint64_t nrows) {
  const auto b = static_cast<size_t>(bank_of(row));
  counters_.sp_writes[b] += nrows;
  const uint64_t s = ports_[b].write(t, nrows);
  counters_.sp_bank_conflict_cycles += s - t;
  return s;
}

void Scratchpad::reset() {
  for (auto& p : ports_) p.reset();
  std::fill(data_.begin(), data_.end(), 0);
}

AccumulatorMem::AccumulatorMem(const config::HwConfig& hw, Counters& counters, bool functional)
    : dim_(hw.dim()),
      rows_(hw.acc_rows()),
      banks_(hw.accumulator.banks),
      bank_rows_(hw.acc_bank_rows()),
      pow2_(std::has_single_bit(static_cast<uint64_t>(banks_)) && std::has_single_bit(static_cast<uint64_t>(bank_rows_))),
      bank_shift_(static_cast<uint32_t>(std::countr_zero(static_cast<uint64_t>(bank_rows_)))),
      bank_mask_(static_cast<uint64_t>(banks_) - 1),
      read_latency_(static_cast<uint64_t>(hw.accumulator.read_latency_cycles)),
      write_latency_(static_cast<uint64_t>(hw.accumulator.write_latency_cycles)),
      scale_latency_(static_cast<uint64_t>(hw.accumulator.scale_latency_cycles)),
      dual_(hw.accumulator.ports >= 2),
      counters_(counters),
      ports_(static_cast<size_t>(banks_), BankPorts(dual_)) {
  counters_.acc_reads.assign(static_cast<size_t>(banks_), 0);
  counters_.acc_writes.assign(static_cast<size_t>(banks_), 0);
  if (functional) data_.assign(size_t(rows_) * size_t(dim_), 0);
}

uint64_t AccumulatorMem::reserve_read(uint32_t row, uint64_t t, uint64_t nrows) {
  const auto b = static_cast<size_t>(bank_of(row));
  counters_.acc_reads[b] += nrows;
  const uint64_t s = ports_[b].read(t, nrows);
  counters_.acc_bank_conflict_cycles += s - t;
  return s;
}

uint64_t AccumulatorMem::reserve_write(uint32_t row, uint64_t t, uint64_t nrows, bool accumulate) {
  const auto b = static_cast<size_t>(bank_of(row));
  counters_.acc_writes[b] += nrows;
  uint64_t s;
  if (accumulate) {
    counters_.acc_reads[b] += nrows;
    // Read-modify-write: dual-ported banks overlap the read and the write; single-ported ones take both.
    s = dual_ ? ports_[b].write(t, nrows) : ports_[b].write(t, 2 * nrows);
  } else {
    s = ports_[b].write(t, nrows);
  }
  counters_.acc_bank_conflict_cycles += s - t;
  return s;
}

void AccumulatorMem::reset() {
  for (auto& p : ports_) p.reset();
  std::fill(data_.begin(), data_.end(), 0);
}

}  // namespace coda::engine
