// A generic typed parameter schema, in the spirit of Ramulator 2's declared parameters: every key of a
// config struct is declared once — YAML key path, type, unit, allowed range, one-line description and a
// binding to the struct field — and that one declaration drives parsing, validation, `coda config show`
// and the generated reference (docs/config-reference.md). The default of a key is the value of the field in a
// default-constructed struct, so the struct's member initializers are the single source of defaults.
//
// The schema knows YAML nodes but no files: sim/config/hw_loader reads files, `base:` chains and `-p`
// overrides and uses read_tree() / convert() from here.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "sim/config/diagnostics.h"

namespace coda::config {

enum class ParamType { Int, Float, Bool, String, Enum };

// "int", "float", "bool", "string", "enum".
std::string_view type_name(ParamType type);

// A parameter value. Int -> int64_t, Float -> double, Bool -> bool, String and Enum -> std::string.
using Value = std::variant<bool, int64_t, double, std::string>;

// Canonical text of a value: 16, 16.0, true, gemmini-default. Floats always carry a '.' or an exponent and
// use the shortest representation that reads back to the same double.
std::string format_value(const Value& value);

// The declaration of one key.
struct ParamSpec {
  std::string path;  // dotted YAML key path, e.g. "scratchpad.capacity_kb"
  ParamType type = ParamType::Int;
  std::string unit;  // e.g. "KiB", "cycles"; empty when dimensionless
  std::string description;
  Value default_value;
  std::optional<double> min;  // inclusive unless min_exclusive
  std::optional<double> max;  // inclusive
  bool min_exclusive = false;
  bool power_of_two = false;          // Int only
  std::vector<std::string> choices;   // Enum only

  // First path component ("" for a top-level key) and last component.
  std::string section() const;
  std::string leaf() const;
  // The allowed values in words: ">= 1", "1 .. 64, power of two", "> 0", "ws, os, both"; "" when unconstrained.
  std::string range_text() const;
  // The constraint a value violates ("must be >= 1, got 0"); nullopt when the value is allowed.
  // `shown` is how the value is quoted in the message (the text the user wrote).
  std::optional<std::string> violation(const Value& value, const std::string& shown) const;
};

// A component of the config tree ("mesh", "scratchpad", ...) with a one-line description.
struct SectionSpec {
  std::string key;
  std::string description;
};

// A consistency problem found by a cross-key check. `keys` lists the keys involved, the one most likely
// wrong first; the loader reports the problem at the one the input set last (ties: the first listed).
struct Issue {
  std::vector<std::string> keys;
  std::string message;
};

// The outcome of converting YAML to a typed value: a value, or why not ("expected an integer, got 'abc'").
struct Conversion {
  std::optional<Value> value;
  std::string error;
};

// Converts a YAML node to the type of `spec` and checks its range, power-of-two and choices.
Conversion convert(const ParamSpec& spec, const YAML::Node& node);

// 1-based location of a node in `file` (line/column 0 when the node carries no mark).
SourceLocation location_of(const std::string& file, const YAML::Mark& mark);

// Untyped metadata of a schema: what docs, lookups and the YAML reader need.
class SchemaInfo {
 public:
  const std::vector<ParamSpec>& params() const { return params_; }
  const std::vector<SectionSpec>& sections() const { return sections_; }
  // One sentence per cross-key consistency rule, in declaration order.
  const std::vector<std::string>& rules() const { return rules_; }

  std::optional<std::size_t> index_of(std::string_view path) const;
  const ParamSpec* find(std::string_view path) const;
  bool is_section(std::string_view path) const;
  // Leaf names of the keys of a section ("" = top level), in declaration order.
  std::vector<std::string> keys_in(std::string_view section) const;
  // The known key or section closest to an unknown path (edit distance, or the same leaf in another
  // section); empty when nothing is close.
  std::string suggest(std::string_view unknown_path) const;
  // "unknown key; did you mean 'scratchpad.capacity_kb'?" or "unknown key; valid keys in 'mesh': ...".
  std::string unknown_key_message(std::string_view unknown_path) const;

 protected:
  std::size_t add_spec(ParamSpec spec);
  void add_section(SectionSpec section) { sections_.push_back(std::move(section)); }
  void add_rule(std::string rule) { rules_.push_back(std::move(rule)); }
  ParamSpec& spec_at(std::size_t i) { return params_[i]; }

