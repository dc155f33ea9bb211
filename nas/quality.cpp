#include "nas/quality.h"

#include <fmt/format.h>

#include <cmath>
#include <mutex>

#include "nas/quality_command.h"
#include "nas/quality_table.h"

namespace coda::nas {

namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, QualityFactory> factories;
  Registry();
};

Registry& registry() {
  static Registry r;
  return r;
}

Registry::Registry() {
    factories["command"] = [](const std::string& arg, std::unique_ptr<QualityEvaluator> fallback) {
      if (fallback) throw QualityError("the command evaluator takes no fallback (only table does)");
      if (arg.empty()) throw QualityError("command: needs a program, e.g. command:./perplexity.py");
      return std::unique_ptr<QualityEvaluator>(std::make_unique<CommandQuality>(arg));
    };
    factories["table"] = [](const std::string& arg, std::unique_ptr<QualityEvaluator> fallback) {
      if (arg.empty()) throw QualityError("table: needs a CSV file, e.g. table:measured.csv");
      return std::unique_ptr<QualityEvaluator>(std::make_unique<TableQuality>(arg, std::move(fallback)));
    };
}

nlohmann::json canonical(const nlohmann::json& j) {
  if (j.is_object()) {
    nlohmann::json o = nlohmann::json::object();
    for (auto it = j.begin(); it != j.end(); ++it) o[it.key()] = canonical(it.value());
    return o;
  }
  if (j.is_array()) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& e : j) a.push_back(canonical(e));
    return a;
  }
  if (j.is_number_float()) {
    const double v = j.get<double>();
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9007199254740992.0)
      return nlohmann::json(static_cast<std::int64_t>(v));
  }
  return j;
}

}  // namespace

void register_quality(const std::string& kind, QualityFactory factory) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.factories[kind] = std::move(factory);
}

std::vector<std::string> quality_kinds() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> kinds;
  for (const auto& [k, f] : r.factories) kinds.push_back(k);
  return kinds;
}

std::unique_ptr<QualityEvaluator> make_quality(const std::vector<std::string>& specs) {
  const auto kinds = quality_kinds();
  auto kind_at = [&](const std::string& s, std::size_t pos) -> std::string {
    for (const auto& k : kinds)
      if (s.compare(pos, k.size() + 1, k + ":") == 0) return k;
    return "";
  };
  std::vector<std::pair<std::string, std::string>> chain;  // kind, arg
  for (const auto& spec : specs) {
    const std::string kind = kind_at(spec, 0);
    if (kind.empty())
      throw QualityError(fmt::format("quality evaluator '{}': expected KIND:ARGUMENT with KIND one of {}", spec,
                                     fmt::join(kinds, ", ")));
    std::size_t start = 0;
    std::string current = kind;
    for (std::size_t pos = spec.find(','); ; pos = spec.find(',', pos + 1)) {
      if (pos == std::string::npos) {
        chain.emplace_back(current, spec.substr(start + current.size() + 1));
        break;
      }
      if (const std::string next = kind_at(spec, pos + 1); !next.empty()) {
        chain.emplace_back(current, spec.substr(start + current.size() + 1, pos - start - current.size() - 1));
        start = pos + 1;
        current = next;
      }
    }
  }
  if (chain.empty()) throw QualityError("no quality evaluator given");
  std::unique_ptr<QualityEvaluator> next;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    QualityFactory factory;
    {
      auto& r = registry();
      std::lock_guard lock(r.mutex);
      factory = r.factories.at(it->first);
    }
    next = factory(it->second, std::move(next));
  }
  return next;
}

std::string canonical_json(const nlohmann::json& j) { return canonical(j).dump(); }

std::vector<double> QualityCache::evaluate(QualityEvaluator& evaluator, const std::vector<nlohmann::json>& candidates) {
  std::vector<std::string> keys;
  keys.reserve(candidates.size());
  std::vector<nlohmann::json> todo;
  std::vector<std::string> todo_keys;
  std::map<std::string, bool> queued;
  for (const auto& c : candidates) {
    keys.push_back(canonical_json(c));
    if (!values_.count(keys.back()) && queued.emplace(keys.back(), true).second) {
      todo.push_back(c);
      todo_keys.push_back(keys.back());
    }
  }
  if (!todo.empty()) {
    const std::vector<double> got = evaluator.evaluate(todo);
    if (got.size() != todo.size())
      throw QualityError(fmt::format("{}: returned {} values for {} candidates", evaluator.label(), got.size(),
                                     todo.size()));
    for (std::size_t i = 0; i < got.size(); ++i) {
      if (!std::isfinite(got[i]))
        throw QualityError(fmt::format("{}: non-finite perplexity for {}", evaluator.label(), todo_keys[i]));
      values_[todo_keys[i]] = got[i];
    }
    evaluated_ += todo.size();
  }
  std::vector<double> out;
  out.reserve(keys.size());
  for (const auto& k : keys) out.push_back(values_.at(k));
  return out;
}

nlohmann::json QualityCache::to_json() const {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& [k, v] : values_) a.push_back({{"candidate", k}, {"perplexity", v}});
  return a;
}

void QualityCache::from_json(const nlohmann::json& j) {
  values_.clear();
  for (const auto& e : j) values_[e.at("candidate").get<std::string>()] = e.at("perplexity").get<double>();
}

}  // namespace coda::nas
