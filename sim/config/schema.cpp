#include "sim/config/schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace coda::config {

std::string_view type_name(ParamType type) {
  switch (type) {
    case ParamType::Int: return "int";
    case ParamType::Float: return "float";
    case ParamType::Bool: return "bool";
    case ParamType::String: return "string";
    case ParamType::Enum: return "enum";
  }
  return "?";
}

namespace {

std::string format_double(double d) {
  std::string s = fmt::format("{}", d);
  if (s.find_first_of(".enai") == std::string::npos) s += ".0";
  return s;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

// A bound of a range, written as the key's type is written (1024, 0.5).
std::string format_bound(ParamType type, double b) {
  if (type == ParamType::Int) return fmt::format("{}", static_cast<int64_t>(b));
  return fmt::format("{}", b);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string parent_of(std::string_view path) {
  auto dot = path.rfind('.');
  return dot == std::string_view::npos ? std::string() : std::string(path.substr(0, dot));
}

std::string leaf_of(std::string_view path) {
  auto dot = path.rfind('.');
  return std::string(dot == std::string_view::npos ? path : path.substr(dot + 1));
}

// How a node that is not what was expected is described: "a map", "a sequence", "an empty value", "'abc'".
std::string node_kind(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) {
    if (node.IsDefined() && !node.Scalar().empty() && node.Scalar() != "~") return "null";
    return "an empty value";
  }
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a sequence";
  if (node.Tag() == "!") return fmt::format("the quoted string \"{}\"", node.Scalar());
  return fmt::format("'{}'", node.Scalar());
}

std::string expected_text(const ParamSpec& spec) {
  switch (spec.type) {
    case ParamType::Int: return "an integer";
    case ParamType::Float: return "a number";
    case ParamType::Bool: return "a boolean (true or false)";
    case ParamType::String: return "a string";
    case ParamType::Enum: return "one of " + join(spec.choices, ", ");
  }
  return "a value";
}

enum class NumParse { Ok, Invalid, OutOfRange };

NumParse parse_int(const std::string& text, int64_t& out) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return NumParse::Invalid;
  uint64_t magnitude = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), magnitude, base);
  if (ptr != s.data() + s.size()) return NumParse::Invalid;
  if (ec == std::errc::result_out_of_range) return NumParse::OutOfRange;
  if (ec != std::errc()) return NumParse::Invalid;
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (magnitude > kMax + (negative ? 1 : 0)) return NumParse::OutOfRange;
  if (negative) {
    out = magnitude == kMax + 1 ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(magnitude);
  } else {
    out = static_cast<int64_t>(magnitude);
  }
  return NumParse::Ok;
}

NumParse parse_float(const std::string& text, double& out) {
  std::string_view s = text;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return NumParse::Invalid;
  // Only digits, sign, '.', and exponent: no "inf", "nan" or hex floats.
  for (char ch : s)
    if (!(std::isdigit(static_cast<unsigned char>(ch)) || ch == '.' || ch == 'e' || ch == 'E' || ch == '-' ||
          ch == '+'))
      return NumParse::Invalid;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, std::chars_format::general);
  if (ptr != s.data() + s.size()) return NumParse::Invalid;
  if (ec == std::errc::result_out_of_range || !std::isfinite(out)) return NumParse::OutOfRange;
  if (ec != std::errc()) return NumParse::Invalid;
  return NumParse::Ok;
}

std::string cell(std::string s) {
  std::string out;
  for (char ch : s) {
    if (ch == '|') out += '\\';
    out += ch;
  }
  return out.empty() ? "-" : out;
}

}  // namespace

std::string format_value(const Value& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
        else if constexpr (std::is_same_v<T, int64_t>) return fmt::format("{}", v);
        else if constexpr (std::is_same_v<T, double>) return format_double(v);
        else return v;
      },
      value);
}

std::string ParamSpec::section() const { return parent_of(path); }
std::string ParamSpec::leaf() const { return leaf_of(path); }

