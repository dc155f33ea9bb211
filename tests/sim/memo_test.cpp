// The segment memo (sim/engine/segment_memo.h): results with it are byte-identical to a full simulation
// (JSON and CSV reports), it actually replays segments, and it is off where it cannot be used.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>
#include <string>

#include "models/op_graph.h"
#include "models/workload.h"
#include "sim/config/hw_config.h"
#include "sim/config/hw_loader.h"
#include "sim/config/schedule_loader.h"
#include "sim/compiler/lowering.h"
#include "sim/engine/dram.h"
#include "sim/engine/engine.h"
#include "sim/engine/loop_unroller.h"
#include "sim/engine/segment_memo.h"
#include "sim/report/report.h"
#include "sim/simulator.h"

namespace coda {
namespace {

std::string src(const std::string& rel) { return std::string(CODA_SOURCE_DIR) + "/" + rel; }

config::HwConfig shipped(const std::string& name) { return config::load_hw_config(src("configs/hw/" + name + ".yaml")); }

models::OpGraph bert_base(int64_t layers, int64_t seq = 512) {
  return models::build_op_graph(models::uniform_spec("bert-base", layers, seq, 768, 12, 3072));
}

struct Outputs {
  std::string json, csv;
  sim::MemoStats memo;
};

Outputs run(const config::HwConfig& hw, const models::OpGraph& g, sim::SimOptions o, bool memo) {
  o.memo = memo;
  const sim::SimResult r = sim::simulate(hw, g, o);
  return {report::to_json(hw, r).dump(2), report::to_csv(r), r.memo};
}

// Memo on and off give the same JSON and CSV; returns the memo's statistics.
sim::MemoStats expect_identical(const config::HwConfig& hw, const models::OpGraph& g, const sim::SimOptions& o,
                                const std::string& what) {
  const Outputs off = run(hw, g, o, false);
  const Outputs on = run(hw, g, o, true);
  EXPECT_FALSE(off.memo.used) << what;
  EXPECT_TRUE(on.memo.used) << what;
  EXPECT_EQ(on.json, off.json) << what;
  EXPECT_EQ(on.csv, off.csv) << what;
  return on.memo;
}

sim::SimOptions with_schedule(const std::string& schedule, isa::Dataflow df = isa::Dataflow::WS) {
  sim::SimOptions o;
  o.lowering.schedule = config::load_schedule(schedule);
  o.lowering.dataflow = df;
  return o;
}

TEST(SegmentMemo, BertBaseOnGemminiDefaultIsIdenticalAndReplays) {
  // gemmini-default has no transformer units: softmax, LayerNorm and GELU are host ops.
  const auto m = expect_identical(shipped("gemmini-default"), bert_base(3), {}, "default");
  EXPECT_GT(m.segments_replayed, 0u);
  EXPECT_GT(m.commands_replayed, 0u);
  EXPECT_GT(m.segments_recorded, 0u);
  EXPECT_GT(m.replayed_exact, 0u);  // also segments whose older producers' ages had to match
}

TEST(SegmentMemo, BertBaseOnTransformerUnitsIsIdentical) {
  const auto hw = shipped("gemmini-ibert");
  for (const char* s : {"unfused", "fused", "attention-fused"}) {
    const auto m = expect_identical(hw, bert_base(2), with_schedule(s), std::string("ibert ") + s);
    EXPECT_GT(m.segments_replayed, 0u) << s;
  }
  const auto m = expect_identical(shipped("gemmini-ibert-rebalanced"), bert_base(4, 256), with_schedule("attention-fused"),
                                  "rebalanced");
  EXPECT_GT(m.segments_replayed, 0u);
}

TEST(SegmentMemo, OutputStationaryIsIdentical) {
  auto hw = shipped("gemmini-default");
  hw.mesh.dataflow = config::Dataflow::Both;
  EXPECT_GT(expect_identical(hw, bert_base(3, 128), with_schedule("unfused", isa::Dataflow::OS), "os").segments_replayed, 0u);
  auto ib = shipped("gemmini-ibert");
  ib.mesh.dataflow = config::Dataflow::Both;
  expect_identical(ib, bert_base(2, 128), with_schedule("fused", isa::Dataflow::OS), "ibert os");
}

TEST(SegmentMemo, RandomConfigsAndWorkloadsAreIdentical) {
  std::mt19937 rng(11);
  auto pick = [&](std::initializer_list<int64_t> v) {
    return *(v.begin() + std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng));
  };
  uint64_t replayed = 0;
  for (int trial = 0; trial < 16; ++trial) {
    config::HwConfig hw = trial % 2 ? shipped("gemmini-ibert") : shipped("gemmini-default");
    hw.scratchpad.capacity_kb = pick({64, 128, 256});
    hw.scratchpad.banks = pick({1, 2, 4, 8});
    hw.scratchpad.ports = pick({1, 2});
    hw.accumulator.capacity_kb = pick({32, 64, 128});
    hw.accumulator.banks = pick({1, 2, 4});
    hw.accumulator.ports = pick({1, 2});
    hw.reservation_station.load_entries = pick({2, 4, 8});
    hw.reservation_station.execute_entries = pick({4, 8, 16});
    hw.reservation_station.store_entries = pick({1, 2, 4});
    hw.queue.store = pick({1, 2, 4});
    hw.dma.max_in_flight = pick({2, 8, 16});
    hw.dma.bus_bits = pick({64, 128, 256});
    hw.dma.max_request_bytes = std::max<int64_t>(pick({16, 64, 256}), hw.dma.bus_bits / 8);
    hw.dram.latency_cycles = pick({20, 100, 300});
    hw.dram.bytes_per_cycle = double(pick({3, 8, 16, 64})) / double(pick({1, 2}));
    hw.normalizer.slots = pick({1, 2});
    hw.activation_units.count = pick({4, 16});
    config::validate(hw);
    const int64_t heads = pick({2, 4}), hidden = heads * pick({16, 32, 48});
    const auto spec = models::uniform_spec("rand", pick({3, 4, 5}), pick({33, 64, 128}), hidden, heads,
                                           pick({64, 200, 256}), 0, pick({1, 2}), trial % 3 == 0);
    const char* schedule = trial % 4 == 1 ? "fused" : trial % 4 == 3 ? "attention-fused" : "unfused";
    replayed += expect_identical(hw, models::build_op_graph(spec), with_schedule(schedule), "trial " + std::to_string(trial))
                    .segments_replayed;
  }
  EXPECT_GT(replayed, 0u);  // the replay path is exercised on these configs too
}

TEST(SegmentMemo, SingleGemmsAreIdentical) {
  for (auto [m, k, n] : {std::tuple{300, 170, 45}, std::tuple{512, 768, 768}, std::tuple{1, 64, 3000}})
    expect_identical(shipped("gemmini-default"), models::single_gemm_graph(m, k, n), {}, "gemm");
}

TEST(SegmentMemo, OffWhereEveryCommandMustBeSimulated) {
  const auto hw = shipped("gemmini-ibert");
  const auto g = bert_base(1, 64);
  sim::SimOptions o;
  o.functional = true;
  EXPECT_FALSE(sim::simulate(hw, g, o).memo.used);  // functional mode
  sim::SimOptions d;
  std::ostringstream dump;
  d.dump_commands = &dump;
  EXPECT_FALSE(sim::simulate(hw, g, d).memo.used);  // --dump-commands
  sim::SimOptions n;
  n.memo = false;
  EXPECT_FALSE(sim::simulate(hw, g, n).memo.used);  // --no-memo
}

// An embedder's own DRAM model (sim/tlm) turns the memo off in Engine::run; the engine's own one does not.
TEST(SegmentMemo, OffWithAnEmbeddersDram) {
  const auto hw = shipped("gemmini-default");
  const auto g = bert_base(3, 64);
  engine::SimpleDram own(hw.dram);
  for (const bool external : {false, true}) {
    compiler::Lowering lowering(g, hw);
    engine::SegmentMemo memo(hw, lowering);
    engine::EngineOptions eo;
    if (external) eo.dram = &own;
    engine::Engine eng(hw, eo);
    eng.set_segment_memo(&memo);
    engine::LoopUnroller unroller(hw, memo);
    eng.run(unroller, g.ops.size());
    if (external) {
      EXPECT_EQ(memo.stats().segments_recorded + memo.stats().segments_replayed, 0u);
    } else {
      EXPECT_GT(memo.stats().segments_recorded, 0u);
    }
  }
}

}  // namespace
}  // namespace coda
