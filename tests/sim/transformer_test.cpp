// Transformer support: the normalizer and activation units against closed forms, the lowering's placement and
// fusion decisions (and their reasons), schedules from YAML, and whole I-BERT layers in functional mode,
// bit-exact against the models/ integer reference executor on every schedule and config.
#include <gtest/gtest.h>

#include <string>

#include "models/op_graph.h"
#include "sim/compiler/lowering.h"
#include "sim/config/hw_config.h"
#include "sim/config/hw_loader.h"
#include "sim/config/schedule_loader.h"
#include "sim/engine/activation_units.h"
#include "sim/engine/normalizer.h"
#include "sim/simulator.h"

namespace coda {
namespace {

using compiler::FusionPoint;
using compiler::Placement;

std::string src(const std::string& rel) { return std::string(CODA_SOURCE_DIR) + "/" + rel; }

config::HwConfig ibert_hw(int64_t sp_kb = 256, int64_t acc_kb = 64) {
  config::HwConfig hw;
  hw.normalizer.enabled = true;
  hw.activation_units.enabled = true;
  hw.scratchpad.capacity_kb = sp_kb;
  hw.accumulator.capacity_kb = acc_kb;
  return hw;
}

models::OpGraph layer_graph(int64_t layers, int64_t seq, int64_t hidden, int64_t heads, int64_t ffn, bool causal = false) {
  return models::build_op_graph(models::uniform_spec("t", layers, seq, hidden, heads, ffn, 0, 1, causal));
}

compiler::Placement placement(const compiler::Lowering& low, const models::OpGraph& g, const std::string& name) {
  return low.plans()[*g.find(name)].placement;
}

TEST(Normalizer, PassTimingIsLanesPlusLatencyPlusFinish) {
  config::HwConfig hw = ibert_hw();  // lanes 4, latency 4, divide 32, isqrt 1 cycle/bit
  engine::Normalizer n(hw);
  // MEAN over 768 elements: 192 lane cycles, 4 pipeline, 32 for the division.
  auto t0 = n.pass(isa::NormCmd::Mean, 0, 100, 768, 0);
  EXPECT_EQ(t0.lanes_start, 100u);
  EXPECT_EQ(t0.lanes_end, 292u);
  EXPECT_EQ(t0.stat_ready, 292u + 4 + 32);
  // The other slot's row takes the lanes as soon as they free; the first slot's next pass waits for its mean.
  auto t1 = n.pass(isa::NormCmd::Mean, 1, 100, 768, 0);
  EXPECT_EQ(t1.lanes_start, 292u);
  auto t2 = n.pass(isa::NormCmd::InvStddev, 0, 100, 768, 0);
  EXPECT_EQ(t2.lanes_start, 484u);                  // lanes busy with slot 1 until 484 (> mean ready 328)
  EXPECT_EQ(t2.stat_ready, 484u + 192 + 4 + 32 + 32);  // isqrt: 32 result bits, then the inverse
  // SUM_EXP is bound by whichever is slower: the lanes or the i-exp in the activation units.
  auto t3 = n.pass(isa::NormCmd::SumExp, 1, 0, 64, 500);
  EXPECT_EQ(t3.lanes_end - t3.lanes_start, 500u);
}

TEST(ActivationUnits, StreamAtCountElementsPerCycle) {
  config::HwConfig hw = ibert_hw();  // 16 units, 1 cycle/element, latency 2
  engine::ActivationUnits a(hw);
  auto s = a.stream(10, 256);
  EXPECT_EQ(s.start, 10u);
  EXPECT_EQ(s.busy, 16u);
  EXPECT_EQ(s.end(), 28u);
  EXPECT_EQ(s.done_after(16), 10u + 1 + 2);
  EXPECT_EQ(a.stream(0, 16).start, 26u);  // in order behind the first stream
}

TEST(Lowering, BaselineRunsNonLinearOpsOnTheHost) {
  const config::HwConfig hw;  // no units
  const auto g = layer_graph(1, 128, 768, 12, 3072);
  compiler::LoweringOptions o;
  o.schedule = compiler::Schedule::all_fused();
  compiler::Lowering low(g, hw, o);
  for (const char* n : {"L0.softmax", "L0.ln1", "L0.gelu", "L0.attn_resadd", "L0.ffn_resadd", "L0.ln2", "L0.gelu_requant"})
    EXPECT_EQ(placement(low, g, n), Placement::Host) << n;
  EXPECT_EQ(placement(low, g, "L0.q_requant"), Placement::Fused);
  EXPECT_FALSE(low.decisions()[size_t(FusionPoint::QkSoftmax)].applied);
  EXPECT_NE(low.decisions()[size_t(FusionPoint::QkSoftmax)].reason.find("no normalizer"), std::string::npos);
  // Host cost: elements x (dequantize + softmax + quantize) + bytes / host bandwidth.
  const auto& sm = g.ops[*g.find("L0.softmax")];
  const double per = hw.host.dequantize_cycles_per_element + hw.host.softmax_cycles_per_element + hw.host.quantize_cycles_per_element;
  EXPECT_EQ(low.plans()[sm.id].host_cycles,
            uint64_t(std::ceil(per * double(sm.elements()) + double(sm.bytes_in() + sm.bytes_out()) / hw.host.bytes_per_cycle)));
}

TEST(Lowering, UnfusedScheduleRunsSeparatePasses) {
  const auto g = layer_graph(1, 128, 768, 12, 3072);
  compiler::Lowering low(g, ibert_hw(), {});
  EXPECT_EQ(placement(low, g, "L0.softmax"), Placement::Pass);
  EXPECT_EQ(placement(low, g, "L0.ln1"), Placement::Pass);
  EXPECT_EQ(placement(low, g, "L0.gelu"), Placement::Pass);
  EXPECT_EQ(placement(low, g, "L0.gelu_requant"), Placement::Fused);  // on the GELU pass's mvout scale
  EXPECT_EQ(placement(low, g, "L0.attn_resadd"), Placement::Fused);   // an accumulating load in the LayerNorm pass
  EXPECT_TRUE(low.plans()[*g.find("L0.qk")].c_in_dram);
}

TEST(Lowering, FusedScheduleForcesWholeRowTilesAndHonoursCapacity) {
  const auto g = layer_graph(1, 512, 768, 12, 3072);
  compiler::LoweringOptions o;
  o.schedule = compiler::Schedule::all_fused();
  // 64 KiB accumulator (1024 rows): softmax rows of 512 fit half (double-buffered); LayerNorm rows of 768 only
  // the whole accumulator (single-buffered).
  compiler::Lowering low(g, ibert_hw(256, 64), o);
  const auto& qk = low.plans()[*g.find("L0.qk")];
  EXPECT_EQ(placement(low, g, "L0.softmax"), Placement::Fused);
  EXPECT_EQ(qk.tile.i, 1);
  EXPECT_EQ(qk.tile.j, 32);
  EXPECT_EQ(qk.tile.k, 1);
  EXPECT_FALSE(qk.acc_single);
  EXPECT_FALSE(qk.c_in_dram);
  const auto& wo = low.plans()[*g.find("L0.out_proj")];
  EXPECT_EQ(placement(low, g, "L0.ln1"), Placement::Fused);
  EXPECT_TRUE(wo.acc_single);
  EXPECT_EQ(wo.tile.j, 48);
  EXPECT_EQ(wo.res_op, *g.find("L0.attn_resadd"));
  EXPECT_TRUE(low.plans()[*g.find("L0.ffn1")].gelu);
  for (const auto& d : low.decisions()) EXPECT_TRUE(d.applied && d.requested);

  // Sequence 2048: a score row needs 2048 accumulator rows, more than the 1024 there are: no fusion, no pass.
  const auto g2 = layer_graph(1, 2048, 768, 12, 3072);
  compiler::Lowering low2(g2, ibert_hw(256, 64), o);
  EXPECT_EQ(placement(low2, g2, "L0.softmax"), Placement::Host);
  const auto& d = low2.decisions()[size_t(FusionPoint::QkSoftmax)];
  EXPECT_TRUE(d.requested);
  EXPECT_FALSE(d.applied);
  EXPECT_NE(d.reason.find("2048"), std::string::npos) << d.reason;
  // With a 256 KiB accumulator (4096 rows) it fits, single-buffered, but the whole-row B tile needs 2064
  // scratchpad rows, more than half of a 64 KiB scratchpad: a pass instead, with the reason.
  compiler::Lowering low3(g2, ibert_hw(64, 256), o);
  EXPECT_EQ(placement(low3, g2, "L0.softmax"), Placement::Pass);
  EXPECT_NE(low3.decisions()[size_t(FusionPoint::QkSoftmax)].reason.find("scratchpad"), std::string::npos);
}

TEST(Schedule, ParsesFilesAndReportsLocatedErrors) {
  const auto s = config::parse_schedule_string("qk_softmax: fused\nffn1_gelu: unfused\n", "s.yaml");
  EXPECT_TRUE(s.is_fused(FusionPoint::QkSoftmax));
  EXPECT_FALSE(s.is_fused(FusionPoint::Ffn1Gelu));
  EXPECT_FALSE(s.is_fused(FusionPoint::OutProjLayerNorm));
  EXPECT_EQ(config::load_schedule("fused").fused, compiler::Schedule::all_fused().fused);
  EXPECT_EQ(config::load_schedule(src("configs/schedules/fused.yaml")).fused, compiler::Schedule::all_fused().fused);
  EXPECT_TRUE(config::load_schedule("attention-fused").is_fused(FusionPoint::QkSoftmax));
  try {
    config::parse_schedule_string("qk_softmax: fused\nln_fusion: fused\nffn1_gelu: maybe\n", "s.yaml");
    FAIL() << "expected an InputError";
  } catch (const config::InputError& e) {
    ASSERT_EQ(e.diagnostics().size(), 2u);
    EXPECT_EQ(e.diagnostics()[0].str(),
              "s.yaml:2:1: ln_fusion: unknown fusion point; expected one of qk_softmax, out_proj_layernorm, "
              "ffn2_layernorm, ffn1_gelu");
    EXPECT_EQ(e.diagnostics()[1].str(), "s.yaml:3:12: ffn1_gelu: expected fused or unfused, got 'maybe'");
  }
  EXPECT_THROW(config::load_schedule("no-such-schedule"), config::InputError);
}

struct LayerCase {
  const char* config;
  const char* schedule;
};

class WholeLayer : public ::testing::TestWithParam<LayerCase> {};

// A reduced model with awkward sizes (sequence and widths not multiples of DIM, causal attention): every op
// output that reaches DRAM equals the integer reference executor's, on every shipped config and schedule.
TEST_P(WholeLayer, FunctionalIsBitExactAgainstTheIntegerReference) {
  const config::HwConfig hw = config::load_hw_config(src(std::string("configs/hw/") + GetParam().config + ".yaml"));
  const auto g = layer_graph(2, 50, 96, 3, 200, true);
  sim::SimOptions o;
  o.verify = true;
  o.lowering.schedule = config::load_schedule(GetParam().schedule);
  const sim::SimResult r = sim::simulate(hw, g, o);
  ASSERT_TRUE(r.verify.ran);
  EXPECT_EQ(r.verify.mismatches, 0u) << r.verify.first_mismatch;
  EXPECT_GE(r.verify.ops_checked, 16u);  // per layer at least q, k, v, probs, context, ln1, gelu_q, ln2
  EXPECT_GT(r.verify.elements_checked, 90000u);
}

INSTANTIATE_TEST_SUITE_P(Configs, WholeLayer,
                         ::testing::Values(LayerCase{"gemmini-baseline", "unfused"}, LayerCase{"gemmini-ibert", "unfused"},
                                           LayerCase{"gemmini-ibert", "fused"}, LayerCase{"gemmini-ibert", "attention-fused"},
                                           LayerCase{"gemmini-ibert-rebalanced", "unfused"},
                                           LayerCase{"gemmini-ibert-rebalanced", "fused"}),
                         [](const auto& info) {
                           std::string s = std::string(info.param.config) + "_" + info.param.schedule;
                           for (char& c : s)
                             if (c == '-') c = '_';
                           return s;
                         });

// The tiny workload's shapes let the loop unroller run a LayerNorm pass's loads right behind the producing
// matmul's stores: only the fence between ops that communicate through DRAM keeps the data right.
TEST(WholeLayerTiny, OpsThatShareDramTensorsAreFenced) {
  const auto g = layer_graph(2, 32, 64, 4, 128);
  for (const char* s : {"unfused", "fused"}) {
    sim::SimOptions o;
    o.verify = true;
    o.lowering.schedule = config::load_schedule(s);
    const sim::SimResult r = sim::simulate(ibert_hw(), g, o);
    EXPECT_EQ(r.verify.mismatches, 0u) << s << ": " << r.verify.first_mismatch;
  }
}

// BERT-base dimensions at sequence 128: one whole layer, bit-exact, fused and unfused.
TEST(WholeLayerBertBase, Seq128IsBitExactFusedAndUnfused) {
  const config::HwConfig hw = config::load_hw_config(src("configs/hw/gemmini-ibert.yaml"));
  const auto g = layer_graph(1, 128, 768, 12, 3072);
  for (const char* s : {"unfused", "fused"}) {
    sim::SimOptions o;
    o.verify = true;
    o.lowering.schedule = config::load_schedule(s);
    const sim::SimResult r = sim::simulate(hw, g, o);
    EXPECT_EQ(r.verify.mismatches, 0u) << s << ": " << r.verify.first_mismatch;
    EXPECT_EQ(r.verify.ops_checked, std::string(s) == "fused" ? 8u : 12u) << s;
  }
}

// Costs come out of the model: fusing QK^T with the softmax removes the scores' DRAM round trip.
TEST(Fusion, FusedSoftmaxKeepsScoresOutOfDram) {
  const config::HwConfig hw = ibert_hw(64, 256);
  const auto g = layer_graph(1, 128, 256, 4, 512);
  sim::SimOptions u, f;
  f.lowering.schedule = config::load_schedule("attention-fused");
  const auto ru = sim::simulate(hw, g, u), rf = sim::simulate(hw, g, f);
  const uint64_t scores = 4ull * 128 * 128 * 4;  // heads x seq x seq int32
  EXPECT_GE(ru.counters.dram_bytes_written - rf.counters.dram_bytes_written, scores);
  EXPECT_GE(ru.counters.dram_bytes_read, rf.counters.dram_bytes_read);  // no read-back either (B reloads aside)
  EXPECT_GT(rf.counters.normalizer_busy_cycles, 0u);
  EXPECT_EQ(rf.counters.normalizer_busy_cycles, ru.counters.normalizer_busy_cycles);  // same passes either way
}

// Without the units nothing runs on the normalizer; with them nothing non-linear runs on the host.
TEST(Fusion, UnitsMoveWorkOffTheHost) {
  const auto g = layer_graph(1, 64, 128, 2, 256);
  const auto base = sim::simulate(config::HwConfig{}, g, {});
  const auto units = sim::simulate(ibert_hw(), g, {});
  EXPECT_GT(base.counters.host_cycles, 0u);
  EXPECT_EQ(base.counters.normalizer_busy_cycles, 0u);
  EXPECT_EQ(units.counters.host_cycles, 0u);
  EXPECT_LT(units.total_cycles, base.total_cycles);
}

}  // namespace
}  // namespace coda
