#pragma once
// Variation operators shared by the strategies (internal to nas/): random genomes, uniform crossover,
// per-gene mutation, and batch de-duplication. Every draw goes through nas::Rng.
#include <set>
#include <vector>

#include "nas/genome.h"
#include "nas/rng.h"
#include "nas/strategy.h"

namespace coda::nas::detail {

Genome random_genome(const std::vector<GeneDomain>& domains, Rng& rng);

/// Each gene from `a` or `b` with probability 1/2.
Genome uniform_crossover(const Genome& a, const Genome& b, Rng& rng);

/// Each gene, with probability p, takes a different choice drawn uniformly from the others. With
/// `at_least_one`, a genome left unchanged gets one uniformly chosen mutable gene mutated.
void mutate(Genome& g, const std::vector<GeneDomain>& domains, double p, Rng& rng, bool at_least_one = false);

/// The number of distinct genomes of the space, saturated at `cap`.
std::size_t space_size(const std::vector<GeneDomain>& domains, std::size_t cap);

/// Draws with `make` until it returns a genome not in `seen` (at most `tries` attempts; the last draw is kept
/// even if seen), records it in `seen` and returns it.
template <class Make>
Genome draw_new(std::set<Genome>& seen, int tries, Make&& make) {
  Genome g;
  for (int t = 0; t < tries; ++t) {
    g = make();
    if (!seen.count(g)) break;
  }
  seen.insert(g);
  return g;
}

/// The first batch: `initial` (de-duplicated) then random genomes up to `population` (fewer if the space has
/// fewer distinct genomes).
std::vector<Genome> initial_batch(const std::vector<GeneDomain>& domains, const StrategyOptions& o, Rng& rng);

/// tell(): the current members followed by the told batch (throws StrategyError when the batch's genome and
/// objective counts differ).
struct Pool {
  std::vector<Genome> genomes;
  std::vector<Objectives> objectives;
};
Pool merge_pool(const std::vector<Genome>& members, const std::vector<Objectives>& member_objectives,
                const std::vector<Genome>& batch, const std::vector<Objectives>& batch_objectives);

/// A population strategy's checkpoint state: {"strategy": name, "generation", "rng", key: [members]}.
nlohmann::json population_state(const std::string& strategy, std::size_t generation, const Rng& rng,
                                const char* key, const std::vector<Genome>& genomes,
                                const std::vector<Objectives>& objectives);
/// Reads population_state() back; throws StrategyError when it is another strategy's state or malformed.
void restore_population(const nlohmann::json& state, const std::string& strategy, const char* key,
                        const std::vector<GeneDomain>& domains, std::vector<Genome>& genomes,
                        std::vector<Objectives>& objectives, std::size_t& generation, Rng& rng);

}  // namespace coda::nas::detail
