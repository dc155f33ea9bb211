// `coda sim --schedule` end to end: decisions in the report and JSON, whole-layer verification, bad schedules.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli_run.h"

namespace fs = std::filesystem;

namespace {

using coda::testing::CliRun;
using coda::testing::coda;
using coda::testing::slurp;

fs::path scratch() { return coda::testing::scratch("coda_sched_cli"); }

TEST(ScheduleCli, FusedRunReportsDecisionsAndVerifiesWholeLayers) {
  const fs::path d = scratch();
  const CliRun r = coda("sim -c configs/hw/gemmini-ibert.yaml -w configs/workloads/tiny.yaml --schedule fused --verify --json " +
                            (d / "r.json").string(),
                        d);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("schedule                       fused"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0 mismatches"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(slurp(d / "r.json"));
  EXPECT_EQ(j["schedule"]["name"], "fused");
  EXPECT_GT(j["counters"]["normalizer_busy_cycles"].get<uint64_t>(), 0u);
  EXPECT_GT(j["counters"]["activation_busy_cycles"].get<uint64_t>(), 0u);
  EXPECT_EQ(j["counters"]["host_cycles"].get<uint64_t>(), 0u);
  for (const char* p : {"qk_softmax", "out_proj_layernorm", "ffn2_layernorm", "ffn1_gelu"}) {
    EXPECT_TRUE(j["schedule"]["fusion"][p]["requested"].get<bool>()) << p;
    EXPECT_TRUE(j["schedule"]["fusion"][p]["applied"].get<bool>()) << p;
  }
  bool saw_fused_softmax = false;
  for (const auto& op : j["ops"])
    if (op["kind"] == "softmax") saw_fused_softmax = op["placement"] == "fused";
  EXPECT_TRUE(saw_fused_softmax);
}

TEST(ScheduleCli, BaselineSaysWhyNothingFuses) {
  const fs::path d = scratch();
  const CliRun r = coda("sim -c configs/hw/gemmini-baseline.yaml -w configs/workloads/tiny.yaml --schedule fused --ops 0", d);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("qk_softmax           unfused  (fusion not possible: no normalizer and activation units: runs on the host)"),
            std::string::npos)
      << r.out;
}

TEST(ScheduleCli, BadScheduleFileIsALocatedError) {
  const fs::path d = scratch();
  std::ofstream(d / "s.yaml") << "qk_softmax: fused\nffn1_gelu: sometimes\n";
  const CliRun r = coda("sim -c configs/hw/gemmini-ibert.yaml -w tiny --schedule " + (d / "s.yaml").string(), d);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find((d / "s.yaml").string() + ":2:12: ffn1_gelu: expected fused or unfused, got 'sometimes'"),
            std::string::npos)
      << r.err;
  const CliRun r2 = coda("sim -c configs/hw/gemmini-ibert.yaml -w tiny --schedule nonsense", d);
  EXPECT_EQ(r2.code, 2);
  EXPECT_NE(r2.err.find("schedule"), std::string::npos) << r2.err;
}

}  // namespace
