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

std::unique_ptr<Dram> make_dram(const config::DramConfig& cfg) {
  if (cfg.impl == "simple") return std::make_unique<SimpleDram>(cfg);
  throw std::invalid_argument("unknown dram.impl '" + cfg.impl + "'");
}

}  // namespace coda::engine
