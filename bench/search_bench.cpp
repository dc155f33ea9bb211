// Benchmarks of the search machinery outside the cost model and the quality evaluator: a 40x40 NSGA-II search
// (population 40, 40 generations) over a bert6-sized genome (14 genes) with a trivial cost function and an
// in-process trivial perplexity, with and without the per-generation files; and the non-dominated sort of a
// whole 40x40 history. See bench/README.md; results in docs/performance.md.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "nas/pareto.h"
#include "nas/rng.h"
#include "nas/search.h"

namespace {

using namespace coda::nas;

// bert6-space's shape: layers, 6 x heads, hidden, 6 x FFN.
std::vector<GeneDomain> domains() {
  std::vector<GeneDomain> d{{"layers", 4}};
  for (int i = 0; i < 6; ++i) d.push_back({"heads." + std::to_string(i), 5});
  d.push_back({"hidden", 5});
  for (int i = 0; i < 6; ++i) d.push_back({"ffn." + std::to_string(i), 19});
  return d;
}

SearchProblem problem() {
  SearchProblem p;
  p.domains = domains();
  p.cost = [](const Genome& g) {
    double s = 1;
    for (int v : g) s += v;
    const double secs = s * 1e-4, joules = (s + g[0]) * 1e-3;
    return Cost{s * 1e5, secs, joules, secs * joules};
  };
  p.describe = [](const Genome& g) {
    return nlohmann::json{{"layers", 3 + g[0]}, {"heads", std::vector<int>(g.begin() + 1, g.begin() + 7)},
                          {"hidden", 384 + 96 * g[7]}, {"ffn", std::vector<int>(g.begin() + 8, g.end())}};
  };
  p.baseline = Genome{3, 4, 4, 4, 4, 4, 4, 4, 18, 18, 18, 18, 18, 18};
  return p;
}

struct Trivial final : QualityEvaluator {
  std::string label() const override { return "trivial"; }
  std::vector<double> evaluate(const std::vector<nlohmann::json>& c) override {
    std::vector<double> v;
    for (const auto& x : c) v.push_back(100.0 / x.at("layers").get<double>() + 1e4 / x.at("hidden").get<double>());
    return v;
  }
};

void search(benchmark::State& state, bool files) {
  const SearchProblem p = problem();
  const auto dir = std::filesystem::temp_directory_path() / ("coda_nas_bench_" + std::to_string(getpid()));
  std::size_t evaluated = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(dir);
    StrategyOptions so;
    so.initial = {*p.baseline};
    auto s = make_strategy("nsga2", p.domains, so);
    Trivial q;
    SearchOptions o;
    o.jobs = static_cast<unsigned>(state.range(0));
    if (files) o.out_dir = dir.string();
    state.ResumeTiming();
    const SearchResult r = run_search(p, *s, &q, o);
    evaluated += r.history.size();
    benchmark::DoNotOptimize(r.pareto.size());
  }
  std::filesystem::remove_all(dir);
  state.counters["candidates/s"] = benchmark::Counter(static_cast<double>(evaluated), benchmark::Counter::kIsRate);
}

void BM_Search40x40_NoFiles(benchmark::State& state) { search(state, false); }
void BM_Search40x40_WithFiles(benchmark::State& state) { search(state, true); }
BENCHMARK(BM_Search40x40_NoFiles)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Search40x40_WithFiles)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_NonDominatedSort(benchmark::State& state) {
  Rng rng(1);
  std::vector<Objectives> pts;
  for (int64_t i = 0; i < state.range(0); ++i) {
    const double x = rng.unit();
    pts.push_back({{x, 1 - x * rng.unit() + rng.unit() * 0.2}, 0});
    if (state.range(1) == 3) pts.back().values.push_back(rng.unit());
  }
  for (auto _ : state) benchmark::DoNotOptimize(non_dominated_sort(pts).size());
}
BENCHMARK(BM_NonDominatedSort)->Args({1600, 2})->Args({1600, 3})->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
