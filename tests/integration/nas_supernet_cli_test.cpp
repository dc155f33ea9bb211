// `coda nas --quality supernet:CKPT`: a tiny supernet trained on the test corpus scores the candidates with the
// integer-only perplexity `coda ppl --integer` reports, and a space reaching outside the supernet is refused.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/integration/cli_run.h"

namespace coda::testing {
namespace {

TEST(NasSupernetCli, PerplexityOfTheBaselineIsCodaPplsIntegerPerplexity) {
  const fs::path d = scratch("nas_supernet");
  const std::string corpus = (d / "corpus").string(), ck = (d / "tiny.bin").string();
  ASSERT_EQ(coda("data kjv --corpus tests/data/lm/tiny-corpus.txt -o '" + corpus + "'", d).code, 0);
  const CliRun train = coda("train -s tests/data/lm/tiny-space.yaml -o '" + ck + "' --data '" + corpus + "' --steps 20", d);
  ASSERT_EQ(train.code, 0) << train.err;

  const std::string common = " --quality supernet:" + ck + " --lm-data " + corpus + " --db " + (d / "lut.sqlite").string() +
                             " --population 6 --generations 2 -j 2 --no-plot -o ";
  const CliRun nas = coda("nas -s tests/data/nas/lm-tiny-space.yaml" + common + (d / "run").string(), d);
  ASSERT_EQ(nas.code, 0) << nas.err;
  EXPECT_NE(nas.out.find("quality evaluations"), std::string::npos) << nas.out;

  // The baseline (largest subnet) row of final.csv: ...,perplexity,edp_vs_baseline,perplexity_vs_baseline
  std::istringstream in(slurp(d / "run" / "final.csv"));
  std::string line, baseline;
  while (std::getline(in, line))
    if (line.rfind("baseline,", 0) == 0) baseline = line;
  ASSERT_FALSE(baseline.empty());
  const std::size_t c3 = baseline.rfind(','), c2 = baseline.rfind(',', c3 - 1), c1 = baseline.rfind(',', c2 - 1);
  const double nas_ppl = std::stod(baseline.substr(c1 + 1, c2 - c1 - 1));
  EXPECT_EQ(baseline.substr(c3 + 1), "1");

  const CliRun ppl = coda("ppl --checkpoint '" + ck + "' --data '" + corpus + "' --arch largest --integer --windows 4", d);
  ASSERT_EQ(ppl.code, 0) << ppl.err;
  const std::size_t at = ppl.out.find("integer  perplexity ");
  ASSERT_NE(at, std::string::npos) << ppl.out;
  const double ppl_integer = std::stod(ppl.out.substr(at + 20));
  EXPECT_NEAR(nas_ppl, ppl_integer, 1e-4 * ppl_integer) << baseline << "\n" << ppl.out;
  EXPECT_GT(nas_ppl, 1.0);

  // Candidates the supernet does not hold (3 layers of a 2-layer supernet): a clean error naming the field.
  const CliRun deep = coda("nas -s tests/data/nas/lm-too-deep-space.yaml" + common + (d / "deep").string(), d);
  EXPECT_EQ(deep.code, 2);
  EXPECT_NE(deep.err.find("not a subnet of the checkpoint"), std::string::npos) << deep.err;
  EXPECT_NE(deep.err.find("layers"), std::string::npos) << deep.err;
  fs::remove_all(d);
}

}  // namespace
}  // namespace coda::testing
