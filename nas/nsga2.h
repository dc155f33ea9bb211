#pragma once
// NSGA-II (Deb et al. 2002) over discrete genes: binary tournament on (rank, crowding distance), uniform
// crossover, per-gene mutation, elitist survival of the best `population` of parents + offspring by fast
// non-dominated sort and crowding distance. Constraints by constrained domination (nas/pareto.h).
#include <vector>

#include "nas/rng.h"
#include "nas/strategy.h"

namespace coda::nas {

class Nsga2 final : public Strategy {
 public:
  Nsga2(std::vector<GeneDomain> domains, StrategyOptions options);
  std::string name() const override { return "nsga2"; }
  std::vector<Genome> ask() override;
  void tell(const std::vector<Genome>& genomes, const std::vector<Objectives>& objectives) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;

  /// The current parents (the survivors of the last tell), their rank and crowding distance.
  const std::vector<Genome>& population() const { return genomes_; }
  const std::vector<Objectives>& objectives() const { return objectives_; }
  const std::vector<std::size_t>& ranks() const { return rank_; }
  const std::vector<double>& crowding() const { return crowding_; }

 private:
  std::size_t tournament();
  void assess();  // rank_ and crowding_ of the current population

  std::vector<GeneDomain> domains_;
  StrategyOptions options_;
  Rng rng_;
  std::size_t generation_ = 0;
  std::vector<Genome> genomes_;
  std::vector<Objectives> objectives_;
  std::vector<std::size_t> rank_;
  std::vector<double> crowding_;
};

/// Elitist survival (shared with the refill strategy): the indices of the best `n` points, whole fronts first,
/// the last front cut by decreasing crowding distance (ties: lower index first). Returned in increasing order.
std::vector<std::size_t> select_survivors(const std::vector<Objectives>& points, std::size_t n);

}  // namespace coda::nas
