// Benchmarks of the NAS cost side: LutCostModel::evaluate (genome -> Cost from a warm LUT in memory; the goal
// is >= 1 million candidates per second on one core), the name-keyed LutTable::compose it replaces, and one LUT
// probe (a one-layer engine run). See bench/README.md; results in docs/performance.md.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "nas/lut/cost_model.h"
#include "nas/lut/lut.h"
#include "nas/space.h"
#include "sim/config/hw_loader.h"

namespace {

using namespace coda;

struct Fixture {
  nas::SearchSpace space = nas::SearchSpace::load(CODA_SOURCE_DIR "/configs/nas/bert6-space.yaml");
  std::vector<nas::lut::LutContext> contexts;
  std::vector<nas::lut::LutTable> tables;
  std::vector<nas::Genome> genomes;

  Fixture() {
    compiler::LoweringOptions lo;
    lo.schedule = compiler::Schedule::all_fused();
    contexts = nas::lut::space_contexts(space, config::load_hw_config(space.hw_config_path()), lo);
    // Evaluation speed does not depend on the values: synthetic entries for every key of the space.
    std::mt19937_64 rng(1);
    const auto& m = space.model();
    std::vector<nas::lut::Entry> es;
    const std::string key = contexts[0].key();
    for (int64_t h : m.hidden) {
      for (int64_t a : m.heads)
        for (const auto& r : nas::lut::mha_roles())
          es.push_back({key, r, nas::lut::mha_shape(m.seq_len, h, a, m.head_size), "", "", "", int64_t(rng() % 100000), 1e-6});
      for (int64_t f : m.ffn)
        for (const auto& r : nas::lut::ffn_roles())
          es.push_back({key, r, nas::lut::ffn_shape(m.seq_len, h, f), "", "", "", int64_t(rng() % 100000), 1e-6});
      es.push_back({key, nas::lut::kBoundaryOp, nas::lut::boundary_shape(m.seq_len, h, m.head_size), "", "", "", 100, 1e-9});
    }
    tables.emplace_back(es);
    for (int i = 0; i < 4096; ++i) {
      nas::Genome g(space.size());
      for (std::size_t k = 0; k < g.size(); ++k) g[k] = int(rng() % space.domains()[k].choices);
      genomes.push_back(std::move(g));
    }
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

void BM_LutCostModel_Evaluate(benchmark::State& state) {
  const Fixture& f = fixture();
  const nas::LutCostModel model(f.space, f.contexts, f.tables);
  std::size_t i = 0;
  for (auto _ : state) {
    const nas::Cost c = model.evaluate(f.genomes[i]);
    benchmark::DoNotOptimize(c);
    i = (i + 1) & 4095;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LutCostModel_Evaluate);

void BM_LutTable_Compose(benchmark::State& state) {
  const Fixture& f = fixture();
  std::size_t i = 0;
  for (auto _ : state) {
    const nas::lut::Composed c = f.tables[0].compose(f.space.decode(f.genomes[i]));
    benchmark::DoNotOptimize(c);
    i = (i + 1) & 4095;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LutTable_Compose);

// One LUT probe at the space's largest MHA point (hidden 768, 12 heads): a one-layer engine run.
void BM_LutProbe_Mha768x12(benchmark::State& state) {
  const Fixture& f = fixture();
  nas::lut::Probe p{0, 512, 768, 12, 64, 0, nas::lut::Probe::Kind::Mha};
  for (auto _ : state) benchmark::DoNotOptimize(nas::lut::measure(f.contexts[0], p));
}
BENCHMARK(BM_LutProbe_Mha768x12)->Iterations(2)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
