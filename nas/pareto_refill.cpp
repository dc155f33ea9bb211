#include "nas/pareto_refill.h"

#include <fmt/format.h>
#include <set>

#include "nas/nsga2.h"
#include "nas/pareto.h"
#include "nas/variation.h"

namespace coda::nas {

ParetoRefill::ParetoRefill(std::vector<GeneDomain> domains, StrategyOptions options)
    : domains_(std::move(domains)), options_(std::move(options)), rng_(options_.seed) {}

std::vector<Genome> ParetoRefill::ask() {
  if (genomes_.empty()) return detail::initial_batch(domains_, options_, rng_);
  std::set<Genome> seen(genomes_.begin(), genomes_.end());
  std::vector<Genome> batch;
  batch.reserve(options_.population);
  while (batch.size() < options_.population) {
    batch.push_back(detail::draw_new(seen, 20, [&] {
      Genome child = genomes_[rng_.below(genomes_.size())];
      detail::mutate(child, domains_, options_.mutation_probability, rng_, /*at_least_one=*/true);
      return child;
    }));
  }
  return batch;
}

void ParetoRefill::tell(const std::vector<Genome>& genomes, const std::vector<Objectives>& objectives) {
  const auto [pool, pool_obj] = detail::merge_pool(genomes_, objectives_, genomes, objectives);
  const auto fronts = non_dominated_sort(pool_obj);
  std::vector<Objectives> first;
  for (std::size_t i : fronts.at(0)) first.push_back(pool_obj[i]);
  const auto keep = select_survivors(first, options_.population);  // positions in fronts[0]
  genomes_.clear();
  objectives_.clear();
  // Identical genomes can reach the front twice (a batch may repeat a kept genome): keep one copy.
  std::set<Genome> kept;
  for (std::size_t k : keep) {
    const std::size_t i = fronts[0][k];
    if (!kept.insert(pool[i]).second) continue;
    genomes_.push_back(pool[i]);
    objectives_.push_back(pool_obj[i]);
  }
  ++generation_;
}

nlohmann::json ParetoRefill::state() const {
  return detail::population_state(name(), generation_, rng_, "kept", genomes_, objectives_);
}

void ParetoRefill::restore(const nlohmann::json& state) {
  detail::restore_population(state, name(), "kept", domains_, genomes_, objectives_, generation_, rng_);
}

}  // namespace coda::nas
