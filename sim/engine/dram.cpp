#include "sim/engine/dram.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace coda::engine {

SimpleDram::SimpleDram(const config::DramConfig& cfg)
    : latency_(static_cast<uint64_t>(cfg.latency_cycles)),
      cost_per_byte_fp_(static_cast<uint64_t>(std::llround(double(1ull << kFrac) / cfg.bytes_per_cycle))) {
  if (cost_per_byte_fp_ == 0) cost_per_byte_fp_ = 1;
}

uint64_t SimpleDram::access(uint64_t t, uint64_t /*addr*/, uint32_t bytes, bool /*write*/) {
  const uint64_t t_fp = t << kFrac;
  const uint64_t start = std::max(t_fp, free_fp_);
  const uint64_t occupancy = uint64_t(bytes) * cost_per_byte_fp_;
  free_fp_ = start + occupancy;
  busy_fp_ += occupancy;
  // Round the end of the transfer up to a whole cycle.
  const uint64_t done = (free_fp_ + (1ull << kFrac) - 1) >> kFrac;
  return done + latency_;
}

std::unique_ptr<Dram> make_dram(const config::DramConfig& cfg) {
  if (cfg.impl == "simple") return std::make_unique<SimpleDram>(cfg);
  throw std::invalid_argument("unknown dram.impl '" + cfg.impl + "'");
}

}  // namespace coda::engine
