#include "nas/space.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>

#include "sim/config/hw_loader.h"

namespace coda::nas {

namespace {

namespace fs = std::filesystem;
using config::Diagnostic;
using config::InputError;
using config::SourceLocation;

// Keys of the sections this file interprets.
const std::vector<std::string> kTopKeys = {"name", "hw_config", "schedule", "model", "hardware"};
const std::vector<std::string> kModelKeys = {"seq_len", "head_size", "layers", "hidden", "heads", "ffn"};
// Guard against typos that would make a space of millions of choices per gene.
constexpr int64_t kMaxChoices = 4096;

SourceLocation loc_of(const std::string& file, const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  if (m.is_null() || m.line < 0) return {file, 0, 0};
  return {file, m.line + 1, m.column + 1};
}

std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return "an empty value";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Scalar: break;
  }
  return fmt::format("'{}'", n.Scalar());
}

std::string expected_one_of(const std::vector<std::string>& keys) {
  return fmt::format("unknown key; expected one of: {}", fmt::join(keys, ", "));
}

class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  void error(const SourceLocation& loc, std::string key, std::string msg) {
    diags_.push_back({loc, std::move(key), std::move(msg)});
  }
  std::vector<Diagnostic>& diags() { return diags_; }
  const std::string& file() const { return file_; }

  // A location for a value: the value's own mark, or the key's when the value is empty.
  SourceLocation where(const YAML::Node& key, const YAML::Node& value) const {
    return value.IsNull() ? loc_of(file_, key) : loc_of(file_, value);
  }

  std::optional<int64_t> integer(const YAML::Node& v, const SourceLocation& loc, const std::string& key, int64_t lo) {
    if (!v.IsScalar() || v.Tag() == "!") {
      error(loc, key, fmt::format("expected an integer, got {}", describe(v)));
      return std::nullopt;
    }
    std::string_view s = v.Scalar();
    if (!s.empty() && s[0] == '+') s.remove_prefix(1);
    int64_t x = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
    if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) {
      error(loc, key, fmt::format("expected an integer, got {}", describe(v)));
      return std::nullopt;
    }
    if (x < lo) {
      error(loc, key, fmt::format("must be >= {}, got {}", lo, x));
      return std::nullopt;
    }
    return x;
  }

  // An integer, a list of integers, or a range {min, max, step}. Returns the choices (empty on error).
  std::vector<int64_t> choices(const YAML::Node& key, const YAML::Node& v, const std::string& path) {
    const SourceLocation loc = where(key, v);
    std::vector<int64_t> out;
    if (v.IsScalar()) {
      if (auto x = integer(v, loc, path, 1)) out.push_back(*x);
      return out;
    }
    if (v.IsSequence()) {
      if (v.size() == 0) {
        error(loc, path, "expected at least one value, got an empty list");
        return out;
      }
      bool ok = true;
      for (std::size_t i = 0; i < v.size(); ++i) {
        const YAML::Node item = v[i];
        auto x = integer(item, item.IsNull() ? loc : loc_of(file_, item), fmt::format("{}[{}]", path, i), 1);
        if (!x) {
          ok = false;
          continue;
        }
        if (std::find(out.begin(), out.end(), *x) != out.end()) {
          error(loc_of(file_, item), fmt::format("{}[{}]", path, i), fmt::format("duplicate value {}", *x));
          ok = false;
        }
        out.push_back(*x);
      }
      if (!ok) out.clear();
      return out;
    }
    if (v.IsMap()) {
      std::optional<int64_t> lo, hi, step;
      bool ok = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        const std::string k = it->first.Scalar();
        const SourceLocation l = where(it->first, it->second);
        const std::string p = path + "." + k;
        if (k == "min") {
          lo = integer(it->second, l, p, 1);
          ok = ok && lo;
        } else if (k == "max") {
          hi = integer(it->second, l, p, 1);
          ok = ok && hi;
        } else if (k == "step") {
          step = integer(it->second, l, p, 1);
          ok = ok && step;
        } else {
          error(loc_of(file_, it->first), p, expected_one_of({"min", "max", "step"}));
          ok = false;
        }
      }
      if (!ok) return out;
      if (!lo || !hi) {
        error(loc, path, "a range needs min and max (and optionally step, default 1)");
        return out;
      }
      if (*hi < *lo) {
        error(loc, path, fmt::format("max ({}) is below min ({})", *hi, *lo));
        return out;
      }
      const int64_t st = step.value_or(1);
      if ((*hi - *lo) / st + 1 > kMaxChoices) {
        error(loc, path, fmt::format("more than {} choices", kMaxChoices));
        return out;
      }
      if ((*hi - *lo) % st != 0) {
        error(loc, path, fmt::format("max ({}) is not min ({}) plus a whole number of steps ({})", *hi, *lo, st));
        return out;
      }
      for (int64_t x = *lo; x <= *hi; x += st) out.push_back(x);
      return out;
    }
    error(loc, path, fmt::format("expected an integer, a list of integers or a range {{min, max, step}}, got {}",
                                 describe(v)));
    return out;
  }

 private:
  std::string file_;
  std::vector<Diagnostic> diags_;
};

