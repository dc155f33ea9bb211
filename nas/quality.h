#pragma once
// Quality (perplexity) evaluators: one interface, evaluated a batch at a time on candidates described as JSON
// (the search space's description of a genome). Built in: `command` (a user program speaking JSON lines) and
// `table` (a CSV of measured architectures, with an optional fallback evaluator); others (the `supernet`
// evaluator) register a factory under their kind name. Evaluators are deterministic functions of the
// description: the search caches every answer (QualityCache) and persists the cache in its checkpoint.
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace coda::nas {

/// An evaluator failed: a bad spec, a missing or malformed table, an unknown candidate, a program that crashed,
/// exited non-zero or answered wrongly. The message names the evaluator, the file/line or the program.
class QualityError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class QualityEvaluator {
 public:
  virtual ~QualityEvaluator() = default;
  /// A short label for messages and reports, e.g. "command:./ppl.py".
  virtual std::string label() const = 0;
  /// One finite perplexity per candidate, in order. Throws QualityError.
  virtual std::vector<double> evaluate(const std::vector<nlohmann::json>& candidates) = 0;
};

/// Builds an evaluator of one kind from the text after "KIND:" and the (possibly null) fallback evaluator that
/// follows it in the chain. Throws QualityError.
using QualityFactory =
    std::function<std::unique_ptr<QualityEvaluator>(const std::string& arg, std::unique_ptr<QualityEvaluator> fallback)>;

/// Registers (or replaces) the factory of `kind`; `command` and `table` are registered on first use.
void register_quality(const std::string& kind, QualityFactory factory);
/// The registered kinds, sorted.
std::vector<std::string> quality_kinds();

/// Builds an evaluator chain from specs "KIND:ARG", first = primary; each later spec is the fallback of the one
/// before (e.g. {"table:measured.csv", "command:./ppl.py"}). A single spec may also hold the chain joined by
/// commas ("table:measured.csv,command:./ppl.py"): it is split before every ",KIND:" of a registered kind.
std::unique_ptr<QualityEvaluator> make_quality(const std::vector<std::string>& specs);

/// The canonical text of a description: keys sorted, numbers with an integral value written as integers, no
/// spaces. Keys of the cache and of `table` rows.
std::string canonical_json(const nlohmann::json& j);

/// Every evaluation, by canonical description.
class QualityCache {
 public:
  /// Evaluates the candidates not yet cached (each distinct one once, in order of first appearance) in one
  /// batch with `evaluator`, then returns the perplexity of every candidate.
  std::vector<double> evaluate(QualityEvaluator& evaluator, const std::vector<nlohmann::json>& candidates);
  std::size_t size() const { return values_.size(); }
  std::size_t evaluated() const { return evaluated_; }  // evaluator calls' candidates, this process
  nlohmann::json to_json() const;
  void from_json(const nlohmann::json& j);

 private:
  std::map<std::string, double> values_;
  std::size_t evaluated_ = 0;
};

}  // namespace coda::nas
