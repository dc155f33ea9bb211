// One I-BERT encoder layer (fused schedule: softmax, LayerNorm and i-GELU on the accelerator's normalizer and
// activation units) on the example virtual platform: cycles, per-op timing and counters equal the standalone
// engine's, and every op output in the TLM memory equals the models/ integer reference executor's.
#include <gtest/gtest.h>

#include <systemc>

#include "models/op_graph.h"
#include "models/workload.h"
#include "platform_check.h"
#include "sim/compiler/schedule.h"

namespace coda::tlm {
namespace {

TEST(IbertLayerPlatform, CyclesEqualTheEngineAndOutputsMatchTheReference) {
  const config::HwConfig hw = config::load_hw_config(testing::src("configs/hw/gemmini-ibert.yaml"));
  const models::OpGraph graph = models::build_op_graph(models::uniform_spec("layer", 1, 64, 128, 4, 256, 0, 1, false));
  sim::SimOptions so;
  so.functional = true;
  so.verify = true;
  so.seed = 3;
  so.lowering.schedule = compiler::Schedule::all_fused();
  PlatformOptions po;
  po.functional = true;
  po.seed = 3;
  const testing::Compared c = testing::compare(hw, graph, so, po);
  testing::expect_equal_timing(c);
  EXPECT_EQ(c.platform.verify.ops_checked, c.engine.verify.ops_checked);
  EXPECT_EQ(c.platform.verify.ops_checked, 8u);  // the fused layer's op outputs that reach DRAM
  EXPECT_EQ(c.platform.verify.elements_checked, c.engine.verify.elements_checked);
  EXPECT_EQ(c.platform.verify.mismatches, 0u) << c.platform.verify.first_mismatch;
}

}  // namespace
}  // namespace coda::tlm

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
