// `coda compare` and `--plot` end to end: the real binary, its outputs and its exit codes.
#include <gtest/gtest.h>

#include <algorithm>
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

fs::path scratch() { return coda::testing::scratch("coda_compare_cli"); }

// The interpreters render_plot tries: python3 on PATH, then /usr/bin/python3.
bool have_matplotlib() {
  return std::system("python3 -c 'import matplotlib' >/dev/null 2>&1") == 0 ||
         std::system("/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1") == 0;
}

TEST(CompareCli, SchedulesSideBySideWithJsonAndCsv) {
  const fs::path d = scratch();
  const CliRun r = coda("compare -c configs/hw/gemmini-ibert.yaml -w tiny --schedules unfused,fused --json " +
                            (d / "c.json").string() + " --csv " + (d / "c.csv").string(),
                        d);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("coda compare: tiny (2 runs"), std::string::npos) << r.out;
  for (const char* row : {"total cycles", "energy (", "EDP (J*s)", "cycles by block", "mha", "ffn", "softmax",
                          "energy by unit"})
    EXPECT_NE(r.out.find(row), std::string::npos) << row;
  const auto j = nlohmann::json::parse(slurp(d / "c.json"));
  EXPECT_EQ(j["schema"], "coda.compare/1");
  EXPECT_EQ(j["workload"], "tiny");
  ASSERT_EQ(j["runs"].size(), 2u);
  EXPECT_EQ(j["runs"][0]["label"], "unfused");
  EXPECT_EQ(j["runs"][1]["label"], "fused");
  EXPECT_EQ(j["runs"][1]["config"], "gemmini-ibert");
  EXPECT_EQ(j["runs"][1]["schedule"], "fused");
  for (const char* key : {"total_cycles", "seconds", "energy_j", "edp_js", "mesh_utilization", "blocks",
                          "breakdown_cycles", "energy_breakdown_j", "blocks_energy_j", "delta_pct"})
    EXPECT_TRUE(j["runs"][0].contains(key)) << key;
  EXPECT_TRUE(j["runs"][0]["blocks"].contains("mha"));
  EXPECT_TRUE(j["runs"][0]["blocks"].contains("ffn"));
  const std::string csv = slurp(d / "c.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
}

TEST(CompareCli, ConfigsAndSweepsAreByteIdenticalForAnyJobCount) {
  const fs::path d = scratch();
  const std::string base = "compare -c configs/hw/gemmini-baseline.yaml -c configs/hw/gemmini-ibert.yaml -w tiny "
                           "--sweep accumulator.capacity_kb=64,128 -p dram.latency_cycles=80 --json ";
  const CliRun one = coda(base + (d / "1.json").string() + " -j 1", d);
  ASSERT_EQ(one.code, 0) << one.err;
  const CliRun three = coda(base + (d / "3.json").string() + " -j 3", d);
  ASSERT_EQ(three.code, 0) << three.err;
  EXPECT_EQ(one.out, three.out);
  EXPECT_EQ(slurp(d / "1.json"), slurp(d / "3.json"));
  const auto j = nlohmann::json::parse(slurp(d / "1.json"));
  ASSERT_EQ(j["runs"].size(), 4u);
  EXPECT_EQ(j["runs"][0]["label"], "gemmini-baseline accumulator.capacity_kb=64");
  EXPECT_EQ(j["runs"][3]["label"], "gemmini-ibert accumulator.capacity_kb=128");
  EXPECT_EQ(j["runs"][3]["overrides"], nlohmann::json::array({"dram.latency_cycles=80", "accumulator.capacity_kb=128"}));
}

TEST(CompareCli, BadInputExitsWithTwoAndALocatedError) {
  const fs::path d = scratch();
  CliRun r = coda("compare -c configs/hw/gemmini-default.yaml -w tiny --sweep accumulator.capacity=64,128", d);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("error: <--sweep accumulator.capacity=64,128>: accumulator.capacity:"), std::string::npos)
      << r.err;
  r = coda("compare -c configs/hw/gemmini-default.yaml -w tiny --sweep accumulator.capacity_kb=64,-1", d);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("<--sweep accumulator.capacity_kb=64,-1>: accumulator.capacity_kb:"), std::string::npos)
      << r.err;
  r = coda("compare -c configs/hw/gemmini-default.yaml -w tiny --sweep accumulator.capacity_kb", d);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("expected KEY=V1,V2"), std::string::npos) << r.err;
  r = coda("compare -c configs/hw/gemmini-default.yaml -w tiny --schedules unfused,sometimes", d);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("<--schedule sometimes>: schedule:"), std::string::npos) << r.err;
  r = coda("compare -c configs/hw/nope.yaml -w tiny", d);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("configs/hw/nope.yaml"), std::string::npos) << r.err;
  r = coda("compare -c configs/hw/gemmini-default.yaml -w tiny --plot out.gif", d);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("<--plot out.gif>"), std::string::npos) << r.err;
  r = coda("compare -w tiny", d);
  EXPECT_EQ(r.code, 2);
}

TEST(PlotCli, SimWritesAPngAndCompareAnSvg) {
  if (!have_matplotlib()) GTEST_SKIP() << "python3-matplotlib is not installed";
  const fs::path d = scratch();
  CliRun r = coda("sim -c configs/hw/gemmini-default.yaml -w tiny --plot " + (d / "sim.png").string(), d);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string png = slurp(d / "sim.png");
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));

  r = coda("compare -c configs/hw/gemmini-default.yaml -w tiny --schedules unfused,fused --plot " +
               (d / "cmp.svg").string(),
           d);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string svg = slurp(d / "cmp.svg");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

TEST(PlotCli, AMissingScriptIsAClearFailure) {
  const fs::path d = scratch();
  const CliRun r = coda("sim -c configs/hw/gemmini-default.yaml -w gemm:16,16,16 --plot " + (d / "x.png").string() +
                            "",
                        d);
  ASSERT_EQ(r.code, have_matplotlib() ? 0 : 1) << r.err;
  const std::string cmd = std::string("cd '") + CODA_SOURCE_DIR + "' && CODA_PLOT_SCRIPT=/nonexistent/plot.py '" +
                          CODA_BINARY + "' sim -c configs/hw/gemmini-default.yaml -w gemm:16,16,16 --plot " +
                          (d / "y.png").string() + " >/dev/null 2>'" + (d / "err").string() + "'";
  const int status = std::system(cmd.c_str());
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 1);
  EXPECT_NE(slurp(d / "err").find("/nonexistent/plot.py is missing"), std::string::npos) << slurp(d / "err");
  EXPECT_FALSE(fs::exists(d / "y.png"));
}

}  // namespace