// Flattens `hardware:` (dotted keys, nested maps or both) into key path -> value list.
void parse_hardware(Parser& p, const YAML::Node& node, const std::string& prefix, std::vector<HardwareGene>& out,
                    std::set<std::string>& seen) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node k = it->first;
    const YAML::Node v = it->second;
    const std::string path = prefix.empty() ? k.Scalar() : prefix + "." + k.Scalar();
    const SourceLocation kloc = loc_of(p.file(), k);
    if (v.IsMap()) {
      parse_hardware(p, v, path, out, seen);
      continue;
    }
    const std::string shown = "hardware." + path;
    try {
      (void)config::get_param(config::HwConfig{}, path);
    } catch (const InputError& e) {
      p.error(kloc, shown, e.diagnostics().empty() ? "unknown hardware key" : e.diagnostics()[0].message);
      continue;
    }
    if (!seen.insert(path).second) {
      p.error(kloc, shown, "given twice");
      continue;
    }
    HardwareGene g{path, {}};
    const SourceLocation vloc = p.where(k, v);
    if (v.IsScalar()) {
      g.values.push_back(v.Scalar());
    } else if (v.IsSequence() && v.size() > 0) {
      bool ok = true;
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (!v[i].IsScalar()) {
          p.error(loc_of(p.file(), v[i]), fmt::format("{}[{}]", shown, i),
                  fmt::format("expected a value, got {}", describe(v[i])));
          ok = false;
          continue;
        }
        if (std::find(g.values.begin(), g.values.end(), v[i].Scalar()) != g.values.end()) {
          p.error(loc_of(p.file(), v[i]), fmt::format("{}[{}]", shown, i), fmt::format("duplicate value {}", v[i].Scalar()));
          ok = false;
        }
        g.values.push_back(v[i].Scalar());
      }
      if (!ok) continue;
    } else {
      p.error(vloc, shown, fmt::format("expected a value or a non-empty list of values, got {}", describe(v)));
      continue;
    }
    // Each value must be acceptable for its key on its own (type and range); consistency with the rest of the
    // config is checked when a hardware point is built on a base config.
    bool ok = true;
    for (const auto& val : g.values) {
      try {
        config::check_param_value(path, val);
      } catch (const InputError& e) {
        p.error(vloc, shown, fmt::format("value {}: {}", val, e.diagnostics().empty() ? "invalid" : e.diagnostics()[0].message));
        ok = false;
      }
    }
    if (ok) out.push_back(std::move(g));
  }
}

}  // namespace

std::string to_json(const Architecture& a) {
  std::string s = fmt::format("{{\"layers\":{},\"hidden\":{},\"head_size\":{},\"seq_len\":{},\"heads\":[{}],\"ffn\":[{}],"
                              "\"hardware\":{{",
                              a.layers, a.hidden, a.head_size, a.seq_len, fmt::join(a.heads, ","), fmt::join(a.ffn, ","));
  bool first = true;
  for (const auto& [k, v] : a.hardware) {
    if (!first) s += ',';
    first = false;
    // A JSON number when the text is one (int or decimal), else a JSON string.
    bool number = !v.empty();
    try {
      std::size_t used = 0;
      (void)std::stod(v, &used);
      number = number && used == v.size() && v.find_first_not_of("0123456789+-.eE") == std::string::npos &&
               v != "." && v[0] != '+';
    } catch (const std::exception&) {
      number = false;
    }
    std::string escaped;
    for (char c : v) {
      if (c == '"' || c == '\\') escaped += '\\';
      escaped += c;
    }
    s += fmt::format("\"{}\":{}", k, number ? v : "\"" + escaped + "\"");
  }
  s += "}}";
  return s;
}

