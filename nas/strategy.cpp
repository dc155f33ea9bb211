#include "nas/strategy.h"

#include <fmt/format.h>

#include "nas/nsga2.h"
#include "nas/pareto_refill.h"
#include "nas/variation.h"

namespace coda::nas {

void check_genome(const std::vector<GeneDomain>& domains, const Genome& g) {
  if (g.size() != domains.size())
    throw StrategyError(fmt::format("a genome has {} genes, the space has {}", g.size(), domains.size()));
  for (std::size_t i = 0; i < g.size(); ++i)
    if (g[i] < 0 || static_cast<std::size_t>(g[i]) >= domains[i].choices)
      throw StrategyError(fmt::format("gene {} = {} is outside 0..{}", domains[i].name, g[i], domains[i].choices - 1));
}

std::unique_ptr<Strategy> make_strategy(const std::string& name, std::vector<GeneDomain> domains,
                                        StrategyOptions options) {
  if (domains.empty()) throw StrategyError("the search space has no genes");
  for (const auto& d : domains)
    if (d.choices == 0) throw StrategyError(fmt::format("gene {} has no choices", d.name));
  if (options.population < 2) throw StrategyError("the population must be at least 2");
  if (!(options.mutation_probability >= 0.0 && options.mutation_probability <= 1.0))
    throw StrategyError("the mutation probability must be in [0, 1]");
  for (const auto& g : options.initial) check_genome(domains, g);
  if (name == "nsga2") return std::make_unique<Nsga2>(std::move(domains), std::move(options));
  if (name == "refill") return std::make_unique<ParetoRefill>(std::move(domains), std::move(options));
  throw StrategyError(fmt::format("unknown search strategy '{}' (nsga2 or refill)", name));
}

namespace detail {

Genome random_genome(const std::vector<GeneDomain>& domains, Rng& rng) {
  Genome g(domains.size());
  for (std::size_t i = 0; i < domains.size(); ++i) g[i] = static_cast<int>(rng.below(domains[i].choices));
  return g;
}

Genome uniform_crossover(const Genome& a, const Genome& b, Rng& rng) {
  Genome c(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) c[i] = rng.chance(0.5) ? a[i] : b[i];
  return c;
}

namespace {
void mutate_gene(int& v, std::size_t choices, Rng& rng) {
  int w = static_cast<int>(rng.below(choices - 1));
  if (w >= v) ++w;
  v = w;
}
}  // namespace

void mutate(Genome& g, const std::vector<GeneDomain>& domains, double p, Rng& rng, bool at_least_one) {
  bool changed = false;
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (domains[i].choices < 2) continue;
    if (rng.chance(p)) {
      mutate_gene(g[i], domains[i].choices, rng);
      changed = true;
    }
  }
  if (changed || !at_least_one) return;
  std::vector<std::size_t> mutable_genes;
  for (std::size_t i = 0; i < g.size(); ++i)
    if (domains[i].choices >= 2) mutable_genes.push_back(i);
  if (mutable_genes.empty()) return;
  const std::size_t i = mutable_genes[rng.below(mutable_genes.size())];
  mutate_gene(g[i], domains[i].choices, rng);
}

std::size_t space_size(const std::vector<GeneDomain>& domains, std::size_t cap) {
  std::size_t n = 1;
  for (const auto& d : domains) {
    if (d.choices != 0 && n > cap / d.choices) return cap;
    n *= d.choices;
  }
  return std::min(n, cap);
}

std::vector<Genome> initial_batch(const std::vector<GeneDomain>& domains, const StrategyOptions& o, Rng& rng) {
  std::set<Genome> seen;
  std::vector<Genome> batch;
  for (const auto& g : o.initial)
    if (seen.insert(g).second && batch.size() < o.population) batch.push_back(g);
  const std::size_t target = std::min(o.population, space_size(domains, o.population));
  while (batch.size() < target) {
    Genome g = draw_new(seen, 100, [&] { return random_genome(domains, rng); });
    batch.push_back(std::move(g));
  }
  return batch;
}

nlohmann::json population_state(const std::string& strategy, std::size_t generation, const Rng& rng,
                                const char* key, const std::vector<Genome>& genomes,
                                const std::vector<Objectives>& objectives) {
  nlohmann::json members = nlohmann::json::array();
  for (std::size_t i = 0; i < genomes.size(); ++i)
    members.push_back({{"genome", genomes[i]}, {"values", objectives[i].values}, {"violation", objectives[i].violation}});
  return {{"strategy", strategy}, {"generation", generation}, {"rng", rng.state()}, {key, std::move(members)}};
}

Pool merge_pool(const std::vector<Genome>& members, const std::vector<Objectives>& member_objectives,
                const std::vector<Genome>& batch, const std::vector<Objectives>& batch_objectives) {
  if (batch.size() != batch_objectives.size()) {
    throw StrategyError(fmt::format("tell: {} genomes but {} objective vectors", batch.size(), batch_objectives.size()));
  }
  Pool p{members, member_objectives};
  p.genomes.insert(p.genomes.end(), batch.begin(), batch.end());
  p.objectives.insert(p.objectives.end(), batch_objectives.begin(), batch_objectives.end());
  return p;
}

void restore_population(const nlohmann::json& state, const std::string& strategy, const char* key,
                        const std::vector<GeneDomain>& domains, std::vector<Genome>& genomes,
                        std::vector<Objectives>& objectives, std::size_t& generation, Rng& rng) {
  if (state.value("strategy", "") != strategy)
    throw StrategyError(fmt::format("the checkpoint holds a '{}' state, not {}", state.value("strategy", "?"), strategy));
  genomes.clear();
  objectives.clear();
  try {
    for (const auto& m : state.at(key)) {
      Genome g = m.at("genome").get<Genome>();
      check_genome(domains, g);
      genomes.push_back(std::move(g));
      objectives.push_back({m.at("values").get<std::vector<double>>(), m.at("violation").get<double>()});
    }
    generation = state.at("generation").get<std::size_t>();
    rng.restore(state.at("rng").get<std::string>());
  } catch (const nlohmann::json::exception& e) {
    throw StrategyError(fmt::format("invalid strategy state in the checkpoint: {}", e.what()));
  }
}

}  // namespace detail
}  // namespace coda::nas
