#include "sim/engine/dma.h"

#include <algorithm>
#include <bit>

namespace coda::engine {

DmaChannel::DmaChannel(const config::DmaConfig& cfg, Dram& dram, Counters& counters, bool write)
    : dram_(dram),
      simple_(dynamic_cast<SimpleDram*>(&dram)),
      counters_(counters),
      write_(write),
      max_bytes_(static_cast<uint32_t>(cfg.max_request_bytes)),
      max_pow2_(std::has_single_bit(max_bytes_)),
      bus_bytes_(static_cast<uint32_t>(cfg.bus_bits / 8)),
      bus_pow2_(std::has_single_bit(bus_bytes_)),
      bus_shift_(static_cast<uint32_t>(std::countr_zero(bus_bytes_))),
      in_flight_(static_cast<uint32_t>(cfg.max_in_flight)),
      slot_free_(static_cast<size_t>(cfg.max_in_flight), 0) {}

uint32_t DmaChannel::split_count(uint64_t addr, uint32_t bytes, uint32_t max_bytes) {
  uint32_t n = 0;
  for (uint32_t piece; bytes > 0; addr += piece, bytes -= piece, ++n) piece = next_piece_general(addr, bytes, max_bytes);
  return n;
}

}  // namespace coda::engine