 private:
  std::vector<ParamSpec> params_;
  std::vector<SectionSpec> sections_;
  std::vector<std::string> rules_;
  std::map<std::string, std::size_t, std::less<>> index_;
};

// One value read from a YAML tree: the parameter, the value and where its key is.
struct Assignment {
  std::size_t param = 0;
  Value value;
  SourceLocation loc;
};

// Walks a YAML map against the schema: every known key with a valid value becomes an Assignment; unknown
// keys, wrong types, out-of-range values, duplicate keys and scalars where a section is expected become
// Diagnostics (all of them, in document order). Top-level keys listed in `reserved` are skipped (the caller
// handles them, e.g. `base`). `errored` receives the path of every key whose value was rejected.
void read_tree(const SchemaInfo& schema, const YAML::Node& root, const std::string& file,
               const std::vector<std::string>& reserved, std::vector<Assignment>& out,
               std::vector<Diagnostic>& diagnostics, std::vector<std::string>& errored);

// The Markdown reference of a schema: one section per component with a table (key, type, unit, default,
// range, description) and the list of consistency rules. `intro` is inserted below the title verbatim.
std::string schema_markdown(const SchemaInfo& schema, std::string_view title, std::string_view intro);

namespace detail {
template <class T>
constexpr ParamType param_type_of() {
  if constexpr (std::is_same_v<T, bool>) return ParamType::Bool;
  else if constexpr (std::is_same_v<T, int64_t>) return ParamType::Int;
  else if constexpr (std::is_same_v<T, double>) return ParamType::Float;
  else {
    static_assert(std::is_same_v<T, std::string>, "schema fields must be bool, int64_t, double or std::string");
    return ParamType::String;
  }
}
}  // namespace detail

// The typed schema of a config struct. Declare keys with param()/enum_param(), components with section()
// and cross-key rules with check(). A binding is a generic lambda returning a reference to the field:
//   s.param("scratchpad.capacity_kb", [](auto& c) -> auto& { return c.scratchpad.capacity_kb; })
//       .unit("KiB").min(1).describe("Scratchpad capacity");
template <class Config>
class Schema : public SchemaInfo {
 public:
  using Checker = std::function<void(const Config&, std::vector<Issue>&)>;

  // Refines the declaration just added; valid until the next declaration.
  class Builder {
   public:
    Builder(Schema& schema, std::size_t index) : schema_(schema), index_(index) {}
    Builder& unit(std::string u) { spec().unit = std::move(u); return *this; }
    Builder& describe(std::string d) { spec().description = std::move(d); return *this; }
    Builder& min(double v) { spec().min = v; spec().min_exclusive = false; return *this; }
    Builder& greater_than(double v) { spec().min = v; spec().min_exclusive = true; return *this; }
    Builder& max(double v) { spec().max = v; return *this; }
    Builder& range(double lo, double hi) { return min(lo).max(hi); }
    Builder& power_of_two() { spec().power_of_two = true; return *this; }
    // Restricts a string key to a fixed set of values (it becomes an enum).
    Builder& choices(std::vector<std::string> c) {
      spec().type = ParamType::Enum;
      spec().choices = std::move(c);
      return *this;
    }

   private:
    ParamSpec& spec() { return schema_.spec_at(index_); }
    Schema& schema_;
    std::size_t index_;
  };

  void section(std::string key, std::string description) { add_section({std::move(key), std::move(description)}); }

  template <class Ref>
  Builder param(std::string path, Ref ref) {
    using T = std::remove_cvref_t<decltype(ref(std::declval<Config&>()))>;
    ParamSpec spec;
    spec.path = std::move(path);
    spec.type = detail::param_type_of<T>();
    getters_.push_back([ref](const Config& c) -> Value { return Value(T(ref(c))); });
    setters_.push_back([ref](Config& c, const Value& v) { ref(c) = std::get<T>(v); });
    spec.default_value = getters_.back()(Config{});
    return Builder(*this, add_spec(std::move(spec)));
  }

  // A key bound to an enum field; `names` maps each YAML spelling to its enumerator.
  template <class E, class Ref>
  Builder enum_param(std::string path, Ref ref, std::vector<std::pair<std::string, E>> names) {
    ParamSpec spec;
    spec.path = std::move(path);
    spec.type = ParamType::Enum;
    for (const auto& n : names) spec.choices.push_back(n.first);
    getters_.push_back([ref, names](const Config& c) -> Value {
      for (const auto& n : names)
        if (n.second == ref(c)) return Value(n.first);
      return Value(std::string("?"));
    });
    setters_.push_back([ref, names](Config& c, const Value& v) {
      for (const auto& n : names)
        if (n.first == std::get<std::string>(v)) ref(c) = n.second;
    });
    spec.default_value = getters_.back()(Config{});
    return Builder(*this, add_spec(std::move(spec)));
  }

  // A cross-key consistency rule; `rule` is the sentence shown in the reference.
  void check(std::string rule, Checker checker) {
    add_rule(std::move(rule));
    checkers_.push_back(std::move(checker));
  }

  Value get(std::size_t i, const Config& c) const { return getters_.at(i)(c); }
  // Stores an already converted value (see convert()); the type must match the key's.
  void set(std::size_t i, Config& c, const Value& v) const { setters_.at(i)(c, v); }

  std::vector<Issue> run_checks(const Config& c) const {
    std::vector<Issue> issues;
    for (const auto& chk : checkers_) chk(c, issues);
    return issues;
  }

 private:
  std::vector<std::function<Value(const Config&)>> getters_;
  std::vector<std::function<void(Config&, const Value&)>> setters_;
  std::vector<Checker> checkers_;
};

}  // namespace coda::config
