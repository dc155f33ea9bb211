// The search driver: byte-identical files at any thread count, resume to the uninterrupted result, the quality
// cache across generations and resumes, constraints, objectives, bad inputs, and the final re-simulation report.
#include "nas/search.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "nas/pareto.h"
#include "nas/toy_problem.h"

namespace coda::nas {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir() {
  static int n = 0;
  fs::path d = fs::temp_directory_path() / ("coda_search_" + std::to_string(getpid()) + "_" + std::to_string(n++));
  fs::remove_all(d);
  return d;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The toy perplexity in-process, counting the candidates it is asked about.
struct ToyQuality final : QualityEvaluator {
  std::size_t asked = 0;
  std::string label() const override { return "toy"; }
  std::vector<double> evaluate(const std::vector<nlohmann::json>& c) override {
    asked += c.size();
    std::vector<double> v;
    for (const auto& x : c) v.push_back(toy_perplexity(x));
    return v;
  }
};

struct Outcome {
  SearchResult result;
  std::string history, pareto, checkpoint;
  std::size_t asked = 0;
};

Outcome search(const fs::path& dir, const std::string& strategy, unsigned jobs, std::size_t generations,
               std::size_t stop_after = 0, bool resume = false, SearchOptions base = {}) {
  const ToyProblem toy = make_toy_problem();
  StrategyOptions so;
  so.population = 16;
  so.seed = 11;
  so.initial = {*toy.problem.baseline};
  auto s = make_strategy(strategy, toy.problem.domains, so);
  ToyQuality q;
  SearchOptions o = std::move(base);
  o.generations = generations;
  o.jobs = jobs;
  o.out_dir = dir.string();
  o.resume = resume;
  o.settings = {{"seed", 11}};
  if (stop_after) o.stop_after = [stop_after](std::size_t g) { return g == stop_after; };
  Outcome out;
  out.result = run_search(toy.problem, *s, &q, o);
  out.history = slurp(dir / "history.csv");
  out.pareto = slurp(dir / "pareto.csv");
  out.checkpoint = slurp(dir / "checkpoint.json");
  out.asked = q.asked;
  return out;
}

TEST(Search, OutputsAreByteIdenticalAtAnyThreadCount) {
  for (const char* strategy : {"nsga2", "refill"}) {
    const Outcome one = search(temp_dir(), strategy, 1, 6);
    const Outcome four = search(temp_dir(), strategy, 4, 6);
    const Outcome all = search(temp_dir(), strategy, 0, 6);
    EXPECT_EQ(one.history, four.history) << strategy;
    EXPECT_EQ(one.pareto, four.pareto) << strategy;
    EXPECT_EQ(one.checkpoint, four.checkpoint) << strategy;
    EXPECT_EQ(one.history, all.history) << strategy;
    EXPECT_EQ(one.result.history.size(), 6u * 16u) << strategy;
  }
}

TEST(Search, ResumeGivesTheUninterruptedResult) {
  for (const char* strategy : {"nsga2", "refill"}) {
    const Outcome whole = search(temp_dir(), strategy, 2, 8);
    const fs::path dir = temp_dir();
    const Outcome part = search(dir, strategy, 2, 8, /*stop_after=*/3);
    EXPECT_TRUE(part.result.stopped);
    EXPECT_EQ(part.result.generations_done, 3u);
    EXPECT_NE(part.history, whole.history);
    const Outcome rest = search(dir, strategy, 1, 8, 0, /*resume=*/true);
    EXPECT_EQ(rest.result.resumed_from, 3u);
    EXPECT_FALSE(rest.result.stopped);
    EXPECT_EQ(rest.history, whole.history) << strategy;
    EXPECT_EQ(rest.pareto, whole.pareto) << strategy;
    EXPECT_EQ(rest.checkpoint, whole.checkpoint) << strategy;
    // The resumed run asked the evaluator only about candidates not in the checkpoint's cache.
    EXPECT_EQ(part.asked + rest.asked, whole.asked) << strategy;
    // Resuming a finished run evaluates nothing and leaves the files as they are.
    const Outcome again = search(dir, strategy, 1, 8, 0, true);
    EXPECT_EQ(again.asked, 0u);
    EXPECT_EQ(again.history, whole.history);
    // A resume may extend the run.
    const Outcome longer = search(dir, strategy, 1, 10, 0, true);
    EXPECT_EQ(longer.result.generations_done, 10u);
    EXPECT_EQ(longer.result.history.size(), 10u * 16u);
  }
}

TEST(Search, ResumeRefusesOtherSettingsAndFreshRunsRefuseAnOldDirectory) {
  const fs::path dir = temp_dir();
  search(dir, "nsga2", 1, 2);
  EXPECT_THROW(search(dir, "nsga2", 1, 3), SearchError);  // no --resume: would clobber
  EXPECT_THROW(search(dir, "refill", 1, 3, 0, true), SearchError);
  SearchOptions o;
  o.objectives = {Metric::latency, Metric::perplexity};
  EXPECT_THROW(search(dir, "nsga2", 1, 3, 0, true, o), SearchError);
  std::ofstream(dir / "checkpoint.json") << "{ truncated";
  EXPECT_THROW(search(dir, "nsga2", 1, 3, 0, true), SearchError);
  // --resume without a checkpoint starts afresh.
  const Outcome fresh = search(temp_dir(), "nsga2", 1, 2, 0, true);
  EXPECT_EQ(fresh.result.resumed_from, 0u);
  EXPECT_EQ(fresh.result.generations_done, 2u);
}

TEST(Search, EachDistinctCandidateIsEvaluatedOnce) {
  const Outcome o = search(temp_dir(), "nsga2", 1, 40);
  std::set<std::string> distinct;
  for (const auto& e : o.result.history) distinct.insert(canonical_json(e.description));
  EXPECT_EQ(o.asked, distinct.size());
  EXPECT_LT(o.asked, o.result.history.size());  // the toy space (450 genomes) repeats candidates
}

TEST(Search, HistoryAndParetoFiles) {
  const Outcome o = search(temp_dir(), "nsga2", 1, 5);
  const auto& r = o.result;
  // Header + one row per evaluation.
  EXPECT_EQ(o.history.substr(0, o.history.find('\n')),
            "generation,layers,hidden,ffn,mesh,description,latency_cycles,seconds,energy_j,edp,perplexity,violation,"
            "feasible,rank");
  EXPECT_EQ(static_cast<std::size_t>(std::count(o.history.begin(), o.history.end(), '\n')), r.history.size() + 1);
  // The baseline is the first candidate of generation 0.
  ASSERT_TRUE(r.baseline.has_value());
  EXPECT_EQ(*r.baseline, 0u);
  EXPECT_NE(o.history.find("\n0,4,4,5,1,\"{\"\"ffn\"\":3072,\"\"hidden\"\":768,\"\"layers\"\":6,\"\"mesh\"\":16}\","),
            std::string::npos);
  // Pareto rows: distinct, rank 0, mutually non-dominated, sorted by EDP; every rank-0 genome is one of them.
  std::set<Genome> front;
  for (std::size_t k = 0; k < r.pareto.size(); ++k) {
    const auto& e = r.history[r.pareto[k]];
    EXPECT_EQ(e.rank, 0u);
    EXPECT_TRUE(front.insert(e.genome).second);
    if (k) {
      EXPECT_LE(r.history[r.pareto[k - 1]].cost.edp, e.cost.edp);
    }
    for (std::size_t i : r.pareto)
      EXPECT_FALSE(r.history[i].cost.edp <= e.cost.edp && r.history[i].perplexity <= e.perplexity &&
                   (r.history[i].cost.edp < e.cost.edp || r.history[i].perplexity < e.perplexity));
  }
  for (const auto& e : r.history)
    if (e.rank == 0) {
      EXPECT_TRUE(front.count(e.genome));
    }
  EXPECT_EQ(static_cast<std::size_t>(std::count(o.pareto.begin(), o.pareto.end(), '\n')), r.pareto.size() + 1);
}

TEST(Search, ConstraintsAreHonoured) {
  SearchOptions o;
  o.constraints.max_latency_cycles = 2e6;
  o.constraints.max_perplexity = 30;
  const Outcome out = search(temp_dir(), "nsga2", 1, 10, 0, false, o);
  const auto& r = out.result;
  ASSERT_FALSE(r.pareto.empty());
  for (std::size_t i : r.pareto) {
    EXPECT_LE(r.history[i].cost.latency_cycles, 2e6);
    EXPECT_LE(r.history[i].perplexity, 30);
  }
  // The baseline (27.3 M cycles, perplexity 20.18) violates the latency bound only: (27291360 - 2e6) / 2e6.
  const auto& b = r.history.at(*r.baseline);
  EXPECT_FALSE(b.feasible());
  EXPECT_DOUBLE_EQ(b.violation, (27291360.0 - 2e6) / 2e6);
  EXPECT_GT(b.rank, 0u);
  // Later generations are mostly feasible.
  // The constrained front found equals the true one (by enumerating the toy's 450 genomes).
  const ToyProblem toy = make_toy_problem();
  std::vector<Objectives> all;
  std::vector<Genome> genomes;
  for (int a = 0; a < 5; ++a)
    for (int b = 0; b < 5; ++b)
      for (int c = 0; c < 6; ++c)
        for (int d = 0; d < 3; ++d) {
          const Genome g{a, b, c, d};
          const Cost cost = toy.problem.cost(g);
          const double ppl = toy_perplexity(toy.problem.describe(g));
          const double v = std::max(0.0, cost.latency_cycles / 2e6 - 1) + std::max(0.0, ppl / 30 - 1);
          all.push_back({{cost.edp, ppl}, v});
          genomes.push_back(g);
        }
  std::set<Genome> truth, found;
  for (std::size_t i : pareto_front(all)) truth.insert(genomes[i]);
  for (std::size_t i : r.pareto) found.insert(r.history[i].genome);
  EXPECT_EQ(found, truth);
}

TEST(Search, LatencyAndEnergyObjectivesNeedNoQualityEvaluator) {
  const ToyProblem toy = make_toy_problem();
  StrategyOptions so;
  so.population = 10;
  auto s = make_strategy("nsga2", toy.problem.domains, so);
  SearchOptions o;
  o.objectives = {Metric::latency, Metric::energy};
  o.generations = 3;
  const SearchResult r = run_search(toy.problem, *s, nullptr, o);
  EXPECT_EQ(r.history.size(), 30u);
  EXPECT_TRUE(std::isnan(r.history[0].perplexity));
  EXPECT_NE(history_csv(toy.problem, r, {0}).find(",,0,1,"), std::string::npos);  // empty perplexity column
  auto s2 = make_strategy("nsga2", toy.problem.domains, so);
  SearchOptions p;
  p.generations = 1;
  EXPECT_THROW(run_search(toy.problem, *s2, nullptr, p), SearchError);  // perplexity objective, no evaluator
  p.objectives = {Metric::edp};
  p.constraints.max_perplexity = 20;
  EXPECT_THROW(run_search(toy.problem, *s2, nullptr, p), SearchError);  // perplexity constraint, no evaluator
}

TEST(Search, CostFunctionFailuresAreErrors) {
  ToyProblem toy = make_toy_problem();
  StrategyOptions so;
  so.population = 8;
  ToyQuality q;
  SearchOptions o;
  o.generations = 2;
  o.jobs = 3;
  toy.problem.cost = [](const Genome& g) {
    Cost c{1, 1, 1, 1};
    if (g[0] == 2) c.edp = std::nan("");
    return c;
  };
  auto s = make_strategy("nsga2", toy.problem.domains, so);
  try {
    run_search(toy.problem, *s, &q, o);
    ADD_FAILURE();
  } catch (const SearchError& e) {
    EXPECT_NE(std::string(e.what()).find("non-finite value for layers=2"), std::string::npos) << e.what();
  }
  toy.problem.cost = [](const Genome&) -> Cost { throw std::runtime_error("LUT miss"); };
  auto s2 = make_strategy("nsga2", toy.problem.domains, so);
  EXPECT_THROW(run_search(toy.problem, *s2, &q, o), std::runtime_error);
  EXPECT_THROW(parse_metrics("edp,speed"), SearchError);
  EXPECT_THROW(parse_metrics("edp,edp"), SearchError);
  EXPECT_EQ(parse_metrics("latency,energy,perplexity").size(), 3u);
}

TEST(Search, ParallelForUsesIndexedSlots) {
  std::vector<int> out(1000, -1);
  parallel_for(out.size(), 4, [&](std::size_t i) { out[i] = static_cast<int>(i * i % 997); });
  for (std::size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], static_cast<int>(i * i % 997));
  std::atomic<int> ran{0};
  EXPECT_THROW(parallel_for(50, 3,
                            [&](std::size_t i) {
                              ++ran;
                              if (i == 7 || i == 30) throw std::out_of_range(std::to_string(i));
                            }),
               std::out_of_range);
  EXPECT_EQ(ran.load(), 50);
}

TEST(Search, FinalReportComparesLutAndEngineAndRelatesToTheBaseline) {
  const Outcome o = search(temp_dir(), "nsga2", 1, 5);
  const auto& r = o.result;
  // A stand-in engine: 10% slower, 20% more energy than the LUT.
  auto engine = [](const Genome& g) {
    Cost c = make_toy_problem().problem.cost(g);
    c.latency_cycles *= 1.1;
    c.seconds *= 1.1;
    c.energy_j *= 1.2;
    c.edp = c.energy_j * c.seconds;
    return c;
  };
  const FinalReport rep = resimulate_pareto(r, parallel_batch(engine, 2));
  ASSERT_EQ(rep.points.size(), r.pareto.size());
  ASSERT_TRUE(rep.baseline.has_value());
  const Cost base = engine(r.history[*r.baseline].genome);
  EXPECT_DOUBLE_EQ(rep.baseline->edp_vs_baseline, 1.0);
  EXPECT_DOUBLE_EQ(rep.baseline->perplexity_vs_baseline, 1.0);
  for (std::size_t k = 0; k < rep.points.size(); ++k) {
    const auto& p = rep.points[k];
    const auto& e = r.history[r.pareto[k]];
    EXPECT_EQ(p.index, r.pareto[k]);
    EXPECT_DOUBLE_EQ(p.engine.latency_cycles, e.cost.latency_cycles * 1.1);
    EXPECT_DOUBLE_EQ(p.lut.edp, e.cost.edp);
    EXPECT_DOUBLE_EQ(p.edp_vs_baseline, p.engine.edp / base.edp);
    EXPECT_DOUBLE_EQ(p.perplexity_vs_baseline, e.perplexity / toy_perplexity(r.history[*r.baseline].description));
  }
  const std::string text = format_final_report(r, rep);
  EXPECT_NE(text.find("baseline"), std::string::npos);
  EXPECT_NE(text.find("   -9.09 "), std::string::npos);  // latency error: 1/1.1 - 1
  EXPECT_NE(text.find("  -16.67 "), std::string::npos);  // energy error: 1/1.2 - 1
  const std::string csv = final_report_csv(r, rep);
  EXPECT_EQ(static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n')), rep.points.size() + 2);
  EXPECT_EQ(csv.rfind("baseline,0,", csv.size()) != std::string::npos, true);
}

}  // namespace
}  // namespace coda::nas
