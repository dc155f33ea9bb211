// `coda sim` end to end: the real binary, its outputs and its exit codes.
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

fs::path scratch() { return coda::testing::scratch("coda_sim_cli"); }

// The segment memo (on by default) and --no-memo give byte-identical stdout, JSON and CSV (docs/validation.md).
TEST(SimCli, NoMemoGivesIdenticalOutputs) {
  const fs::path d = scratch();
  std::ofstream(d / "w.yaml") << "name: four\nlayers: 4\nseq_len: 96\nhidden: 128\nheads: 4\nffn: 256\n";
  std::string out[2];
  for (int memo = 0; memo < 2; ++memo) {
    const std::string tag = memo ? "on" : "off";
    const CliRun r = coda("sim -c configs/hw/gemmini-ibert.yaml -w " + (d / "w.yaml").string() + " --schedule fused --json " +
                              (d / (tag + ".json")).string() + " --csv " + (d / (tag + ".csv")).string() +
                              (memo ? "" : " --no-memo"),
                          d);
    ASSERT_EQ(r.code, 0) << r.err;
    out[memo] = r.out;
  }
  EXPECT_EQ(out[0], out[1]);
  EXPECT_EQ(slurp(d / "on.json"), slurp(d / "off.json"));
  EXPECT_EQ(slurp(d / "on.csv"), slurp(d / "off.csv"));
  fs::remove_all(d);
}

TEST(SimCli, TinyWorkloadWritesConsistentJsonCsvAndTrace) {
  const fs::path d = scratch();
  const CliRun r = coda("sim -c configs/hw/gemmini-default.yaml -w configs/workloads/tiny.yaml --json " +
                         (d / "r.json").string() + " --csv " + (d / "r.csv").string() + " --trace " +
                         (d / "t.json").string(),
                     d);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("total cycles"), std::string::npos);
  EXPECT_NE(r.out.find("mesh utilization"), std::string::npos);
  const auto j = nlohmann::json::parse(slurp(d / "r.json"));
  for (const char* key : {"total_cycles", "seconds", "mesh_utilization", "breakdown_cycles", "ops", "counters", "config"})
    EXPECT_TRUE(j.contains(key)) << key;
  uint64_t sum = 0;
  for (const char* cat : {"matmul", "softmax", "layernorm", "gelu", "resadd", "quant"}) {
    ASSERT_TRUE(j["breakdown_cycles"].contains(cat)) << cat;
    sum += j["breakdown_cycles"][cat].get<uint64_t>();
  }
  EXPECT_EQ(sum, j["total_cycles"].get<uint64_t>());
  EXPECT_DOUBLE_EQ(j["seconds"].get<double>(), j["total_cycles"].get<double>() / 1e9);
  EXPECT_EQ(j["ops"].size(), 2u * 19u);
  EXPECT_EQ(j["ops"][0]["name"], "L0.q_proj");
  EXPECT_EQ(j["config"]["mesh"]["rows"], 16);
  EXPECT_EQ(j["dataflow"], "WS");
  uint64_t by_opcode = 0;
  for (const auto& [name, n] : j["counters"]["commands_by_opcode"].items()) by_opcode += n.get<uint64_t>();
  EXPECT_EQ(by_opcode, j["counters"]["commands"].get<uint64_t>());
  EXPECT_GT(j["counters"]["dram_busy_cycles"].get<uint64_t>(), 0u);
  EXPECT_LE(j["counters"]["dram_busy_cycles"].get<uint64_t>(), j["total_cycles"].get<uint64_t>());
  // CSV: a header and one line per op.
  const std::string csv = slurp(d / "r.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 38);
  // Trace: thread names for the units and complete events.
  const auto t = nlohmann::json::parse(slurp(d / "t.json"));
  ASSERT_TRUE(t.contains("traceEvents"));
  size_t complete = 0;
  for (const auto& e : t["traceEvents"]) complete += e["ph"] == "X";
  EXPECT_GT(complete, 38u);
  fs::remove_all(d);
}

TEST(SimCli, SameInputsGiveByteIdenticalJson) {
  const fs::path d = scratch();
  ASSERT_EQ(coda("sim -c configs/hw/gemmini-default.yaml -w gemm:200,300,100 --json " + (d / "a.json").string(), d).code, 0);
  ASSERT_EQ(coda("sim -c configs/hw/gemmini-default.yaml -w gemm:200,300,100 --json " + (d / "b.json").string(), d).code, 0);
  EXPECT_EQ(slurp(d / "a.json"), slurp(d / "b.json"));
  fs::remove_all(d);
}

TEST(SimCli, VerifyPassesOnAwkwardGemm) {
  const fs::path d = scratch();
  const CliRun r = coda("sim -c configs/hw/gemmini-default.yaml -w gemm:3000,17,45 --verify", d);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("verify: 1 ops, 135000 elements, 0 mismatches"), std::string::npos) << r.out;
  fs::remove_all(d);
}

TEST(SimCli, OverridesChangeTheResult) {
  const fs::path d = scratch();
  const CliRun slow = coda("sim -c configs/hw/gemmini-default.yaml -w gemm:128,128,128 -p dram.bytes_per_cycle=1", d);
  const CliRun fast = coda("sim -c configs/hw/gemmini-default.yaml -w gemm:128,128,128 -p dram.bytes_per_cycle=64", d);
  ASSERT_EQ(slow.code, 0);
  ASSERT_EQ(fast.code, 0);
  EXPECT_NE(slow.out, fast.out);
  fs::remove_all(d);
}

TEST(SimCli, BadInputExitsWithTwoAndANamedError) {
  const fs::path d = scratch();
  CliRun r = coda("sim -c configs/hw/gemmini-default.yaml -w gemm:0,4,4", d);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("error:"), std::string::npos) << r.err;
  r = coda("sim -c configs/hw/nope.yaml -w gemm:4,4,4", d);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("configs/hw/nope.yaml"), std::string::npos) << r.err;
  r = coda("sim -c configs/hw/gemmini-default.yaml -w gemm:4,4,4 -p scratchpad.capacity_kb=0", d);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("scratchpad.capacity_kb"), std::string::npos) << r.err;
  r = coda("sim -c configs/hw/gemmini-default.yaml", d);  // missing -w
  EXPECT_EQ(r.code, 2);
  fs::remove_all(d);
}

}  // namespace
