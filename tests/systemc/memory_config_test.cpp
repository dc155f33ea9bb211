// The example memory target's latency and bandwidth are the platform's: with a slower memory than hw.dram the
// platform takes exactly as long as the standalone engine configured with that memory as its DRAM.
#include <gtest/gtest.h>

#include <systemc>

#include "models/op_graph.h"
#include "platform_check.h"

namespace coda::tlm {
namespace {

TEST(MemoryConfig, PlatformMemoryActsAsTheEnginesDram) {
  const config::HwConfig hw = config::load_hw_config(testing::src("configs/hw/gemmini-default.yaml"));
  const models::OpGraph graph = models::single_gemm_graph(256, 512, 128);
  PlatformOptions po;
  po.memory_latency_cycles = 300;
  po.memory_bytes_per_cycle = 2.5;
  const PlatformResult p = run_platform(hw, graph, {}, po);
  config::HwConfig slow = hw;
  slow.dram.latency_cycles = 300;
  slow.dram.bytes_per_cycle = 2.5;
  const sim::SimResult s_slow = sim::simulate(slow, graph);
  const sim::SimResult s_default = sim::simulate(hw, graph);
  EXPECT_EQ(p.cycles, s_slow.total_cycles);
  EXPECT_GT(p.cycles, s_default.total_cycles);
  EXPECT_EQ(p.late_requests, 0u);
}

}  // namespace
}  // namespace coda::tlm

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
