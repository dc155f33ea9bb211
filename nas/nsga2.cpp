#include "nas/nsga2.h"

#include <algorithm>
#include <fmt/format.h>
#include <numeric>
#include <set>

#include "nas/pareto.h"
#include "nas/variation.h"

namespace coda::nas {

std::vector<std::size_t> select_survivors(const std::vector<Objectives>& points, std::size_t n) {
  std::vector<std::size_t> keep;
  for (const auto& front : non_dominated_sort(points)) {
    if (keep.size() >= n) break;
    if (keep.size() + front.size() <= n) {
      keep.insert(keep.end(), front.begin(), front.end());
      continue;
    }
    const auto d = crowding_distance(points, front);
    std::vector<std::size_t> order(front.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      if (d[a] != d[b]) return d[a] > d[b];
      return front[a] < front[b];
    });
    for (std::size_t k = 0; keep.size() < n; ++k) keep.push_back(front[order[k]]);
  }
  std::sort(keep.begin(), keep.end());
  return keep;
}

Nsga2::Nsga2(std::vector<GeneDomain> domains, StrategyOptions options)
    : domains_(std::move(domains)), options_(std::move(options)), rng_(options_.seed) {}

void Nsga2::assess() {
  rank_.assign(genomes_.size(), 0);
  crowding_.assign(genomes_.size(), 0.0);
  const auto fronts = non_dominated_sort(objectives_);
  for (std::size_t k = 0; k < fronts.size(); ++k) {
    const auto d = crowding_distance(objectives_, fronts[k]);
    for (std::size_t i = 0; i < fronts[k].size(); ++i) {
      rank_[fronts[k][i]] = k;
      crowding_[fronts[k][i]] = d[i];
    }
  }
}

std::size_t Nsga2::tournament() {
  const std::size_t a = rng_.below(genomes_.size()), b = rng_.below(genomes_.size());
  if (rank_[a] != rank_[b]) return rank_[a] < rank_[b] ? a : b;
  if (crowding_[a] != crowding_[b]) return crowding_[a] > crowding_[b] ? a : b;
  return a;
}

std::vector<Genome> Nsga2::ask() {
  if (genomes_.empty()) return detail::initial_batch(domains_, options_, rng_);
  std::set<Genome> seen(genomes_.begin(), genomes_.end());
  std::vector<Genome> batch;
  batch.reserve(options_.population);
  while (batch.size() < options_.population) {
    batch.push_back(detail::draw_new(seen, 20, [&] {
      const std::size_t p1 = tournament(), p2 = tournament();
      Genome child = detail::uniform_crossover(genomes_[p1], genomes_[p2], rng_);
      detail::mutate(child, domains_, options_.mutation_probability, rng_);
      return child;
    }));
  }
  return batch;
}

void Nsga2::tell(const std::vector<Genome>& genomes, const std::vector<Objectives>& objectives) {
  const auto [pool, pool_obj] = detail::merge_pool(genomes_, objectives_, genomes, objectives);
  const auto keep = select_survivors(pool_obj, options_.population);
  genomes_.clear();
  objectives_.clear();
  for (std::size_t i : keep) {
    genomes_.push_back(pool[i]);
    objectives_.push_back(pool_obj[i]);
  }
  assess();
  ++generation_;
}

nlohmann::json Nsga2::state() const {
  return detail::population_state(name(), generation_, rng_, "population", genomes_, objectives_);
}

void Nsga2::restore(const nlohmann::json& state) {
  detail::restore_population(state, name(), "population", domains_, genomes_, objectives_, generation_, rng_);
  assess();
}

}  // namespace coda::nas