std::string ParamSpec::range_text() const {
  if (type == ParamType::Enum) return join(choices, ", ");
  std::vector<std::string> parts;
  if (min && max && !min_exclusive) {
    parts.push_back(fmt::format("{} .. {}", format_bound(type, *min), format_bound(type, *max)));
  } else {
    if (min) parts.push_back(fmt::format("{} {}", min_exclusive ? ">" : ">=", format_bound(type, *min)));
    if (max) parts.push_back(fmt::format("<= {}", format_bound(type, *max)));
  }
  if (power_of_two) parts.push_back("power of two");
  return join(parts, ", ");
}

std::optional<std::string> ParamSpec::violation(const Value& value, const std::string& shown) const {
  if (type == ParamType::Enum) {
    const auto& s = std::get<std::string>(value);
    if (std::find(choices.begin(), choices.end(), s) == choices.end())
      return fmt::format("must be one of {}; got '{}'", join(choices, ", "), shown);
    return std::nullopt;
  }
  if (type != ParamType::Int && type != ParamType::Float) return std::nullopt;
  double x = type == ParamType::Int ? static_cast<double>(std::get<int64_t>(value)) : std::get<double>(value);
  if (!std::isfinite(x)) return fmt::format("must be a finite number, got {}", shown);
  if (min) {
    if (min_exclusive && !(x > *min)) return fmt::format("must be > {}, got {}", format_bound(type, *min), shown);
    if (!min_exclusive && x < *min) return fmt::format("must be >= {}, got {}", format_bound(type, *min), shown);
  }
  if (max && x > *max) return fmt::format("must be <= {}, got {}", format_bound(type, *max), shown);
  if (power_of_two && type == ParamType::Int) {
    int64_t v = std::get<int64_t>(value);
    if (v <= 0 || (v & (v - 1)) != 0) return fmt::format("must be a power of two, got {}", shown);
  }
  return std::nullopt;
}

Conversion convert(const ParamSpec& spec, const YAML::Node& node) {
  Conversion c;
  const std::string expected = expected_text(spec);
  if (!node.IsDefined() || node.IsNull() || !node.IsScalar()) {
    c.error = fmt::format("expected {}, got {}", expected, node_kind(node));
    return c;
  }
  const std::string& text = node.Scalar();
  const bool quoted = node.Tag() == "!";
  Value value;
  switch (spec.type) {
    case ParamType::Int: {
      int64_t v = 0;
      NumParse r = quoted ? NumParse::Invalid : parse_int(text, v);
      if (r == NumParse::OutOfRange) {
        c.error = fmt::format("expected {}, got '{}' (outside the 64-bit range)", expected, text);
        return c;
      }
      if (r != NumParse::Ok) {
        c.error = fmt::format("expected {}, got {}", expected, node_kind(node));
        return c;
      }
      value = v;
      break;
    }
    case ParamType::Float: {
      double v = 0;
      NumParse r = quoted ? NumParse::Invalid : parse_float(text, v);
      if (r == NumParse::OutOfRange) {
        c.error = fmt::format("expected a finite number, got '{}'", text);
        return c;
      }
      if (r != NumParse::Ok) {
        c.error = fmt::format("expected {}, got {}", expected, node_kind(node));
        return c;
      }
      value = v;
      break;
    }
    case ParamType::Bool: {
      static const std::vector<std::string> kTrue = {"true", "True", "TRUE"};
      static const std::vector<std::string> kFalse = {"false", "False", "FALSE"};
      if (!quoted && std::find(kTrue.begin(), kTrue.end(), text) != kTrue.end()) {
        value = true;
      } else if (!quoted && std::find(kFalse.begin(), kFalse.end(), text) != kFalse.end()) {
        value = false;
      } else {
        c.error = fmt::format("expected {}, got {}", expected, node_kind(node));
        return c;
      }
      break;
    }
    case ParamType::String:
    case ParamType::Enum:
      value = text;
      break;
  }
  if (auto why = spec.violation(value, text)) {
    c.error = *why;
    return c;
  }
  c.value = std::move(value);
  return c;
}