SearchSpace SearchSpace::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError({path, 0, 0}, "", "cannot read the search space file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

SearchSpace SearchSpace::parse(const std::string& yaml, const std::string& origin) {
  Parser p(origin);
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw InputError({origin, e.mark.line + 1, e.mark.column + 1}, "", fmt::format("invalid YAML: {}", e.msg));
  }
  if (!root.IsMap()) throw InputError({origin, 0, 0}, "", "expected a map with the sections model and hardware");
  SearchSpace s;
  s.origin_ = origin;
  bool have_model = false;
  std::set<std::string> seen_top;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const YAML::Node k = it->first;
    const YAML::Node v = it->second;
    const std::string key = k.IsScalar() ? k.Scalar() : "";
    const SourceLocation kloc = loc_of(origin, k);
    if (!seen_top.insert(key).second) {
      p.error(kloc, key, "given twice");
      continue;
    }
    s.locations_[key] = kloc;
    if (key == "name" || key == "hw_config" || key == "schedule") {
      if (!v.IsScalar() || v.Scalar().empty()) {
        p.error(p.where(k, v), key, fmt::format("expected a non-empty string, got {}", describe(v)));
        continue;
      }
      if (key == "name") s.name_ = v.Scalar();
      if (key == "schedule") s.schedule_ = v.Scalar();
      if (key == "hw_config") {
        fs::path hp(v.Scalar());
        if (hp.is_relative()) hp = fs::path(origin).parent_path() / hp;
        s.hw_config_ = hp.lexically_normal().string();
      }
    } else if (key == "model") {
      if (!v.IsMap()) {
        p.error(p.where(k, v), key, fmt::format("expected a map of model dimensions, got {}", describe(v)));
        continue;
      }
      have_model = true;
      std::set<std::string> seen;
      for (auto m = v.begin(); m != v.end(); ++m) {
        const std::string mk = m->first.Scalar();
        const std::string path = "model." + mk;
        const SourceLocation mloc = loc_of(origin, m->first);
        if (!seen.insert(mk).second) {
          p.error(mloc, path, "given twice");
          continue;
        }
        const YAML::Node mv = m->second;
        if (mk == "seq_len" || mk == "head_size") {
          auto x = p.integer(mv, p.where(m->first, mv), path, 1);
          if (x) (mk == "seq_len" ? s.model_.seq_len : s.model_.head_size) = *x;
        } else if (mk == "layers" || mk == "hidden" || mk == "heads" || mk == "ffn") {
          auto c = p.choices(m->first, mv, path);
          if (mk == "layers") {
            for (int64_t x : c)
              if (x > models::TransformerSpec::kMaxLayers)
                p.error(p.where(m->first, mv), path, fmt::format("must be <= {}, got {}", models::TransformerSpec::kMaxLayers, x));
            s.model_.layers = c;
          }
          if (mk == "hidden") s.model_.hidden = c;
          if (mk == "heads") s.model_.heads = c;
          if (mk == "ffn") s.model_.ffn = c;
        } else {
          p.error(mloc, path, expected_one_of(kModelKeys));
        }
      }
      for (const std::string req : {"seq_len", "head_size", "layers", "hidden", "heads", "ffn"})
        if (!seen.count(req)) p.error(kloc, "model." + req, "missing (required)");
    } else if (key == "hardware") {
      if (v.IsNull()) continue;
      if (!v.IsMap()) {
        p.error(p.where(k, v), key, fmt::format("expected a map of hardware keys to value lists, got {}", describe(v)));
        continue;
      }
      std::set<std::string> seen;
      parse_hardware(p, v, "", s.hw_genes_, seen);
    } else if (!key.empty()) {
      s.sections_[key] = v;  // another reader's section (constraints, objectives, strategy, quality, ...)
    } else {
      p.error(kloc, "", "top-level keys must be plain names");
    }
  }
  if (!have_model && p.diags().empty()) p.error({origin, 0, 0}, "model", "missing (required)");
  if (!p.diags().empty()) throw InputError(std::move(p.diags()));
  if (s.name_.empty()) s.name_ = fs::path(origin).stem().string();
  s.build_domains();
  return s;
}

const YAML::Node& SearchSpace::section(const std::string& name) const {
  static const YAML::Node undefined = YAML::Node(YAML::NodeType::Undefined);
  auto it = sections_.find(name);
  return it == sections_.end() ? undefined : it->second;
}

config::SourceLocation SearchSpace::location_of(const std::string& key) const {
  auto it = locations_.find(key);
  return it == locations_.end() ? config::SourceLocation{origin_, 0, 0} : it->second;
}

int64_t SearchSpace::max_layers() const { return *std::max_element(model_.layers.begin(), model_.layers.end()); }

void SearchSpace::build_domains() {
  domains_.clear();
  auto add = [&](std::string name, std::size_t n) {
    if (n < 2) return npos;
    domains_.push_back({std::move(name), n});
    return domains_.size() - 1;
  };
  layers_gene_ = add("layers", model_.layers.size());
  hidden_gene_ = add("hidden", model_.hidden.size());
  const auto L = static_cast<std::size_t>(max_layers());
  heads_genes_.clear();
  ffn_genes_.clear();
  if (model_.heads.size() > 1)
    for (std::size_t i = 0; i < L; ++i) heads_genes_.push_back(add(fmt::format("heads.{}", i), model_.heads.size()));
  if (model_.ffn.size() > 1)
    for (std::size_t i = 0; i < L; ++i) ffn_genes_.push_back(add(fmt::format("ffn.{}", i), model_.ffn.size()));
  hw_gene_pos_.clear();
  for (const auto& g : hw_genes_) hw_gene_pos_.push_back(add(g.key, g.values.size()));
}

