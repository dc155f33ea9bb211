// `coda lut build | check | export` end to end on a tiny space, with a temporary database.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "cli_run.h"

namespace fs = std::filesystem;

namespace {

using coda::testing::CliRun;
using coda::testing::coda;
using coda::testing::slurp;

TEST(LutCli, BuildCheckExport) {
  const fs::path d = coda::testing::scratch("coda_lut_cli");
  const std::string db = " --db " + (d / "lut.sqlite").string();
  CliRun r = coda("lut build -s tests/data/nas/tiny-space.yaml -j 2" + db, d);
  ASSERT_EQ(r.code, 0) << r.err;
  // 2 hardware points x 2 hidden x (3 heads + 3 ffn + 1 boundary) probes.
  EXPECT_NE(r.out.find("2 hardware points): 28 probes, 232 entries added, 232 entries used by the space"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("lut build: 28/28 probes"), std::string::npos) << r.err;
  r = coda("lut build -s tests/data/nas/tiny-space.yaml" + db, d);  // warm
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(": 0 probes, 0 entries added"), std::string::npos) << r.out;

  r = coda("lut check -s tests/data/nas/tiny-space.yaml --samples 6 --seed 3 -j 2 --max-error 0.5" + db, d);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("LUT vs engine, |error| in % over 6 candidates (seed 3)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("latency  total"), std::string::npos);
  EXPECT_NE(r.out.find("energy   ffn"), std::string::npos);
  const std::string table = r.out;
  r = coda("lut check -s tests/data/nas/tiny-space.yaml --samples 6 --seed 3 -j 1" + db, d);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, table);  // same output at any -j

  r = coda("lut export --csv " + (d / "lut.csv").string() + db, d);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string csv = slurp(d / "lut.csv");
  EXPECT_EQ(csv.rfind("context,hw_name,hw_fingerprint,engine_version,lowering,op,shape,kind,block,placement,cycles,energy_j\n", 0), 0u);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 233);
}

TEST(LutCli, BadSpaceNamesFileLineAndKey) {
  const fs::path d = coda::testing::scratch("coda_lut_cli");
  const CliRun r = coda("lut build -s tests/data/nas/bad-space.yaml --db " + (d / "lut.sqlite").string(), d);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("tests/data/nas/bad-space.yaml:9:3: model.dropout: unknown key"), std::string::npos) << r.err;
}

}  // namespace
