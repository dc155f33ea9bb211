#include "sim/engine/scratchpad.h"

#include <algorithm>
#include <bit>

namespace coda::engine {

BankedSram::BankedSram(int64_t rows, int64_t banks, bool dual_ported, std::vector<uint64_t>& reads,
                       std::vector<uint64_t>& writes, uint64_t& conflict_cycles)
    : banks_(banks),
      bank_rows_(rows / banks),
      pow2_(std::has_single_bit(static_cast<uint64_t>(banks_)) && std::has_single_bit(static_cast<uint64_t>(bank_rows_))),
      bank_shift_(static_cast<uint32_t>(std::countr_zero(static_cast<uint64_t>(bank_rows_)))),
      bank_mask_(static_cast<uint64_t>(banks_) - 1),
      ports_(static_cast<size_t>(banks_), BankPorts(dual_ported)),
      reads_(reads),
      writes_(writes),
      conflict_cycles_(conflict_cycles) {
  reads_.assign(static_cast<size_t>(banks_), 0);
  writes_.assign(static_cast<size_t>(banks_), 0);
}

Scratchpad::Scratchpad(const config::HwConfig& hw, Counters& counters, bool functional)
    : dim_(hw.dim()),
      rows_(hw.sp_rows()),
      read_latency_(static_cast<uint64_t>(hw.scratchpad.read_latency_cycles)),
      write_latency_(static_cast<uint64_t>(hw.scratchpad.write_latency_cycles)),
      banks_(rows_, hw.scratchpad.banks, hw.scratchpad.ports >= 2, counters.sp_reads, counters.sp_writes,
             counters.sp_bank_conflict_cycles) {
  if (functional) data_.assign(size_t(rows_) * size_t(dim_), 0);
}

AccumulatorMem::AccumulatorMem(const config::HwConfig& hw, Counters& counters, bool functional)
    : dim_(hw.dim()),
      rows_(hw.acc_rows()),
      read_latency_(static_cast<uint64_t>(hw.accumulator.read_latency_cycles)),
      write_latency_(static_cast<uint64_t>(hw.accumulator.write_latency_cycles)),
      scale_latency_(static_cast<uint64_t>(hw.accumulator.scale_latency_cycles)),
      dual_(hw.accumulator.ports >= 2),
      banks_(rows_, hw.accumulator.banks, dual_, counters.acc_reads, counters.acc_writes,
             counters.acc_bank_conflict_cycles),
      counters_(counters) {
  if (functional) data_.assign(size_t(rows_) * size_t(dim_), 0);
}

}  // namespace coda::engine