SourceLocation location_of(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return {file, 0, 0};
  return {file, mark.line + 1, mark.column + 1};
}

// ---------------------------------------------------------------------------------------------------------
// SchemaInfo

std::size_t SchemaInfo::add_spec(ParamSpec spec) {
  std::size_t i = params_.size();
  index_.emplace(spec.path, i);
  params_.push_back(std::move(spec));
  return i;
}

std::optional<std::size_t> SchemaInfo::index_of(std::string_view path) const {
  auto it = index_.find(path);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

const ParamSpec* SchemaInfo::find(std::string_view path) const {
  auto i = index_of(path);
  return i ? &params_[*i] : nullptr;
}

bool SchemaInfo::is_section(std::string_view path) const {
  if (path.empty()) return false;
  for (const auto& p : params_)
    if (p.path.size() > path.size() && p.path.compare(0, path.size(), path) == 0 && p.path[path.size()] == '.')
      return true;
  return false;
}

std::vector<std::string> SchemaInfo::keys_in(std::string_view section) const {
  std::vector<std::string> keys;
  auto add = [&](std::string k) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(std::move(k));
  };
  const std::size_t skip = section.empty() ? 0 : section.size() + 1;
  for (const auto& p : params_) {
    if (!section.empty() &&
        !(p.path.size() > section.size() && p.path.compare(0, section.size(), section) == 0 &&
          p.path[section.size()] == '.'))
      continue;
    std::string rest = p.path.substr(skip);
    add(rest.substr(0, rest.find('.')));
  }
  return keys;
}

std::string SchemaInfo::suggest(std::string_view unknown_path) const {
  std::vector<std::string> candidates;
  for (const auto& p : params_) {
    candidates.push_back(p.path);
    for (std::string s = parent_of(p.path); !s.empty(); s = parent_of(s))
      if (std::find(candidates.begin(), candidates.end(), s) == candidates.end()) candidates.push_back(s);
  }
  const std::string leaf = leaf_of(unknown_path);
  std::string best;
  std::size_t best_score = std::numeric_limits<std::size_t>::max();
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(unknown_path, c);
    // The same name in another component ("dma.latency_cycles" -> "dram.latency_cycles") is a strong hint.
    if (leaf_of(c) == leaf && d > 1) d = 1;
    if (d < best_score) {
      best_score = d;
      best = c;
    }
  }
  const std::size_t limit = std::max<std::size_t>(2, unknown_path.size() / 4);
  return best_score <= limit ? best : std::string();
}

std::string SchemaInfo::unknown_key_message(std::string_view unknown_path) const {
  std::string s = suggest(unknown_path);
  if (!s.empty()) return fmt::format("unknown key; did you mean '{}'?", s);
  std::string section = parent_of(unknown_path);
  if (section.empty()) return fmt::format("unknown key; valid top-level keys: {}", join(keys_in(""), ", "));
  if (is_section(section))
    return fmt::format("unknown key; valid keys in '{}': {}", section, join(keys_in(section), ", "));
  // The key sits under an unknown component: name the first unknown part.
  std::string known;
  std::string_view rest = unknown_path;
  while (true) {
    const auto dot = rest.find('.');
    const std::string part(rest.substr(0, dot));
    const std::string next = known.empty() ? part : known + "." + part;
    if (dot == std::string_view::npos || !is_section(next)) {
      if (known.empty()) return fmt::format("unknown key; '{}' is not a component; valid top-level keys: {}", next,
                                            join(keys_in(""), ", "));
      return fmt::format("unknown key; '{}' is not a component; valid keys in '{}': {}", next, known,
                         join(keys_in(known), ", "));
    }
    known = next;
    rest.remove_prefix(dot + 1);
  }
}

// ---------------------------------------------------------------------------------------------------------
// YAML reader

