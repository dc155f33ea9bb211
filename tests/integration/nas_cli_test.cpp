// `coda nas` end to end on the hidden --toy problem: files, progress lines, -j invariance, resume after a real
// SIGKILL, the command and table evaluators, and bad input.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/integration/cli_run.h"

namespace coda::testing {
namespace {

const std::string kQuality = "--quality command:tests/data/nas/toy_perplexity.py";
const std::string kSmall = "nas --toy --population 12 --generations 6 --no-plot ";

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

TEST(NasCli, ToySearchWritesItsFiles) {
  const fs::path d = scratch("nas_files");
  const auto r = coda(kSmall + kQuality + " -o " + (d / "run").string(), d);
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* f : {"history.csv", "pareto.csv", "checkpoint.json", "final.csv", "nas.json", "space.json"})
    EXPECT_TRUE(fs::exists(d / "run" / f)) << f;
  EXPECT_EQ(lines(slurp(d / "run" / "history.csv")), 6u * 12u + 1u);
  EXPECT_NE(r.out.find("generation   1/6  evaluated     12"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("generation   6/6  evaluated     72"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Pareto points re-simulated with the engine"), std::string::npos);
  EXPECT_NE(r.out.find("baseline"), std::string::npos);
  const std::string pareto = slurp(d / "run" / "pareto.csv");
  const std::string final_csv = slurp(d / "run" / "final.csv");
  EXPECT_EQ(lines(final_csv), lines(pareto) + 1);  // header + points + baseline
}

TEST(NasCli, SameSeedSameFilesAtAnyJobs) {
  const fs::path d = scratch("nas_jobs");
  ASSERT_EQ(coda(kSmall + kQuality + " -j 1 -o " + (d / "a").string(), d).code, 0);
  ASSERT_EQ(coda(kSmall + kQuality + " -j 2 -o " + (d / "b").string(), d).code, 0);
  ASSERT_EQ(coda(kSmall + kQuality + " -j 0 --strategy nsga2 -o " + (d / "c").string(), d).code, 0);
  for (const char* f : {"history.csv", "pareto.csv", "checkpoint.json", "final.csv"}) {
    EXPECT_EQ(slurp(d / "a" / f), slurp(d / "b" / f)) << f;
    EXPECT_EQ(slurp(d / "a" / f), slurp(d / "c" / f)) << f;
  }
  ASSERT_EQ(coda(kSmall + kQuality + " --seed 4 -o " + (d / "other").string(), d).code, 0);
  EXPECT_NE(slurp(d / "a" / "history.csv"), slurp(d / "other" / "history.csv"));
}

TEST(NasCli, ResumeAfterSigkillGivesTheUninterruptedResult) {
  for (const char* strategy : {"nsga2", "refill"}) {
    const fs::path d = scratch("nas_kill");
    const std::string common = kSmall + kQuality + " --strategy " + strategy + " -o ";
    ASSERT_EQ(coda(common + (d / "whole").string(), d).code, 0);
    const auto killed = coda(common + (d / "part").string() + " -j 2 --kill-after 3", d);
    EXPECT_EQ(killed.code, 128 + 9) << "the run must die by SIGKILL (the shell's status)";
    EXPECT_NE(killed.out.find("generation   3/6"), std::string::npos);
    EXPECT_EQ(killed.out.find("generation   4/6"), std::string::npos);
    EXPECT_EQ(lines(slurp(d / "part" / "history.csv")), 3u * 12u + 1u);
    const auto resumed = coda(common + (d / "part").string() + " --resume", d);
    ASSERT_EQ(resumed.code, 0) << resumed.err;
    EXPECT_NE(resumed.out.find("generation   4/6"), std::string::npos);
    EXPECT_EQ(resumed.out.find("generation   3/6"), std::string::npos);
    for (const char* f : {"history.csv", "pareto.csv", "checkpoint.json", "final.csv"})
      EXPECT_EQ(slurp(d / "whole" / f), slurp(d / "part" / f)) << strategy << " " << f;
  }
}

TEST(NasCli, TableEvaluatorWithAndWithoutFallback) {
  const fs::path d = scratch("nas_table");
  {
    std::ofstream t(d / "measured.csv");
    t << "layers,hidden,ffn,perplexity\n6,768,3072,20.5\n";
  }
  const std::string table = "--quality table:" + (d / "measured.csv").string();
  const auto missing = coda(kSmall + table + " -o " + (d / "a").string(), d);
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("error: quality evaluator: " + (d / "measured.csv").string() + ": "), std::string::npos)
      << missing.err;
  EXPECT_NE(missing.err.find("are not in the table"), std::string::npos) << missing.err;
  const auto chained = coda(kSmall + table + ",command:tests/data/nas/toy_perplexity.py -o " + (d / "b").string(), d);
  ASSERT_EQ(chained.code, 0) << chained.err;
  // The baseline (6, 768, 3072) took the table's 20.5; the rest the program's formula.
  const std::string hist = slurp(d / "b" / "history.csv");
  EXPECT_NE(hist.find("\"{\"\"ffn\"\":3072,\"\"hidden\"\":768,\"\"layers\"\":6,\"\"mesh\"\":16}\",27291360,"),
            std::string::npos);
  EXPECT_NE(hist.find(",20.5,0,1,"), std::string::npos);
}

TEST(NasCli, BrokenEvaluatorAndBadArgumentsAreCleanErrors) {
  const fs::path d = scratch("nas_bad");
  {
    std::ofstream s(d / "crash.sh");
    s << "#!/bin/sh\nread -r line\nkill -SEGV $$\n";
  }
  fs::permissions(d / "crash.sh", fs::perms::owner_all);
  const auto crash = coda(kSmall + "--quality command:" + (d / "crash.sh").string() + " -o " + (d / "a").string(), d);
  EXPECT_EQ(crash.code, 2);
  EXPECT_NE(crash.err.find("killed by signal 11"), std::string::npos) << crash.err;

  const auto no_space = coda("nas " + kQuality, d);
  EXPECT_EQ(no_space.code, 2);
  EXPECT_NE(no_space.err.find("-s SPACE.yaml is required"), std::string::npos) << no_space.err;

  const auto no_quality = coda(kSmall + "-o " + (d / "b").string(), d);
  EXPECT_EQ(no_quality.code, 2);
  EXPECT_NE(no_quality.err.find("a quality evaluator is needed"), std::string::npos) << no_quality.err;

  const auto bad_objective = coda(kSmall + kQuality + " --objectives edp,speed -o " + (d / "c").string(), d);
  EXPECT_EQ(bad_objective.code, 2);
  EXPECT_NE(bad_objective.err.find("unknown objective 'speed'"), std::string::npos) << bad_objective.err;

  ASSERT_EQ(coda(kSmall + kQuality + " -o " + (d / "d").string(), d).code, 0);
  const auto again = coda(kSmall + kQuality + " -o " + (d / "d").string(), d);
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.err.find("pass --resume"), std::string::npos) << again.err;
  const std::string settings = slurp(d / "d" / "nas.json");
  EXPECT_NE(settings.find("\"seed\": 1,"), std::string::npos) << settings;
  const auto other = coda(kSmall + kQuality + " --seed 99 --resume -o " + (d / "d").string(), d);
  EXPECT_EQ(other.code, 2);
  EXPECT_NE(other.err.find("other settings"), std::string::npos) << other.err;
  EXPECT_EQ(slurp(d / "d" / "nas.json"), settings);  // a refused run leaves the directory alone
}

TEST(NasCli, LatencyEnergySearchWithConstraintNeedsNoEvaluator) {
  const fs::path d = scratch("nas_lat");
  const auto r = coda(kSmall + "--objectives latency,energy --max-latency 5e6 -o " + (d / "a").string(), d);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string pareto = slurp(d / "a" / "pareto.csv");
  EXPECT_GT(lines(pareto), 1u);
  // Every Pareto row is feasible (the column before the rank) and within the bound.
  std::istringstream in(pareto);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    const std::size_t rank = line.rfind(','), feasible = line.rfind(',', rank - 1);
    EXPECT_EQ(line.substr(feasible + 1, rank - feasible - 1), "1") << line;
  }
}

}  // namespace
}  // namespace coda::testing

