// Gemmini's DMA: a StreamReader (mvin) and a StreamWriter (mvout). Each splits a row into aligned
// power-of-two requests of at most `max_request_bytes`, issues at most one request per cycle, keeps at
// most `max_in_flight` requests outstanding, and moves data over a `bus_bits`-wide bus.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/config/hw_config.h"
#include "sim/engine/dram.h"
#include "sim/engine/stats.h"

namespace coda::engine {

// Timing of one row transfer.
struct RowTiming {
  uint64_t last_issue = 0;  // cycle the row's last request was issued
  uint64_t done = 0;        // cycle the row's data is all delivered (read) or acknowledged (write)
};

class DmaChannel {
 public:
  DmaChannel(const config::DmaConfig& cfg, Dram& dram, Counters& counters, bool write);

  // Moves one row of `bytes` at DRAM address `addr`; requests may issue from cycle `t`.
  RowTiming row(uint64_t t, uint64_t addr, uint32_t bytes);

  // Number of requests a row of `bytes` at `addr` splits into (aligned power-of-two pieces).
  static uint32_t split_count(uint64_t addr, uint32_t bytes, uint32_t max_bytes);

 private:
  uint64_t issue_request(uint64_t t, uint64_t addr, uint32_t bytes);

  Dram& dram_;
  Counters& counters_;
  bool write_;
  uint32_t max_bytes_;
  uint32_t bus_bytes_;
  uint32_t in_flight_;
  std::vector<uint64_t> slot_free_;  // ring: cycle each in-flight slot frees
  uint64_t slot_ = 0;
  uint64_t next_issue_ = 0;          // one request per cycle
  uint64_t bus_free_ = 0;            // data bus (read responses, or write data)
  uint64_t last_done_ = 0;           // completion of the request issued last
};

}  // namespace coda::engine
