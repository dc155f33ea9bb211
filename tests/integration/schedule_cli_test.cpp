// `coda sim --schedule` end to end: decisions in the report and JSON, whole-layer verification, bad schedules.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

struct CliRun {
  int code = -1;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

fs::path scratch() {
  static int n = 0;
  fs::path d = fs::temp_directory_path() / ("coda_sched_cli_" + std::to_string(getpid()) + "_" + std::to_string(n++));
  fs::create_directories(d);
  return d;
}

CliRun coda(const std::string& args, const fs::path& dir) {
  const std::string cmd = std::string("cd '") + CODA_SOURCE_DIR + "' && '" + CODA_BINARY + "' " + args + " >'" +
                          (dir / "out").string() + "' 2>'" + (dir / "err").string() + "'";
  const int status = std::system(cmd.c_str());
  CliRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(dir / "out");
  r.err = slurp(dir / "err");
  return r;
}

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
