#pragma once
// The `table` evaluator: a CSV (RFC 4180 quoting) of measured architectures with a `perplexity` column.
// Rows are keyed either by a `candidate` column holding the candidate's JSON description, or by every other
// column, each compared with the description's top-level key of that name (cells are read as JSON where they
// parse — 384, [4,6,8], true — else as strings). A candidate not in the table goes to the fallback evaluator
// if one is named, else is a QualityError. Bad tables (no perplexity column, a non-finite or non-numeric
// perplexity, duplicate keys with different values, ragged rows) are QualityErrors naming file and line.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nas/quality.h"

namespace coda::nas {

class TableQuality final : public QualityEvaluator {
 public:
  TableQuality(const std::string& csv_path, std::unique_ptr<QualityEvaluator> fallback);
  std::string label() const override;
  std::vector<double> evaluate(const std::vector<nlohmann::json>& candidates) override;
  std::size_t rows() const { return table_.size(); }

 private:
  std::string key_of(const nlohmann::json& candidate) const;  // "" if a key column is missing

  std::string path_;
  std::vector<std::string> key_columns_;  // empty: keyed by the `candidate` column
  std::map<std::string, double> table_;
  std::unique_ptr<QualityEvaluator> fallback_;
};

/// Splits CSV text into rows of cells (RFC 4180: quoted cells, "" inside quotes); each row with the 1-based
/// line it starts on. Throws QualityError on an unterminated quote.
std::vector<std::pair<std::size_t, std::vector<std::string>>> parse_csv(const std::string& text,
                                                                         const std::string& file);

}  // namespace coda::nas
