// The example memory target's latency and bandwidth are the platform's: with a slower memory than hw.dram the
// platform takes exactly as long as the standalone engine configured with that memory as its DRAM. Also: the
// platform refuses functional graphs with host-placed ops.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <systemc>

#include "models/op_graph.h"
#include "models/workload.h"
#include "platform_check.h"

namespace coda::tlm {
namespace {

// Runs before the platform below is elaborated: the check comes before any module exists.
TEST(MemoryConfig, FunctionalHostOpsAreRefused) {
  const config::HwConfig hw = config::load_hw_config(testing::src("configs/hw/gemmini-default.yaml"));  // no units
  const models::OpGraph layer = models::build_op_graph(models::uniform_spec("t", 1, 32, 64, 4, 128));
  PlatformOptions po;
  po.functional = true;
  try {
    run_platform(hw, layer, {}, po);
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("L0.softmax runs on the host"), std::string::npos) << e.what();
  }
}

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
