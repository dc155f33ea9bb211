// A host slower than the accelerator (thousands of cycles per command): a command cannot dispatch before its
// write arrives, so the platform takes longer than the standalone engine (which sees the whole stream at once),
// every DMA request still reaches the memory at its engine cycle, and the data is still bit-exact.
#include <gtest/gtest.h>

#include <systemc>

#include "models/op_graph.h"
#include "platform_check.h"

namespace coda::tlm {
namespace {

TEST(SlowHost, CommandsWaitForTheHostAndDataStaysExact) {
  const config::HwConfig hw = config::load_hw_config(testing::src("configs/hw/gemmini-default.yaml"));
  const models::OpGraph graph = models::single_gemm_graph(96, 64, 80);
  sim::SimOptions so;
  so.functional = true;
  so.verify = true;
  PlatformOptions po;
  po.functional = true;
  po.command_cycles = 3000;
  const testing::Compared c = testing::compare(hw, graph, so, po);
  const uint64_t commands = c.platform.host_commands;
  ASSERT_GT(commands, 1u);
  // The last dispatched command (the last record may be a fence) arrives after (commands - 1) * 3000 host
  // cycles at the earliest, and the accelerator needs at least one more cycle after it.
  EXPECT_GT(c.platform.cycles, (commands - 1) * 3000);
  EXPECT_GT(c.platform.cycles, c.engine.total_cycles);
  EXPECT_EQ(c.platform.late_requests, 0u);
  EXPECT_EQ(c.platform.counters.commands, c.engine.counters.commands);
  EXPECT_EQ(c.platform.verify.mismatches, 0u) << c.platform.verify.first_mismatch;
  EXPECT_EQ(c.platform.verify.elements_checked, 96u * 80u);
}

}  // namespace
}  // namespace coda::tlm

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
