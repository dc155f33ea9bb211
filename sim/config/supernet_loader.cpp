#include "sim/config/supernet_loader.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>

namespace coda::config {

namespace {

SourceLocation where(const std::string& file, const YAML::Mark& m) {
  if (m.is_null() || m.line < 0) return {file, 0, 0};
  return {file, m.line + 1, m.column + 1};
}

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  void error(const YAML::Node& n, const std::string& key, const std::string& msg) {
    diags_.push_back({where(file_, n.Mark()), key, msg});
  }
  std::vector<Diagnostic>& diags() { return diags_; }

  bool integer(const YAML::Node& n, const std::string& key, int64_t& out, int64_t min) {
    try {
      if (!n.IsScalar()) throw YAML::Exception(n.Mark(), "");
      const std::string s = n.Scalar();
      size_t pos = 0;
      const long long v = std::stoll(s, &pos);
      if (pos != s.size()) throw std::invalid_argument(s);
      if (v < min) {
        error(n, key, fmt::format("must be >= {}, got {}", min, v));
        return false;
      }
      out = v;
      return true;
    } catch (const std::exception&) {
      error(n, key, "expected an integer");
      return false;
    }
  }
  bool number(const YAML::Node& n, const std::string& key, double& out) {
    try {
      if (!n.IsScalar()) throw YAML::Exception(n.Mark(), "");
      const std::string s = n.Scalar();
      size_t pos = 0;
      out = std::stod(s, &pos);
      if (pos != s.size()) throw std::invalid_argument(s);
      return true;
    } catch (const std::exception&) {
      error(n, key, "expected a number");
      return false;
    }
  }
  void choices(const YAML::Node& n, const std::string& key, std::vector<int64_t>& out) {
    out.clear();
    if (n.IsScalar()) {
      int64_t v = 0;
      if (integer(n, key, v, 1)) out.push_back(v);
      return;
    }
    if (!n.IsSequence() || n.size() == 0) {
      error(n, key, "expected a non-empty list of integers");
      return;
    }
    for (size_t i = 0; i < n.size(); ++i) {
      int64_t v = 0;
      if (!integer(n[i], fmt::format("{}[{}]", key, i), v, 1)) continue;
      if (!out.empty() && v <= out.back()) {
        error(n[i], fmt::format("{}[{}]", key, i), "choices must be ascending and unique");
        continue;
      }
      out.push_back(v);
    }
  }

  // Visits every key of a map section; unknown keys are errors.
  void section(const YAML::Node& root, const std::string& name,
               const std::map<std::string, std::function<void(const YAML::Node&, const std::string&)>>& keys,
               bool required) {
    const YAML::Node n = root[name];
    if (!n) {
      if (required) error(root, name, "missing section");
      return;
    }
    if (!n.IsMap()) {
      error(n, name, "expected a map");
      return;
    }
    for (const auto& kv : n) {
      const std::string key = kv.first.as<std::string>();
      const auto it = keys.find(key);
      if (it == keys.end()) {
        std::string known;
        for (const auto& k : keys) known += (known.empty() ? "" : ", ") + k.first;
        error(kv.first, name + "." + key, fmt::format("unknown key (known: {})", known));
        continue;
      }
      it->second(kv.second, name + "." + key);
    }
  }

 private:
  std::string file_;
  std::vector<Diagnostic> diags_;
};

}  // namespace

SupernetSpace parse_supernet_space(const std::string& yaml, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw InputError(where(origin, e.mark), "", fmt::format("malformed YAML: {}", e.msg));
  }
  if (!root.IsMap()) throw InputError(SourceLocation{origin, 0, 0}, "", "expected a map at the top level");
  Reader r(origin);
  SupernetSpace s;
  auto& sn = s.supernet;
  auto& tc = s.training;
  using F = std::function<void(const YAML::Node&, const std::string&)>;
  auto int_key = [&](int64_t& dst, int64_t min) -> F {
    return [&r, &dst, min](const YAML::Node& n, const std::string& k) { r.integer(n, k, dst, min); };
  };
  auto num_key = [&](double& dst) -> F { return [&r, &dst](const YAML::Node& n, const std::string& k) { r.number(n, k, dst); }; };
  auto list_key = [&](std::vector<int64_t>& dst) -> F {
    return [&r, &dst](const YAML::Node& n, const std::string& k) { r.choices(n, k, dst); };
  };
  bool have_context = false, have_head = false;
  r.section(root, "supernet",
            {{"context", [&](const YAML::Node& n, const std::string& k) { have_context = r.integer(n, k, sn.context, 2); }},
             {"head_size", [&](const YAML::Node& n, const std::string& k) { have_head = r.integer(n, k, sn.head_size, 1); }},
             {"layers", list_key(sn.layers)},
             {"hidden", list_key(sn.hidden)},
             {"heads", list_key(sn.heads)},
             {"ffn", list_key(sn.ffn)}},
            true);
  int64_t seed = static_cast<int64_t>(tc.seed);
  r.section(root, "training",
            {{"steps", int_key(tc.steps, 1)},
             {"batch", int_key(tc.batch, 1)},
             {"lr", num_key(tc.lr)},
             {"min_lr_ratio", num_key(tc.min_lr_ratio)},
             {"warmup_steps", int_key(tc.warmup_steps, 0)},
             {"weight_decay", num_key(tc.weight_decay)},
             {"beta1", num_key(tc.beta1)},
             {"beta2", num_key(tc.beta2)},
             {"grad_clip", num_key(tc.grad_clip)},
             {"random_subnets", int_key(tc.random_subnets, 0)},
             {"quantized_probs", int_key(tc.quantized_probs, 0)},
             {"seed", int_key(seed, 0)},
             {"checkpoint_every", int_key(tc.checkpoint_every, 0)},
             {"eval_every", int_key(tc.eval_every, 0)},
             {"eval_windows", int_key(tc.eval_windows, 1)}},
            false);
  tc.seed = static_cast<uint64_t>(seed);
  r.section(root, "evaluation", {{"valid_windows", int_key(s.valid_windows, 1)}}, false);
  const YAML::Node sup = root["supernet"];
  if (sup && sup.IsMap()) {
    if (!have_context && !sup["context"]) r.error(sup, "supernet.context", "missing");
    if (!have_head && !sup["head_size"]) r.error(sup, "supernet.head_size", "missing");
    for (const char* k : {"layers", "hidden", "heads", "ffn"}) {
      if (!sup[k]) r.error(sup, std::string("supernet.") + k, "missing");
    }
  }
  if (r.diags().empty()) {
    try {
      tc.validate();
    } catch (const models::lm::ArchError& e) {
      const std::string msg = e.what();
      const auto colon = msg.find(": ");
      const std::string key = msg.substr(0, colon);
      const YAML::Node t = root["training"];
      const YAML::Node at = (t && t.IsMap() && t[key.substr(key.find('.') + 1)]) ? t[key.substr(key.find('.') + 1)] : root;
      r.error(at, key, colon == std::string::npos ? msg : msg.substr(colon + 2));
    }
  }
  if (!r.diags().empty()) throw InputError(std::move(r.diags()));
  return s;
}

SupernetSpace load_supernet_space(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw InputError(SourceLocation{path, 0, 0}, "", "cannot read the file");
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_supernet_space(ss.str(), path);
}

}  // namespace coda::config
