#pragma once
// "Keep the Pareto set, refill by mutation": the kept set is the first (constrained) non-dominated front of
// everything kept so far plus the last batch, cut to `population` by crowding distance; each batch is
// `population` mutants of uniformly drawn kept members (per-gene mutation, at least one gene changed).
#include <vector>

#include "nas/rng.h"
#include "nas/strategy.h"

namespace coda::nas {

class ParetoRefill final : public Strategy {
 public:
  ParetoRefill(std::vector<GeneDomain> domains, StrategyOptions options);
  std::string name() const override { return "refill"; }
  std::vector<Genome> ask() override;
  void tell(const std::vector<Genome>& genomes, const std::vector<Objectives>& objectives) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;

  const std::vector<Genome>& kept() const { return genomes_; }

 private:
  std::vector<GeneDomain> domains_;
  StrategyOptions options_;
  Rng rng_;
  std::size_t generation_ = 0;
  std::vector<Genome> genomes_;
  std::vector<Objectives> objectives_;
};

}  // namespace coda::nas