namespace {
std::size_t pick(const Genome& g, std::size_t gene, std::size_t n, const char* what) {
  if (gene == SearchSpace::npos) return 0;
  const int v = g[gene];
  if (v < 0 || static_cast<std::size_t>(v) >= n)
    throw std::invalid_argument(fmt::format("genome: gene {} ({}) is {}, expected 0..{}", gene, what, v, n - 1));
  return static_cast<std::size_t>(v);
}
}  // namespace

Architecture SearchSpace::decode(const Genome& g) const {
  if (g.size() != domains_.size())
    throw std::invalid_argument(fmt::format("genome has {} genes, the space has {}", g.size(), domains_.size()));
  Architecture a;
  a.layers = model_.layers[pick(g, layers_gene_, model_.layers.size(), "layers")];
  a.hidden = model_.hidden[pick(g, hidden_gene_, model_.hidden.size(), "hidden")];
  a.head_size = model_.head_size;
  a.seq_len = model_.seq_len;
  for (std::size_t i = 0; i < static_cast<std::size_t>(a.layers); ++i) {
    a.heads.push_back(model_.heads[pick(g, heads_gene(i), model_.heads.size(), "heads")]);
    a.ffn.push_back(model_.ffn[pick(g, ffn_gene(i), model_.ffn.size(), "ffn")]);
  }
  // Unused per-layer genes must still be in range.
  for (std::size_t i = static_cast<std::size_t>(a.layers); i < static_cast<std::size_t>(max_layers()); ++i) {
    (void)pick(g, heads_gene(i), model_.heads.size(), "heads");
    (void)pick(g, ffn_gene(i), model_.ffn.size(), "ffn");
  }
  for (std::size_t i = 0; i < hw_genes_.size(); ++i) {
    const auto& hg = hw_genes_[i];
    a.hardware.emplace_back(hg.key, hg.values[pick(g, hw_gene_pos_[i], hg.values.size(), "hardware")]);
  }
  return a;
}

Genome SearchSpace::baseline() const {
  Genome g(domains_.size(), 0);
  auto argmax = [](const std::vector<int64_t>& v) {
    return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
  };
  if (layers_gene_ != npos) g[layers_gene_] = argmax(model_.layers);
  if (hidden_gene_ != npos) g[hidden_gene_] = argmax(model_.hidden);
  for (std::size_t p : heads_genes_) g[p] = argmax(model_.heads);
  for (std::size_t p : ffn_genes_) g[p] = argmax(model_.ffn);
  for (std::size_t i = 0; i < hw_genes_.size(); ++i)
    if (hw_gene_pos_[i] != npos) g[hw_gene_pos_[i]] = static_cast<int>(hw_genes_[i].values.size() - 1);
  return g;
}

std::size_t SearchSpace::hardware_points() const {
  std::size_t n = 1;
  for (const auto& g : hw_genes_) n *= g.values.size();
  return n;
}

std::size_t SearchSpace::hardware_point(const Genome& g) const {
  std::size_t idx = 0;
  for (std::size_t i = 0; i < hw_genes_.size(); ++i) {
    const std::size_t n = hw_genes_[i].values.size();
    idx = idx * n + (hw_gene_pos_[i] == npos ? 0 : static_cast<std::size_t>(g[hw_gene_pos_[i]]));
  }
  return idx;
}

std::vector<std::pair<std::string, std::string>> SearchSpace::hardware_overrides(std::size_t point) const {
  std::vector<std::pair<std::string, std::string>> out(hw_genes_.size());
  for (std::size_t i = hw_genes_.size(); i-- > 0;) {
    const std::size_t n = hw_genes_[i].values.size();
    out[i] = {hw_genes_[i].key, hw_genes_[i].values[point % n]};
    point /= n;
  }
  return out;
}

models::TransformerSpec transformer_spec(const Architecture& a, const std::string& name) {
  models::TransformerSpec s;
  s.name = name;
  s.layers = a.layers;
  s.seq_len = a.seq_len;
  s.hidden = a.hidden;
  s.head_dim = a.head_size;
  s.heads = a.heads;
  s.ffn = a.ffn;
  s.validate();
  return s;
}

models::OpGraph op_graph(const Architecture& a) { return models::build_op_graph(transformer_spec(a)); }

config::HwConfig hardware_config(const config::HwConfig& base, const Architecture& a) {
  if (a.hardware.empty()) return base;
  std::vector<std::string> ov;
  for (const auto& [k, v] : a.hardware) ov.push_back(k + "=" + v);
  config::HwConfig c = base;
  config::apply_overrides(c, ov);
  return c;
}

}  // namespace coda::nas
