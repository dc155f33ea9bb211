// Shared by the SystemC platform tests (each its own executable, one simulation per process): runs an op graph
// on the example virtual platform and on the standalone engine (sim::simulate) and compares them.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "sim/config/hw_loader.h"
#include "sim/simulator.h"
#include "sim/tlm/example/platform.h"

namespace coda::tlm::testing {

inline std::string src(const std::string& rel) { return std::string(CODA_SOURCE_DIR) + "/" + rel; }

struct Compared {
  PlatformResult platform;
  sim::SimResult engine;
};

// The platform with the memory configured like hw.dram must give the standalone engine's cycles, per-op timing
// and counters exactly, and every DMA request must reach the memory at its engine cycle.
inline Compared compare(const config::HwConfig& hw, const models::OpGraph& graph, const sim::SimOptions& so,
                        const PlatformOptions& po) {
  Compared c;
  c.platform = run_platform(hw, graph, so.lowering, po);
  c.engine = sim::simulate(hw, graph, so);
  return c;
}

inline void expect_equal_timing(const Compared& c) {
  const PlatformResult& p = c.platform;
  const sim::SimResult& s = c.engine;
  EXPECT_GT(s.total_cycles, 0u);
  EXPECT_EQ(p.cycles, s.total_cycles);
  EXPECT_EQ(p.late_requests, 0u);
  EXPECT_EQ(p.counters.commands, s.counters.commands);
  EXPECT_EQ(p.counters.dma_read_requests, s.counters.dma_read_requests);
  EXPECT_EQ(p.counters.dma_write_requests, s.counters.dma_write_requests);
  EXPECT_EQ(p.counters.dram_bytes_read, s.counters.dram_bytes_read);
  EXPECT_EQ(p.counters.dram_bytes_written, s.counters.dram_bytes_written);
  EXPECT_EQ(p.counters.rs_full_cycles, s.counters.rs_full_cycles);
  EXPECT_EQ(p.memory_requests, s.counters.dma_read_requests + s.counters.dma_write_requests);
  ASSERT_EQ(p.op_timing.size(), s.ops.size());
  for (size_t i = 0; i < s.ops.size(); ++i) {
    if (!p.op_timing[i].commands) continue;
    EXPECT_EQ(p.op_timing[i].start, s.ops[i].start) << s.ops[i].name;
    EXPECT_EQ(p.op_timing[i].end, s.ops[i].end) << s.ops[i].name;
    EXPECT_EQ(p.op_timing[i].commands, s.ops[i].commands) << s.ops[i].name;
  }
}

}  // namespace coda::tlm::testing
