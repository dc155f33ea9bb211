#include "models/lm/arch.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace coda::models::lm {

namespace {

void check_choices(const std::vector<int64_t>& v, const char* name) {
  if (v.empty()) throw ArchError(fmt::format("supernet.{}: needs at least one choice", name));
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] < 1) throw ArchError(fmt::format("supernet.{}: choices must be >= 1, got {}", name, v[i]));
    if (i > 0 && v[i] <= v[i - 1]) throw ArchError(fmt::format("supernet.{}: choices must be ascending and unique", name));
  }
}

template <class T>
const T& pick(const std::vector<T>& v, Rng& rng) {
  return v[rng.below(v.size())];
}

}  // namespace

void SupernetConfig::validate() const {
  if (vocab < 2) throw ArchError(fmt::format("supernet.vocab: must be >= 2, got {}", vocab));
  if (context < 2) throw ArchError(fmt::format("supernet.context: must be >= 2, got {}", context));
  if (head_size < 1) throw ArchError(fmt::format("supernet.head_size: must be >= 1, got {}", head_size));
  check_choices(layers, "layers");
  check_choices(hidden, "hidden");
  check_choices(heads, "heads");
  check_choices(ffn, "ffn");
}

SubnetArch SupernetConfig::largest() const {
  SubnetArch a;
  a.layers = max_layers();
  a.hidden = max_hidden();
  a.head_size = head_size;
  a.seq = context;
  a.heads.assign(static_cast<size_t>(a.layers), max_heads());
  a.ffn.assign(static_cast<size_t>(a.layers), max_ffn());
  return a;
}

SubnetArch SupernetConfig::smallest() const {
  SubnetArch a;
  a.layers = layers.front();
  a.hidden = hidden.front();
  a.head_size = head_size;
  a.seq = context;
  a.heads.assign(static_cast<size_t>(a.layers), heads.front());
  a.ffn.assign(static_cast<size_t>(a.layers), ffn.front());
  return a;
}

SubnetArch SupernetConfig::sample(Rng& rng) const {
  SubnetArch a;
  a.layers = pick(layers, rng);
  a.hidden = pick(hidden, rng);
  a.head_size = head_size;
  a.seq = context;
  for (int64_t i = 0; i < a.layers; ++i) {
    a.heads.push_back(pick(heads, rng));
    a.ffn.push_back(pick(ffn, rng));
  }
  return a;
}

void SupernetConfig::check(const SubnetArch& a) const {
  if (a.layers < 1 || a.layers > max_layers()) {
    throw ArchError(fmt::format("arch.layers: must be in [1, {}], got {}", max_layers(), a.layers));
  }
  if (a.hidden < 1 || a.hidden > max_hidden()) {
    throw ArchError(fmt::format("arch.hidden: must be in [1, {}], got {}", max_hidden(), a.hidden));
  }
  if (a.head_size != head_size) {
    throw ArchError(fmt::format("arch.head_size: the supernet's head size is {}, got {}", head_size, a.head_size));
  }
  if (a.seq < 1 || a.seq > context) throw ArchError(fmt::format("arch.seq: must be in [1, {}], got {}", context, a.seq));
  if (std::ssize(a.heads) != a.layers) {
    throw ArchError(fmt::format("arch.heads: needs one entry per layer ({}), got {}", a.layers, a.heads.size()));
  }
  if (std::ssize(a.ffn) != a.layers) {
    throw ArchError(fmt::format("arch.ffn: needs one entry per layer ({}), got {}", a.layers, a.ffn.size()));
  }
  for (size_t i = 0; i < a.heads.size(); ++i) {
    if (a.heads[i] < 1 || a.heads[i] > max_heads()) {
      throw ArchError(fmt::format("arch.heads[{}]: must be in [1, {}], got {}", i, max_heads(), a.heads[i]));
    }
    if (a.ffn[i] < 1 || a.ffn[i] > max_ffn()) {
      throw ArchError(fmt::format("arch.ffn[{}]: must be in [1, {}], got {}", i, max_ffn(), a.ffn[i]));
    }
  }
}

std::string to_json(const SubnetArch& a) {
  nlohmann::ordered_json j;
  j["layers"] = a.layers;
  j["hidden"] = a.hidden;
  j["head_size"] = a.head_size;
  j["seq"] = a.seq;
  j["heads"] = a.heads;
  j["ffn"] = a.ffn;
  return j.dump();
}

SubnetArch arch_from_json(const std::string& text, const SupernetConfig* defaults) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw ArchError(fmt::format("arch: not valid JSON: {}", e.what()));
  }
  if (!j.is_object()) throw ArchError("arch: expected a JSON object");
  auto integer = [&](const nlohmann::json& v, const std::string& key) -> int64_t {
    if (!v.is_number_integer()) throw ArchError(fmt::format("arch.{}: expected an integer", key));
    return v.get<int64_t>();
  };
  auto field = [&](const char* key, int64_t fallback, bool has_fallback) -> int64_t {
    if (!j.contains(key)) {
      if (has_fallback) return fallback;
      throw ArchError(fmt::format("arch.{}: missing", key));
    }
    return integer(j[key], key);
  };
  SubnetArch a;
  a.layers = field("layers", 0, false);
  a.hidden = field("hidden", 0, false);
  a.head_size = field("head_size", defaults ? defaults->head_size : 0, defaults != nullptr);
  a.seq = field("seq", defaults ? defaults->context : 0, defaults != nullptr);
  auto per_layer = [&](const char* key) {
    if (!j.contains(key)) throw ArchError(fmt::format("arch.{}: missing", key));
    const auto& v = j[key];
    std::vector<int64_t> out;
    if (v.is_array()) {
      for (size_t i = 0; i < v.size(); ++i) out.push_back(integer(v[i], fmt::format("{}[{}]", key, i)));
    } else {
      if (a.layers < 0 || a.layers > 4096) throw ArchError(fmt::format("arch.layers: out of range, got {}", a.layers));
      out.assign(static_cast<size_t>(a.layers), integer(v, key));
    }
    return out;
  };
  a.heads = per_layer("heads");
  a.ffn = per_layer("ffn");
  return a;
}

std::string arch_name(const SubnetArch& a) {
  return fmt::format("L{}-H{}-h{}-f{}-T{}", a.layers, a.hidden, fmt::join(a.heads, "."), fmt::join(a.ffn, "."), a.seq);
}

SubnetArch parse_arch_arg(const std::string& arg, const SupernetConfig& space) {
  SubnetArch a;
  if (arg == "largest") {
    a = space.largest();
  } else if (arg == "smallest") {
    a = space.smallest();
  } else if (!arg.empty() && arg.front() == '{') {
    a = arch_from_json(arg, &space);
  } else {
    std::ifstream f(arg);
    if (!f) throw ArchError(fmt::format("arch: '{}' is neither largest, smallest, a JSON object nor a readable file", arg));
    std::stringstream ss;
    ss << f.rdbuf();
    a = arch_from_json(ss.str(), &space);
  }
  space.check(a);
  return a;
}

}  // namespace coda::models::lm
