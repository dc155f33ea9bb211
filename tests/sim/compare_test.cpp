// `coda compare`'s library: run plans (cross product, labels, located errors), determinism across thread
// counts, and the report's per-block sums.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "sim/config/diagnostics.h"
#include "sim/config/workload_loader.h"
#include "sim/report/compare.h"

namespace coda {
namespace {

report::CompareSpec spec_for(std::vector<std::string> configs) {
  report::CompareSpec s;
  s.configs = std::move(configs);
  return s;
}

std::string first_diagnostic(const std::function<void()>& f) {
  try {
    f();
  } catch (const config::InputError& e) {
    return e.diagnostics().front().str();
  }
  return "(no error)";
}

TEST(Compare, RunsAreTheCrossProductOfConfigsSchedulesAndSweepValues) {
  auto s = spec_for({"configs/hw/gemmini-default.yaml", "configs/hw/gemmini-ibert.yaml"});
  s.schedules = {"unfused", "fused"};
  s.sweeps = {"accumulator.capacity_kb=64,128"};
  const auto plans = report::plan_compare(s);
  ASSERT_EQ(plans.size(), 8u);
  EXPECT_EQ(plans[0].label, "gemmini-default unfused accumulator.capacity_kb=64");
  EXPECT_EQ(plans[1].label, "gemmini-default unfused accumulator.capacity_kb=128");
  EXPECT_EQ(plans[2].label, "gemmini-default fused accumulator.capacity_kb=64");
  EXPECT_EQ(plans[7].label, "gemmini-ibert fused accumulator.capacity_kb=128");
  EXPECT_EQ(plans[1].hw.accumulator.capacity_kb, 128);
  EXPECT_EQ(plans[1].sweep, std::vector<std::string>{"accumulator.capacity_kb=128"});
  EXPECT_EQ(plans[2].schedule_name, "fused");
}

TEST(Compare, LabelsNameOnlyWhatDiffers) {
  auto s = spec_for({"configs/hw/gemmini-default.yaml"});
  s.schedules = {"unfused", "fused"};
  auto plans = report::plan_compare(s);
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_EQ(plans[0].label, "unfused");
  EXPECT_EQ(plans[1].label, "fused");

  s = spec_for({"configs/hw/gemmini-default.yaml"});
  s.sweeps = {"scratchpad.capacity_kb=128,256"};
  s.overrides = {"dram.latency_cycles=50"};
  plans = report::plan_compare(s);
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_EQ(plans[0].label, "scratchpad.capacity_kb=128");
  EXPECT_EQ(plans[0].hw.dram.latency_cycles, 50);
  EXPECT_EQ(plans[0].overrides, (std::vector<std::string>{"dram.latency_cycles=50", "scratchpad.capacity_kb=128"}));

  // The same config twice: numbered.
  plans = report::plan_compare(spec_for({"configs/hw/gemmini-default.yaml", "configs/hw/gemmini-default.yaml"}));
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_EQ(plans[0].label, "configs/hw/gemmini-default.yaml #1");
  EXPECT_EQ(plans[1].label, "configs/hw/gemmini-default.yaml #2");
}

TEST(Compare, BadInputIsALocatedInputError) {
  auto s = spec_for({"configs/hw/gemmini-default.yaml"});
  s.sweeps = {"accumulator.capacity=64,128"};
  EXPECT_NE(first_diagnostic([&] { report::plan_compare(s); }).find("<--sweep accumulator.capacity=64,128>"),
            std::string::npos);
  s.sweeps = {"accumulator.capacity_kb=64,lots"};
  const std::string bad_value = first_diagnostic([&] { report::plan_compare(s); });
  EXPECT_NE(bad_value.find("<--sweep accumulator.capacity_kb=64,lots>: accumulator.capacity_kb:"), std::string::npos)
      << bad_value;
  s.sweeps = {"accumulator.capacity_kb"};
  EXPECT_NE(first_diagnostic([&] { report::plan_compare(s); }).find("expected KEY=V1,V2"), std::string::npos);
  s.sweeps = {"accumulator.capacity_kb=64,,128"};
  EXPECT_NE(first_diagnostic([&] { report::plan_compare(s); }).find("empty value"), std::string::npos);
  s.sweeps = {};
  s.schedules = {"unfused", "no-such-schedule"};
  EXPECT_NE(first_diagnostic([&] { report::plan_compare(s); }).find("<--schedule no-such-schedule>"), std::string::npos);
}

TEST(Compare, ResultsDoNotDependOnTheThreadCount) {
  auto s = spec_for({"configs/hw/gemmini-default.yaml", "configs/hw/gemmini-ibert.yaml"});
  s.sweeps = {"dram.latency_cycles=50,100,200"};
  const auto plans = report::plan_compare(s);
  const auto graph = config::load_workload_graph("tiny");
  const auto one = report::compare_to_json("tiny", report::run_compare(graph, plans, s, 1)).dump();
  const auto four = report::compare_to_json("tiny", report::run_compare(graph, plans, s, 4)).dump();
  EXPECT_EQ(one, four);
}

TEST(Compare, BlocksAndCategoriesSumToTheTotalAndDeltasAreAgainstTheFirstRun) {
  auto s = spec_for({"configs/hw/gemmini-default.yaml"});
  s.sweeps = {"dram.bytes_per_cycle=16,4"};
  const auto runs = report::run_compare(config::load_workload_graph("tiny"), report::plan_compare(s), s, 2);
  const auto j = report::compare_to_json("tiny", runs);
  EXPECT_EQ(j["schema"], "coda.compare/1");
  ASSERT_EQ(j["runs"].size(), 2u);
  for (const auto& r : j["runs"]) {
    uint64_t blocks = 0, cats = 0;
    for (const auto& [k, v] : r["blocks"].items()) blocks += v.get<uint64_t>();
    for (const auto& [k, v] : r["breakdown_cycles"].items()) cats += v.get<uint64_t>();
    EXPECT_EQ(blocks, r["total_cycles"].get<uint64_t>());
    EXPECT_EQ(cats, r["total_cycles"].get<uint64_t>());
    EXPECT_GT(r["blocks"]["mha"].get<uint64_t>(), 0u);
    EXPECT_GT(r["blocks"]["ffn"].get<uint64_t>(), 0u);
    double e = 0;
    for (const auto& [k, v] : r["blocks_energy_j"].items()) e += v.get<double>();
    EXPECT_NEAR(e, r["energy_j"].get<double>(), 1e-9 * r["energy_j"].get<double>());
  }
  const auto& r0 = j["runs"][0];
  const auto& r1 = j["runs"][1];
  EXPECT_EQ(r0["delta_pct"]["total_cycles"].get<double>(), 0.0);
  EXPECT_GT(r1["total_cycles"].get<uint64_t>(), r0["total_cycles"].get<uint64_t>());  // a quarter of the bandwidth
  EXPECT_DOUBLE_EQ(r1["delta_pct"]["total_cycles"].get<double>(),
                   100.0 * (r1["total_cycles"].get<double>() - r0["total_cycles"].get<double>()) /
                       r0["total_cycles"].get<double>());
  const std::string text = report::format_compare_text("tiny", runs);
  EXPECT_NE(text.find("dram.bytes_per_cycle=4"), std::string::npos);
  EXPECT_NE(text.find("cycles by block"), std::string::npos);
  EXPECT_NE(text.find("%)"), std::string::npos);
  const std::string csv = report::compare_to_csv(runs);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
}

}  // namespace
}  // namespace coda
