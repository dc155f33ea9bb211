// A BERT-base encoder layer (sequence 512 as shipped, fused schedule, timing only) on the example virtual
// platform with a small command queue, so that the host blocks on a full queue most of the time: the cycle
// count, per-op timing and counters still equal the standalone engine's.
#include <gtest/gtest.h>

#include <systemc>

#include "models/op_graph.h"
#include "platform_check.h"
#include "sim/config/workload_loader.h"
#include "sim/compiler/schedule.h"

namespace coda::tlm {
namespace {

TEST(BertLayerTiming, CyclesEqualTheEngineWithASmallCommandQueue) {
  const config::HwConfig hw = config::load_hw_config(testing::src("configs/hw/gemmini-ibert.yaml"));
  models::TransformerSpec spec = config::load_workload(testing::src("configs/workloads/bert-base.yaml"));
  spec.layers = 1;
  spec.heads.resize(1);
  spec.ffn.resize(1);
  const models::OpGraph graph = models::build_op_graph(spec);
  sim::SimOptions so;
  so.lowering.schedule = compiler::Schedule::all_fused();
  PlatformOptions po;
  po.queue_entries = 2;
  const testing::Compared c = testing::compare(hw, graph, so, po);
  testing::expect_equal_timing(c);
  EXPECT_GT(c.platform.host_commands, 1000u);  // normalizer passes go through the queue one row at a time
}

}  // namespace
}  // namespace coda::tlm

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
