// coda data / train / ppl end to end on the tiny test corpus (tests/data/lm).
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/integration/cli_run.h"

namespace coda::testing {
namespace {

TEST(LmCli, DataTrainPplOnATinyCorpus) {
  const fs::path dir = scratch("lm_cli");
  const CliRun data = coda("data kjv --corpus tests/data/lm/tiny-corpus.txt -o '" + (dir / "corpus").string() + "'", dir);
  ASSERT_EQ(data.code, 0) << data.err;
  EXPECT_TRUE(fs::exists(dir / "corpus" / "train.txt"));
  EXPECT_TRUE(fs::exists(dir / "corpus" / "split.json"));

  const std::string ck = (dir / "tiny.bin").string();
  const CliRun train = coda("train -s tests/data/lm/tiny-space.yaml -o '" + ck + "' --data '" +
                                (dir / "corpus").string() + "' --steps 30 --print-every 10",
                            dir);
  ASSERT_EQ(train.code, 0) << train.err;
  EXPECT_NE(train.out.find("step     30/30"), std::string::npos) << train.out;
  EXPECT_NE(train.out.find("tok/s"), std::string::npos);
  EXPECT_TRUE(fs::exists(ck));
  EXPECT_TRUE(fs::exists(ck + ".state"));

  const CliRun ppl = coda("ppl --checkpoint '" + ck + "' --data '" + (dir / "corpus").string() +
                              "' --arch smallest --json '" + (dir / "ppl.json").string() + "'",
                          dir);
  ASSERT_EQ(ppl.code, 0) << ppl.err;
  EXPECT_NE(ppl.out.find("float    perplexity"), std::string::npos) << ppl.out;
  EXPECT_NE(ppl.out.find("integer  perplexity"), std::string::npos) << ppl.out;
  const std::string json = slurp(dir / "ppl.json");
  EXPECT_NE(json.find("\"bits_per_char\""), std::string::npos);

  // A subnet outside the supernet: exit 2 and the field named.
  const CliRun bad = coda("ppl --checkpoint '" + ck + "' --data '" + (dir / "corpus").string() +
                              "' --arch '{\"layers\":5,\"hidden\":16,\"heads\":1,\"ffn\":32}'",
                          dir);
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("arch.layers"), std::string::npos) << bad.err;
  // A missing checkpoint: exit 2, named.
  const CliRun missing = coda("ppl --checkpoint /no/such.bin --data '" + (dir / "corpus").string() + "'", dir);
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("/no/such.bin"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace coda::testing
