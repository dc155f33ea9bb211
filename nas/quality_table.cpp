#include "nas/quality_table.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace coda::nas {

std::vector<std::pair<std::size_t, std::vector<std::string>>> parse_csv(const std::string& text,
                                                                         const std::string& file) {
  std::vector<std::pair<std::size_t, std::vector<std::string>>> rows;
  std::vector<std::string> row;
  std::string cell;
  std::size_t line = 1, row_line = 1;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          cell += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        cell += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(std::move(cell));
      cell.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !cell.empty()) {
        row.push_back(std::move(cell));
        rows.emplace_back(row_line, std::move(row));
      }
      row.clear();
      cell.clear();
      any = false;
      row_line = ++line;
    } else {
      cell += c;
    }
  }
  if (quoted) throw QualityError(fmt::format("{}:{}: unterminated quoted cell", file, row_line));
  if (any || !cell.empty()) {
    row.push_back(std::move(cell));
    rows.emplace_back(row_line, std::move(row));
  }
  return rows;
}

namespace {
// A cell as a JSON value where it parses as one (numbers, arrays, true/false, quoted strings), else as string.
std::string cell_key(const std::string& cell) {
  nlohmann::json j = nlohmann::json::parse(cell, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) j = cell;
  return canonical_json(j);
}
}  // namespace

TableQuality::TableQuality(const std::string& csv_path, std::unique_ptr<QualityEvaluator> fallback)
    : path_(csv_path), fallback_(std::move(fallback)) {
  std::ifstream f(csv_path, std::ios::binary);
  if (!f) throw QualityError(fmt::format("{}: cannot open the quality table", csv_path));
  std::stringstream ss;
  ss << f.rdbuf();
  const auto rows = parse_csv(ss.str(), csv_path);
  if (rows.empty()) throw QualityError(fmt::format("{}:1: the quality table is empty (needs a header row)", csv_path));
  const auto& header = rows[0].second;
  std::size_t ppl_col = header.size(), cand_col = header.size();
  std::vector<std::size_t> key_cols;
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (header[c] == "perplexity")
      ppl_col = c;
    else if (header[c] == "candidate")
      cand_col = c;
    else
      key_cols.push_back(c);
  }
  if (ppl_col == header.size())
    throw QualityError(fmt::format("{}:1: the quality table has no 'perplexity' column", csv_path));
  if (cand_col == header.size()) {
    if (key_cols.empty())
      throw QualityError(fmt::format("{}:1: the quality table needs a 'candidate' column or key columns", csv_path));
    for (std::size_t c : key_cols) key_columns_.push_back(header[c]);
  } else {
    key_cols = {cand_col};  // other columns are comments
  }
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const auto& [line, cells] = rows[r];
    if (cells.size() != header.size())
      throw QualityError(fmt::format("{}:{}: {} cells, the header has {}", csv_path, line, cells.size(), header.size()));
    const std::string& p = cells[ppl_col];
    char* stop = nullptr;
    const double v = p.empty() ? 0.0 : std::strtod(p.c_str(), &stop);
    if (p.empty() || stop != p.c_str() + p.size() || !std::isfinite(v))
      throw QualityError(fmt::format("{}:{}: perplexity '{}' is not a finite number", csv_path, line, p));
    std::string key;
    if (key_columns_.empty()) {
      nlohmann::json j = nlohmann::json::parse(cells[cand_col], nullptr, false);
      if (j.is_discarded())
        throw QualityError(fmt::format("{}:{}: the candidate cell is not JSON: {}", csv_path, line, cells[cand_col]));
      key = canonical_json(j);
    } else {
      nlohmann::json k = nlohmann::json::array();
      for (std::size_t c : key_cols) k.push_back(cell_key(cells[c]));
      key = k.dump();
    }
    const auto [it, inserted] = table_.emplace(key, v);
    if (!inserted && it->second != v)
      throw QualityError(fmt::format("{}:{}: this architecture is listed twice with different perplexities ({} and {})",
                                     csv_path, line, it->second, v));
  }
}

std::string TableQuality::label() const {
  return "table:" + path_ + (fallback_ ? "," + fallback_->label() : "");
}

std::string TableQuality::key_of(const nlohmann::json& candidate) const {
  if (key_columns_.empty()) return canonical_json(candidate);
  nlohmann::json k = nlohmann::json::array();
  for (const auto& col : key_columns_) {
    if (!candidate.is_object() || !candidate.contains(col)) return "";
    k.push_back(canonical_json(candidate.at(col)));
  }
  return k.dump();
}

std::vector<double> TableQuality::evaluate(const std::vector<nlohmann::json>& candidates) {
  std::vector<double> out(candidates.size(), 0.0);
  std::vector<std::size_t> missing;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const auto it = table_.find(key_of(candidates[i]));
    if (it != table_.end())
      out[i] = it->second;
    else
      missing.push_back(i);
  }
  if (missing.empty()) return out;
  if (!fallback_)
    throw QualityError(fmt::format("{}: {} candidate(s) are not in the table (name a fallback evaluator, e.g. "
                                   "--quality table:{},command:PROG), first: {}",
                                   path_, missing.size(), path_, candidates[missing[0]].dump()));
  std::vector<nlohmann::json> rest;
  for (std::size_t i : missing) rest.push_back(candidates[i]);
  const auto got = fallback_->evaluate(rest);
  if (got.size() != rest.size())
    throw QualityError(fmt::format("{}: returned {} values for {} candidates", fallback_->label(), got.size(), rest.size()));
  for (std::size_t k = 0; k < missing.size(); ++k) out[missing[k]] = got[k];
  return out;
}

}  // namespace coda::nas
