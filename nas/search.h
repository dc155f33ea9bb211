#pragma once
// The search driver: asks a strategy for a batch, evaluates each genome's cost (in parallel, into indexed
// slots, so results never depend on the thread count or completion order) and quality (cached), tells the
// strategy, and after every generation writes DIR/history.csv, DIR/pareto.csv and DIR/checkpoint.json
// (atomically). A resumed run continues from the checkpoint to exactly the files of an uninterrupted one.
// The driver knows no simulator: cost, description and quality come in as functions and an evaluator.
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "nas/genome.h"
#include "nas/quality.h"
#include "nas/strategy.h"

namespace coda::nas {

/// Bad search settings, a cost function that fails or returns non-finite values, a checkpoint that does not
/// match the run, or an output directory that cannot be written.
class SearchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What can be minimised.
enum class Metric { edp, perplexity, latency, energy };
std::string metric_name(Metric m);  // "edp", "perplexity", "latency", "energy"
Metric parse_metric(const std::string& name);  // throws SearchError
/// "edp,perplexity" -> {edp, perplexity}; throws SearchError on an unknown, repeated or missing name.
std::vector<Metric> parse_metrics(const std::string& list);

/// Upper bounds; infinity = unconstrained. A candidate over a bound is infeasible, with violation
/// sum((value - bound) / bound) over the bounds it exceeds.
struct Constraints {
  double max_latency_cycles = std::numeric_limits<double>::infinity();
  double max_perplexity = std::numeric_limits<double>::infinity();
  double max_energy_j = std::numeric_limits<double>::infinity();
};

/// The problem, as the space and the cost model define it.
struct SearchProblem {
  std::vector<GeneDomain> domains;
  /// The candidate's cost (e.g. from the LUT). Called concurrently from several threads: must be thread-safe.
  std::function<Cost(const Genome&)> cost;
  /// The candidate as JSON (what quality evaluators and the CSVs see). Thread-safe as well.
  std::function<nlohmann::json(const Genome&)> describe;
  /// The reference architecture (e.g. the largest): put in the first batch, marked in plots and reports.
  std::optional<Genome> baseline;
};

/// Costs of a batch of genomes, in order: how the driver and the final report evaluate costs. The default runs
/// a per-genome cost function on threads (parallel_batch); a distributed one (nas/distributed.h) spreads the
/// batch over MPI ranks. Either way a result depends only on the genome, never on where it was computed.
using BatchCost = std::function<std::vector<Cost>(const std::vector<Genome>&)>;

/// `cost` on `jobs` threads (0 = one per hardware thread), each result in its genome's slot.
BatchCost parallel_batch(std::function<Cost(const Genome&)> cost, unsigned jobs);

struct GenerationProgress {
  std::size_t generation = 0;   // 1-based, completed
  std::size_t generations = 0;  // total planned
  std::size_t evaluated = 0;    // history rows so far
  std::size_t front_size = 0;   // distinct feasible non-dominated candidates so far
  double best_edp = std::numeric_limits<double>::quiet_NaN();  // lowest feasible EDP so far (J·s)
  double evaluations_per_second = 0;  // this generation: candidates / wall time of cost + quality
  std::size_t quality_calls = 0;      // candidates sent to the quality evaluator this generation (cache misses)
};

struct SearchOptions {
  std::vector<Metric> objectives{Metric::edp, Metric::perplexity};
  Constraints constraints;
  std::size_t generations = 40;
  unsigned jobs = 1;    // cost-evaluation threads; 0 = one per hardware thread
  /// Replaces the threaded evaluation of problem.cost (e.g. by MPI ranks); must give the same costs.
  BatchCost batch_cost;
  std::string out_dir;  // empty: no files (and no resume)
  /// Extra files (name, content) written atomically into out_dir once the run is validated (after a resume's
  /// checkpoint is accepted), e.g. the resolved configs and settings.
  std::vector<std::pair<std::string, std::string>> files;
  bool resume = false;  // continue from out_dir/checkpoint.json if it exists
  /// Recorded in the checkpoint; a resume whose settings differ is refused (e.g. seed, strategy, space).
  nlohmann::json settings = nlohmann::json::object();
  std::function<void(const GenerationProgress&)> progress;
  /// Test hook: called after each generation's files are written; returning true stops the run there.
  std::function<bool(std::size_t generation)> stop_after;
};

/// One evaluated candidate (one row of history.csv).
struct Evaluation {
  std::size_t generation = 0;  // 0-based
  Genome genome;
  nlohmann::json description;
  Cost cost;
  double perplexity = std::numeric_limits<double>::quiet_NaN();  // NaN without a quality evaluator
  double violation = 0;
  std::size_t rank = 0;  // non-dominated rank among all evaluated so far (0 = on the front)
  bool feasible() const { return violation <= 0; }
};

struct SearchResult {
  std::vector<Evaluation> history;
  std::vector<std::size_t> pareto;  // history indices: distinct feasible candidates (by description) of rank 0, by first objective
  std::optional<std::size_t> baseline;  // history index of the baseline's first evaluation
  std::size_t generations_done = 0;
  std::size_t resumed_from = 0;  // generations read from the checkpoint
  bool stopped = false;          // stopped early by options.stop_after
};

/// Runs (or resumes) the search. `quality` may be null only if no objective or constraint needs perplexity.
/// Throws SearchError, QualityError, StrategyError.
SearchResult run_search(const SearchProblem& problem, Strategy& strategy, QualityEvaluator* quality,
                        const SearchOptions& options);

/// The CSV text of history.csv (all rows) or pareto.csv (the Pareto rows) for `result`.
std::string history_csv(const SearchProblem& problem, const SearchResult& result, const std::vector<std::size_t>& rows);

// ---- The final report (re-simulation of the Pareto points) ----

struct ParetoPointReport {
  std::size_t index = 0;  // history row
  Cost lut;               // the search's cost
  Cost engine;            // full_cost
  double perplexity = std::numeric_limits<double>::quiet_NaN();
  double edp_vs_baseline = std::numeric_limits<double>::quiet_NaN();         // engine EDP / baseline engine EDP
  double perplexity_vs_baseline = std::numeric_limits<double>::quiet_NaN();  // perplexity / baseline perplexity
};

struct FinalReport {
  std::optional<ParetoPointReport> baseline;
  std::vector<ParetoPointReport> points;
};

/// Re-evaluates every Pareto point (and the baseline) with `full_cost` (e.g. the whole-model engine run, as
/// parallel_batch(engine_cost, jobs) or distributed) and relates each to the baseline.
FinalReport resimulate_pareto(const SearchResult& result, const BatchCost& full_cost);
/// An aligned text table: per point, LUT and engine latency/energy/EDP side by side with the error, perplexity,
/// and EDP/perplexity relative to the baseline.
std::string format_final_report(const SearchResult& result, const FinalReport& report);
/// The same as CSV (DIR/final.csv).
std::string final_report_csv(const SearchResult& result, const FinalReport& report);

/// Runs fn(i) for i in [0, n) on `jobs` threads (0 = hardware threads); rethrows the exception of the lowest
/// failing index.
void parallel_for(std::size_t n, unsigned jobs, const std::function<void(std::size_t)>& fn);

}  // namespace coda::nas
