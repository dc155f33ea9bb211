#pragma once
// Ask/tell search strategies (after Timeloop's next()/report()): a strategy proposes a batch of genomes (`ask`),
// is told their objectives (`tell`), and knows nothing of the simulator, the cost model or what a gene means.
// All objectives are minimised. A strategy's whole state (population, generation, random-generator state)
// serialises to JSON, so a checkpointed search resumes to exactly the result of an uninterrupted one.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "nas/genome.h"

namespace coda::nas {

/// What a strategy is told about one candidate: the values to minimise and the total constraint violation
/// (0 when the candidate meets every constraint; > 0 otherwise, larger is worse).
struct Objectives {
  std::vector<double> values;
  double violation = 0.0;
  bool feasible() const { return violation <= 0.0; }
};

/// A strategy's settings. Defaults: the population 40 and per-gene mutation probability 0.2.
struct StrategyOptions {
  std::size_t population = 40;
  double mutation_probability = 0.2;  // per gene
  std::uint64_t seed = 1;
  /// Genomes placed in the first batch before the random ones (e.g. the baseline architecture).
  std::vector<Genome> initial;
};

/// Bad strategy settings, an unknown strategy name, or a checkpoint that does not belong to this strategy.
class StrategyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual std::string name() const = 0;
  /// The next batch of genomes to evaluate (never empty).
  virtual std::vector<Genome> ask() = 0;
  /// The objectives of the batch returned by the last ask(), in the same order.
  virtual void tell(const std::vector<Genome>& genomes, const std::vector<Objectives>& objectives) = 0;
  /// The whole state, including the random generator's, and restoring it.
  virtual nlohmann::json state() const = 0;
  virtual void restore(const nlohmann::json& state) = 0;
};

/// "nsga2" (the default) or "refill"; throws StrategyError otherwise.
std::unique_ptr<Strategy> make_strategy(const std::string& name, std::vector<GeneDomain> domains,
                                        StrategyOptions options);

/// Throws StrategyError unless `g` has one in-range choice per domain.
void check_genome(const std::vector<GeneDomain>& domains, const Genome& g);

}  // namespace coda::nas
