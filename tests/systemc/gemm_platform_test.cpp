// A GEMM on the example virtual platform: with the memory configured like the engine's DRAM the cycle count,
// per-op timing and counters equal the standalone engine's, and the data that went through the TLM memory
// equals the models/ integer GEMM bit for bit.
#include <gtest/gtest.h>

#include <systemc>

#include "models/op_graph.h"
#include "platform_check.h"

namespace coda::tlm {
namespace {

TEST(GemmPlatform, CyclesEqualTheEngineAndDataIsBitExact) {
  // Edges in every dimension (not multiples of DIM 16), several tiles.
  const config::HwConfig hw = config::load_hw_config(testing::src("configs/hw/gemmini-default.yaml"));
  const models::OpGraph graph = models::single_gemm_graph(200, 300, 150);
  sim::SimOptions so;
  so.functional = true;
  so.verify = true;
  so.seed = 7;
  PlatformOptions po;
  po.functional = true;
  po.seed = 7;
  const testing::Compared c = testing::compare(hw, graph, so, po);
  testing::expect_equal_timing(c);
  EXPECT_TRUE(c.platform.verify.ran);
  EXPECT_EQ(c.platform.verify.elements_checked, 200u * 150u);
  EXPECT_EQ(c.platform.verify.mismatches, 0u) << c.platform.verify.first_mismatch;
  EXPECT_EQ(c.engine.verify.mismatches, 0u);
}

}  // namespace
}  // namespace coda::tlm

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
