#include "sim/config/hw_loader.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "sim/config/hw_schema.h"

namespace coda::config {

namespace {

namespace fs = std::filesystem;

constexpr const char* kBaseKey = "base";

std::string trim(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

std::string describe_node(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "an empty value";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a sequence";
  return fmt::format("'{}'", node.Scalar());
}

// Collects the problems of one load (files, overrides, consistency) and the resolved config.
class Loader {
 public:
  explicit Loader(HwConfig start = HwConfig{}) { result_.config = std::move(start); }

  void load_file(const std::string& display, const std::optional<SourceLocation>& from_base) {
    auto fail = [&](std::string message) {
      if (from_base) {
        error(*from_base, kBaseKey, fmt::format("file '{}' {}", display, message));
      } else {
        error({display, 0, 0}, "", "file " + message);
      }
      fatal_ = true;
    };
    std::error_code ec;
    const fs::path path(display);
    if (!fs::exists(path, ec)) return fail("not found");
    if (fs::is_directory(path, ec)) return fail("is a directory, not a YAML file");
    const fs::path canonical = fs::weakly_canonical(path, ec);
    if (std::find(stack_.begin(), stack_.end(), canonical) != stack_.end()) {
      std::string chain;
      for (const auto& f : stack_display_) chain += f + " -> ";
      error(*from_base, kBaseKey, fmt::format("cycle in base chain: {}{}", chain, display));
      fatal_ = true;
      return;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open()) return fail("cannot be read");
    std::stringstream text;
    text << in.rdbuf();

    stack_.push_back(canonical);
    stack_display_.push_back(display);
    load_document(text.str(), display);
    stack_.pop_back();
    stack_display_.pop_back();
    result_.files.push_back(display);
  }

  void load_document(const std::string& text, const std::string& display) {
    std::vector<YAML::Node> docs;
    try {
      docs = YAML::LoadAll(text);
    } catch (const YAML::Exception& e) {
      error(location_of(display, e.mark), "", fmt::format("invalid YAML: {}", e.msg));
      fatal_ = true;
      return;
    }
    if (docs.empty() || (docs.size() == 1 && docs[0].IsNull())) {
      error({display, 0, 0}, "", "file is empty; expected a map of config keys");
      fatal_ = true;
      return;
    }
    if (docs.size() > 1) {
      error(location_of(display, docs[1].Mark()), "",
            fmt::format("expected one YAML document, found {}", docs.size()));
      fatal_ = true;
    }
    const YAML::Node& root = docs[0];
    if (!root.IsMap()) {
      error(location_of(display, root.Mark()), "",
            fmt::format("top level must be a map of config keys, got {}", describe_node(root)));
      fatal_ = true;
      return;
    }

    // `base:` first, so that this file's keys override the base's.
    bool have_base = false;
    for (auto it = root.begin(); it != root.end(); ++it) {
      const YAML::Node key = it->first;
      if (!key.IsScalar() || key.Scalar() != kBaseKey) continue;
      const SourceLocation loc = location_of(display, key.Mark());
      if (have_base) {
        error(loc, kBaseKey, "duplicate key");
        continue;
      }
      have_base = true;
      const YAML::Node value = it->second;
      if (!value.IsScalar() || value.Scalar().empty()) {
        error(loc, kBaseKey, fmt::format("expected a file name, got {}", describe_node(value)));
        fatal_ = true;
        continue;
      }
      const fs::path base = fs::path(display).parent_path() / value.Scalar();
      load_file(base.lexically_normal().string(), loc);
    }

    begin_layer();
    std::vector<Assignment> assignments;
    std::vector<std::string> errored;
    read_tree(hw_schema(), root, display, {kBaseKey}, assignments, diagnostics_, errored);
    errored_.insert(errored.begin(), errored.end());
    for (const auto& a : assignments) assign(a.param, a.value, a.loc);
  }

  // One "key.path=value" override; `origin` names it in diagnostics.
  void load_override(const std::string& raw, const std::string& origin) {
    const SourceLocation loc{origin, 0, 0};
    const auto eq = raw.find('=');
    if (eq == std::string::npos || trim(raw.substr(0, eq)).empty()) {
      error(loc, "", "expected KEY=VALUE, e.g. scratchpad.capacity_kb=512");
      return;
    }
    const std::string key = trim(raw.substr(0, eq));
    const std::string text = raw.substr(eq + 1);
    set_from_text(key, text, loc);
  }

  void set_from_text(const std::string& key, const std::string& text, const SourceLocation& loc) {
    const auto& schema = hw_schema();
    const auto index = schema.index_of(key);
    if (!index) {
      if (key == kBaseKey) {
        error(loc, key, "can only be set in a file");
      } else if (schema.is_section(key)) {
        const auto keys = schema.keys_in(key);
        error(loc, key, fmt::format("is a component, not a key; set one of its keys, e.g. {}.{}", key, keys.front()));
      } else {
        error(loc, key, schema.unknown_key_message(key));
      }
      errored_.insert(key);
      return;
    }
    YAML::Node node;
    try {
      node = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      error(loc, key, fmt::format("invalid value '{}': {}", text, e.msg));
      errored_.insert(key);
      return;
    }
    Conversion c = convert(schema.params()[*index], node);
    if (!c.value) {
      error(loc, key, c.error);
      errored_.insert(key);
      return;
    }
    assign(*index, *c.value, loc);
  }

  // Throws the problems found so far (unknown keys, types, ranges) without running the consistency rules.
  void throw_if_errors() {
    if (!diagnostics_.empty()) throw InputError(std::move(diagnostics_));
  }

  // Values set after begin_layer() override those set before: a base file, the file extending it, then the
  // overrides. Consistency problems are blamed on the key of the rule that was set in the latest layer.
  void begin_layer() { ++layer_; }

  // Runs the consistency rules (unless the input could not be read) and throws if anything went wrong.
  // `fallback` locates problems whose keys were all left at their defaults.
  LoadedHwConfig finish(const SourceLocation& fallback) {
    if (!fatal_) {
      for (const auto& issue : hw_schema().run_checks(result_.config)) {
        bool involves_error = false;
        for (const auto& k : issue.keys) involves_error = involves_error || errored_.count(k) > 0;
        if (involves_error) continue;
        // The key set last (in the latest layer) is the likely culprit; among keys of one layer, the rule's
        // first. Keys left at their defaults are blamed only when no key of the rule was set.
        std::string blame = issue.keys.front();
        SourceLocation loc = fallback;
        int best_layer = 0;
        for (const auto& k : issue.keys) {
          auto it = layer_of_.find(k);
          if (it != layer_of_.end() && it->second > best_layer) {
            best_layer = it->second;
            blame = k;
            loc = result_.origins.at(k);
          }
        }
        error(loc, blame, issue.message);
      }
    }
    if (!diagnostics_.empty()) throw InputError(std::move(diagnostics_));
    return std::move(result_);
  }

 private:
  void error(SourceLocation loc, std::string key, std::string message) {
    diagnostics_.push_back({std::move(loc), std::move(key), std::move(message)});
  }

  void assign(std::size_t index, const Value& value, const SourceLocation& loc) {
    const auto& schema = hw_schema();
    schema.set(index, result_.config, value);
    result_.origins[schema.params()[index].path] = loc;
    layer_of_[schema.params()[index].path] = layer_;
  }

  LoadedHwConfig result_;
  std::vector<Diagnostic> diagnostics_;
  std::set<std::string> errored_;
  bool fatal_ = false;
  int layer_ = 0;
  std::map<std::string, int> layer_of_;
  std::vector<fs::path> stack_;
  std::vector<std::string> stack_display_;
};

std::string override_origin(const std::string& raw) { return fmt::format("<-p {}>", raw); }

void load_overrides(Loader& loader, const std::vector<std::string>& overrides) {
  loader.begin_layer();
  for (const auto& raw : overrides) loader.load_override(raw, override_origin(raw));
}

std::string yaml_quote(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

}  // namespace

LoadedHwConfig load_hw_config_traced(const std::string& path, const std::vector<std::string>& overrides) {
  Loader loader;
  loader.load_file(path, std::nullopt);
  load_overrides(loader, overrides);
  return loader.finish({path, 0, 0});
}

HwConfig load_hw_config(const std::string& path, const std::vector<std::string>& overrides) {
  return load_hw_config_traced(path, overrides).config;
}

LoadedHwConfig default_hw_config_traced(const std::vector<std::string>& overrides) {
  Loader loader;
  load_overrides(loader, overrides);
  return loader.finish({"<defaults>", 0, 0});
}

HwConfig parse_hw_config(const std::string& yaml_text, const std::string& origin,
                         const std::vector<std::string>& overrides) {
  Loader loader;
  loader.load_document(yaml_text, origin);
  load_overrides(loader, overrides);
  return loader.finish({origin, 0, 0}).config;
}

void apply_overrides(HwConfig& config, const std::vector<std::string>& overrides) {
  Loader loader(config);
  load_overrides(loader, overrides);
  config = loader.finish({"<config>", 0, 0}).config;
}

void set_param(HwConfig& config, const std::string& path, const std::string& value, const std::string& origin) {
  const std::string where = origin.empty() ? fmt::format("<{}={}>", path, value) : origin;
  Loader loader(config);
  loader.begin_layer();
  loader.set_from_text(trim(path), value, {where, 0, 0});
  config = loader.finish({where, 0, 0}).config;
}

void check_param_value(const std::string& path, const std::string& value, const std::string& origin) {
  const std::string where = origin.empty() ? fmt::format("<{}={}>", path, value) : origin;
  HwConfig scratch;
  Loader loader(scratch);
  loader.begin_layer();
  loader.set_from_text(trim(path), value, {where, 0, 0});
  loader.throw_if_errors();
}

std::string get_param(const HwConfig& config, const std::string& path) {
  const auto& schema = hw_schema();
  const auto index = schema.index_of(path);
  if (!index) throw InputError({"", 0, 0}, path, schema.unknown_key_message(path));
  return format_value(schema.get(*index, config));
}

void validate(const HwConfig& config, const std::string& origin) {
  const auto& schema = hw_schema();
  const SourceLocation loc{origin, 0, 0};
  std::vector<Diagnostic> diagnostics;
  for (std::size_t i = 0; i < schema.params().size(); ++i) {
    const Value v = schema.get(i, config);
    if (auto why = schema.params()[i].violation(v, format_value(v)))
      diagnostics.push_back({loc, schema.params()[i].path, *why});
  }
  if (diagnostics.empty()) {
    for (const auto& issue : schema.run_checks(config)) diagnostics.push_back({loc, issue.keys.front(), issue.message});
  }
  if (!diagnostics.empty()) throw InputError(std::move(diagnostics));
}

std::string to_yaml(const HwConfig& config) {
  const auto& schema = hw_schema();
  std::string out = fmt::format("# Resolved hardware config (fingerprint {}).\n", fingerprint(config));
  std::string section;
  for (std::size_t i = 0; i < schema.params().size(); ++i) {
    const auto& p = schema.params()[i];
    const Value v = schema.get(i, config);
    const std::string text = p.type == ParamType::String ? yaml_quote(std::get<std::string>(v)) : format_value(v);
    if (p.section() != section) {
      section = p.section();
      out += fmt::format("\n{}:\n", section);
    }
    out += fmt::format("{}{}: {}\n", section.empty() ? "" : "  ", p.leaf(), text);
  }
  return out;
}

nlohmann::ordered_json to_json(const HwConfig& config) {
  const auto& schema = hw_schema();
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < schema.params().size(); ++i) {
    const auto& p = schema.params()[i];
    nlohmann::ordered_json value;
    std::visit([&](const auto& v) { value = v; }, schema.get(i, config));
    if (p.section().empty()) {
      out[p.path] = std::move(value);
    } else {
      out[p.section()][p.leaf()] = std::move(value);
    }
  }
  return out;
}

std::string fingerprint(const HwConfig& config) {
  const auto& schema = hw_schema();
  uint64_t hash = 14695981039346656037ULL;  // FNV-1a 64 offset basis
  auto feed = [&](std::string_view s) {
    for (unsigned char ch : s) {
      hash ^= ch;
      hash *= 1099511628211ULL;  // FNV-1a 64 prime
    }
  };
  for (std::size_t i = 0; i < schema.params().size(); ++i) {
    const auto& p = schema.params()[i];
    if (p.path == "name") continue;
    feed(p.path);
    feed("=");
    feed(format_value(schema.get(i, config)));
    feed("\n");
  }
  return fmt::format("{:016x}", hash);
}

std::string format_table(const LoadedHwConfig& loaded) {
  const auto& schema = hw_schema();
  const HwConfig& config = loaded.config;
  struct Row {
    std::string key, mark, value, unit, source, description, section;
  };
  std::vector<Row> rows;
  for (std::size_t i = 0; i < schema.params().size(); ++i) {
    const auto& p = schema.params()[i];
    const Value v = schema.get(i, config);
    Row r;
    r.key = p.path;
    r.mark = v == p.default_value ? " " : "*";
    r.value = format_value(v);
    r.unit = p.unit.empty() ? "-" : p.unit;
    if (auto it = loaded.origins.find(p.path); it != loaded.origins.end()) {
      const auto& loc = it->second;
      r.source = loc.line > 0 ? fmt::format("{}:{}", loc.file, loc.line) : loc.file;
    } else {
      r.source = "default";
    }
    r.description = p.description;
    r.section = p.section();
    rows.push_back(std::move(r));
  }
  std::size_t wk = 3, wv = 5, wu = 4, ws = 6;
  for (const auto& r : rows) {
    wk = std::max(wk, r.key.size());
    wv = std::max(wv, r.value.size());
    wu = std::max(wu, r.unit.size());
    ws = std::max(ws, r.source.size());
  }
  std::string files;
  for (const auto& f : loaded.files) files += (files.empty() ? "" : ", ") + f;
  std::string out;
  out += fmt::format("config:      {}\n", config.name);
  out += fmt::format("files:       {}\n", files.empty() ? "(none: built-in defaults)" : files);
  out += fmt::format("fingerprint: {}\n\n", fingerprint(config));
  auto line = [&](const std::string& k, const std::string& m, const std::string& v, const std::string& u,
                  const std::string& s, const std::string& d) {
    std::string l = fmt::format("{:<{}} {} {:<{}}  {:<{}}  {:<{}}  {}", k, wk, m, v, wv, u, wu, s, ws, d);
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line("key", " ", "value", "unit", "source", "description");
  std::string section = rows.empty() ? "" : rows.front().section;
  for (const auto& r : rows) {
    if (r.section != section) {
      out += "\n";
      section = r.section;
    }
    line(r.key, r.mark, r.value, r.unit, r.source, r.description);
  }
  out += "\n* differs from the default; source: file:line, -p override, or default\n";
  return out;
}

}  // namespace coda::config
