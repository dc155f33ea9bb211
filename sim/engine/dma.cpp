#include "sim/engine/dma.h"

#include <algorithm>
#include <bit>

namespace coda::engine {

DmaChannel::DmaChannel(const config::DmaConfig& cfg, Dram& dram, Counters& counters, bool write)
    : dram_(dram),
      counters_(counters),
      write_(write),
      max_bytes_(static_cast<uint32_t>(cfg.max_request_bytes)),
      bus_bytes_(static_cast<uint32_t>(cfg.bus_bits / 8)),
      in_flight_(static_cast<uint32_t>(cfg.max_in_flight)),
      slot_free_(static_cast<size_t>(cfg.max_in_flight), 0) {}

namespace {
// The next request of a transfer at `addr`: the largest power of two that divides the address, fits the
// remaining bytes and is at most `max_bytes`.
inline uint32_t next_piece(uint64_t addr, uint32_t bytes, uint32_t max_bytes) {
  const uint64_t align = addr ? (addr & (~addr + 1)) : max_bytes;
  auto piece = static_cast<uint32_t>(std::min<uint64_t>(align, max_bytes));
  while (piece > bytes) piece >>= 1;
  return piece;
}
}  // namespace

uint32_t DmaChannel::split_count(uint64_t addr, uint32_t bytes, uint32_t max_bytes) {
  uint32_t n = 0;
  for (uint32_t piece; bytes > 0; addr += piece, bytes -= piece, ++n) piece = next_piece(addr, bytes, max_bytes);
  return n;
}

uint64_t DmaChannel::issue_request(uint64_t t, uint64_t addr, uint32_t bytes) {
  uint64_t& slot = slot_free_[slot_];
  slot_ = (slot_ + 1 == in_flight_) ? 0 : slot_ + 1;
  const uint64_t ready = std::max(t, next_issue_);
  const uint64_t issue = std::max(ready, slot);
  counters_.dma_wait_cycles += issue - ready;
  next_issue_ = issue + 1;
  const uint64_t beats = (bytes + bus_bytes_ - 1) / bus_bytes_;
  uint64_t done;
  if (write_) {
    // Write data goes over the bus with the request, then DRAM acknowledges.
    const uint64_t bus_start = std::max(issue, bus_free_);
    bus_free_ = bus_start + beats;
    done = dram_.access(bus_free_, addr, bytes, true);
    ++counters_.dma_write_requests;
    counters_.dram_bytes_written += bytes;
  } else {
    // DRAM serves the read, then the response beats return over the bus.
    const uint64_t data = dram_.access(issue, addr, bytes, false);
    const uint64_t bus_start = std::max(data, bus_free_);
    bus_free_ = bus_start + beats;
    done = bus_free_;
    ++counters_.dma_read_requests;
    counters_.dram_bytes_read += bytes;
  }
  slot = done;
  last_done_ = done;
  return issue;
}

RowTiming DmaChannel::row(uint64_t t, uint64_t addr, uint32_t bytes) {
  RowTiming r{t, t};
  while (bytes > 0) {
    const uint32_t piece = next_piece(addr, bytes, max_bytes_);
    r.last_issue = issue_request(t, addr, piece);
    r.done = std::max(r.done, last_done_);
    addr += piece;
    bytes -= piece;
  }
  return r;
}

}  // namespace coda::engine