namespace {

struct TreeReader {
  const SchemaInfo& schema;
  const std::string& file;
  const std::vector<std::string>& reserved;
  std::vector<Assignment>& out;
  std::vector<Diagnostic>& diagnostics;
  std::vector<std::string>& errored;

  void fail(SourceLocation loc, std::string path, std::string message) {
    errored.push_back(path);
    diagnostics.push_back({std::move(loc), std::move(path), std::move(message)});
  }

  void walk(const YAML::Node& map, const std::string& prefix) {
    std::map<std::string, int> first_line;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      SourceLocation loc = location_of(file, key.Mark());
      if (!key.IsScalar()) {
        fail(loc, prefix, fmt::format("keys must be names, got {}", node_kind(key)));
        continue;
      }
      const std::string& name = key.Scalar();
      const std::string path = prefix.empty() ? name : prefix + "." + name;
      if (prefix.empty() && std::find(reserved.begin(), reserved.end(), name) != reserved.end()) continue;
      if (auto [pos, inserted] = first_line.emplace(name, loc.line); !inserted) {
        fail(loc, path, fmt::format("duplicate key (first set at line {})", pos->second));
        continue;
      }
      if (auto index = schema.index_of(path)) {
        Conversion c = convert(schema.params()[*index], value);
        if (c.value) {
          out.push_back({*index, std::move(*c.value), loc});
        } else {
          fail(loc, path, c.error);
        }
      } else if (schema.is_section(path)) {
        if (value.IsMap()) {
          walk(value, path);
        } else if (!(value.IsDefined() && value.IsNull())) {  // an empty component sets nothing
          fail(loc, path, fmt::format("expected a map of keys, got {}", node_kind(value)));
        }
      } else {
        fail(loc, path, schema.unknown_key_message(path));
      }
    }
  }
};

}  // namespace

void read_tree(const SchemaInfo& schema, const YAML::Node& root, const std::string& file,
               const std::vector<std::string>& reserved, std::vector<Assignment>& out,
               std::vector<Diagnostic>& diagnostics, std::vector<std::string>& errored) {
  TreeReader reader{schema, file, reserved, out, diagnostics, errored};
  reader.walk(root, "");
}

// ---------------------------------------------------------------------------------------------------------
// Markdown reference

std::string schema_markdown(const SchemaInfo& schema, std::string_view title, std::string_view intro) {
  std::string md = fmt::format("# {}\n\n", title);
  if (!intro.empty()) md += fmt::format("{}\n\n", intro);

  auto table = [&](const std::string& section) {
    std::string t =
        "| key | type | unit | default | range | description |\n"
        "|---|---|---|---|---|---|\n";
    for (const auto& p : schema.params()) {
      if (p.section() != section) continue;
      t += fmt::format("| `{}` | {} | {} | `{}` | {} | {} |\n", p.path, type_name(p.type), cell(p.unit),
                       format_value(p.default_value), cell(p.range_text()), cell(p.description));
    }
    return t;
  };

  bool has_top = false;
  for (const auto& p : schema.params()) has_top = has_top || p.section().empty();
  if (has_top) md += "## Top level\n\n" + table("") + "\n";
  for (const auto& s : schema.sections()) {
    md += fmt::format("## `{}`\n\n", s.key);
    if (!s.description.empty()) md += s.description + "\n\n";
    md += table(s.key) + "\n";
  }
  if (!schema.rules().empty()) {
    md += "## Consistency rules\n\n";
    md += "Checked on the merged config (after `base:` files and `-p` overrides). A violation is reported at the\n"
          "key of the rule that was set last (an override, else the file that extends a base, else the base); among\n"
          "keys set in the same place, at the first key the rule names.\n\n";
    for (const auto& r : schema.rules()) md += fmt::format("- {}\n", r);
  }
  while (md.size() > 1 && md[md.size() - 1] == '\n' && md[md.size() - 2] == '\n') md.pop_back();
  return md;
}

}  // namespace coda::config
