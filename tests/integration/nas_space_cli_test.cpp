// `coda nas` on a real search space (tests/data/nas/tiny-space.yaml: two hardware points): the LUT is built on
// demand, the files of the run include the resolved space and hardware configs, the Pareto points are distinct
// architectures, the final report's LUT figures equal the engine's, and -j changes nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "tests/integration/cli_run.h"

namespace coda::testing {
namespace {

std::string run_args(const fs::path& d, const std::string& out, int jobs) {
  return "nas -s tests/data/nas/tiny-space.yaml --db " + (d / "lut.sqlite").string() +
         " --quality command:tests/data/nas/space_perplexity.py --population 10 --generations 4 --no-plot -j " +
         std::to_string(jobs) + " -o " + (d / out).string();
}

std::vector<std::string> csv_rows(const std::string& text) {
  std::vector<std::string> rows;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) rows.push_back(line);
  return rows;
}

TEST(NasSpaceCli, SearchOnARealSpace) {
  const fs::path d = scratch("nas_space");
  const auto r = coda(run_args(d, "a", 2), d);
  ASSERT_EQ(r.code, 0) << r.err;
  // First run: the LUT of both hardware points is measured (2 hidden x (3 heads + 3 ffn + 1 boundary) x 2).
  EXPECT_NE(r.out.find("lut: 28 probes measured, 232 entries added"), std::string::npos) << r.out;
  for (const char* f : {"history.csv", "pareto.csv", "final.csv", "space.json", "hw-0.yaml", "hw-1.yaml", "nas.json"})
    EXPECT_TRUE(fs::exists(d / "a" / f)) << f;
  EXPECT_NE(slurp(d / "a" / "hw-0.yaml").find("capacity_kb: 128"), std::string::npos);
  EXPECT_NE(slurp(d / "a" / "hw-1.yaml").find("capacity_kb: 256"), std::string::npos);
  EXPECT_EQ(csv_rows(slurp(d / "a" / "history.csv")).size(), 40u);

  // Pareto rows describe distinct architectures (the description column is the quoted JSON).
  std::set<std::string> seen;
  const auto pareto = csv_rows(slurp(d / "a" / "pareto.csv"));
  ASSERT_FALSE(pareto.empty());
  for (const std::string& row : pareto) {
    const std::size_t a = row.find("\"{"), b = row.find("}\"", a);
    ASSERT_NE(a, std::string::npos) << row;
    EXPECT_TRUE(seen.insert(row.substr(a, b - a)).second) << "duplicate architecture on the front: " << row;
  }

  // Final report: every re-simulated point's LUT latency is within 0.01% of the engine's (err% columns).
  EXPECT_NE(r.out.find("Pareto points re-simulated with the engine"), std::string::npos) << r.out;
  const auto final_rows = csv_rows(slurp(d / "a" / "final.csv"));
  EXPECT_EQ(final_rows.size(), pareto.size() + 1);  // + baseline
  for (const std::string& row : final_rows) {
    // point,history_row,"description",lut_latency,engine_latency,lut_energy,engine_energy,...
    std::istringstream rest(row.substr(row.find("}\"") + 3));
    std::string lut_lat, eng_lat, lut_e, eng_e;
    std::getline(rest, lut_lat, ',');
    std::getline(rest, eng_lat, ',');
    std::getline(rest, lut_e, ',');
    std::getline(rest, eng_e, ',');
    EXPECT_NEAR(std::stod(lut_lat) / std::stod(eng_lat), 1.0, 1e-4) << row;
    EXPECT_NEAR(std::stod(lut_e) / std::stod(eng_e), 1.0, 1e-4) << row;
  }

  // A second run reuses the LUT and gives the same files at another -j.
  const auto r2 = coda(run_args(d, "b", 1), d);
  ASSERT_EQ(r2.code, 0) << r2.err;
  EXPECT_EQ(r2.out.find("probes measured"), std::string::npos) << r2.out;
  for (const char* f : {"history.csv", "pareto.csv", "final.csv", "checkpoint.json"})
    EXPECT_EQ(slurp(d / "a" / f), slurp(d / "b" / f)) << f;
}

TEST(NasSpaceCli, BadSpaceIsALocatedError) {
  const fs::path d = scratch("nas_space_bad");
  const auto r = coda("nas -s tests/data/nas/bad-space.yaml --db " + (d / "lut.sqlite").string() + " -o " +
                          (d / "a").string(),
                      d);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("tests/data/nas/bad-space.yaml:9:3: model.dropout: unknown key"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace coda::testing