namespace coda::testing {
namespace {

// `mpirun -np 2 coda nas ...` spreads each batch's costs over two ranks and writes the single-process files.
TEST(NasCli, MpiRunMatchesSingleProcess) {
  const std::string mpiexec = CODA_MPIEXEC;
  if (mpiexec.empty()) GTEST_SKIP() << "built without MPI";
  const fs::path d = scratch("nas_mpi");
  ASSERT_EQ(coda(kSmall + kQuality + " -o " + (d / "single").string(), d).code, 0);
  // Root may run mpirun only when told so (CI runs as root). OpenMPI's own allocations outlive MPI_Finalize,
  // so LeakSanitizer (sanitizer builds) would fail the ranks: leak checking is off for this run only.
  const std::string cmd = std::string("cd '") + CODA_SOURCE_DIR +
                          "' && ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0\" OMPI_ALLOW_RUN_AS_ROOT=1 " +
                          "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 '" + mpiexec +
                          "' -np 2 '" + CODA_BINARY + "' " + kSmall + kQuality + " -o '" + (d / "mpi").string() +
                          "' >'" + (d / "out").string() + "' 2>'" + (d / "err").string() + "'";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(d / "err");
  EXPECT_NE(slurp(d / "out").find("cost evaluations spread over 2 MPI ranks"), std::string::npos) << slurp(d / "out");
  for (const char* f : {"history.csv", "pareto.csv", "checkpoint.json", "final.csv"})
    EXPECT_EQ(slurp(d / "single" / f), slurp(d / "mpi" / f)) << f;
}

}  // namespace
}  // namespace coda::testing
