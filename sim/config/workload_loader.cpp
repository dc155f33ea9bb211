#include "sim/config/workload_loader.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace coda::config {

namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------------------
// Diagnostics helpers

SourceLocation location(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return {file, 0, 0};
  return {file, mark.line + 1, mark.column + 1};
}

class Diagnostics {
 public:
  void error(SourceLocation loc, std::string key_path, std::string message) {
    list_.push_back({std::move(loc), std::move(key_path), std::move(message)});
  }
  bool empty() const { return list_.empty(); }
  std::vector<Diagnostic>& list() { return list_; }

 private:
  std::vector<Diagnostic> list_;
};

// ---------------------------------------------------------------------------------------------------------
// Scalar classification. Integers are plain decimal scalars; floats, booleans, nulls and quoted strings are
// named in the error so that `hidden: 768.0` or `hidden: "768"` says what went wrong.

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool looks_like_int(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  return is_digits(s);
}

bool looks_like_float(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  static const std::set<std::string_view> special = {".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"};
  if (special.count(s)) return true;
  const size_t e = s.find_first_of("eE");
  std::string_view mantissa = s.substr(0, e);
  if (e != std::string_view::npos) {
    std::string_view exp = s.substr(e + 1);
    if (!exp.empty() && (exp[0] == '+' || exp[0] == '-')) exp.remove_prefix(1);
    if (!is_digits(exp)) return false;
  }
  const size_t dot = mantissa.find('.');
  if (dot == std::string_view::npos) return e != std::string_view::npos && is_digits(mantissa);
  const std::string_view whole = mantissa.substr(0, dot), frac = mantissa.substr(dot + 1);
  return (whole.empty() || is_digits(whole)) && (frac.empty() || is_digits(frac)) && !(whole.empty() && frac.empty());
}

bool is_true(std::string_view s) { return s == "true" || s == "True" || s == "TRUE"; }
bool is_false(std::string_view s) { return s == "false" || s == "False" || s == "FALSE"; }
bool is_null_word(std::string_view s) { return s == "~" || s == "null" || s == "Null" || s == "NULL"; }

bool is_quoted(const YAML::Node& n) { return n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str"; }

// What a node is, for "expected X, got <what>" messages.
std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return "an empty value";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Scalar: break;
  }
  const std::string& s = n.Scalar();
  if (is_quoted(n)) return fmt::format("the string \"{}\"", s);
  if (is_null_word(s)) return "null";
  if (looks_like_int(s)) return fmt::format("the integer {}", s);
  if (looks_like_float(s)) return fmt::format("the float {}", s);
  if (is_true(s) || is_false(s)) return fmt::format("the boolean {}", s);
  return fmt::format("the string '{}'", s);
}

// ---------------------------------------------------------------------------------------------------------
// The keys of a workload file, as parsed from one file.

template <class T>
struct Field {
  bool present = false;  // the key appears (even with a bad value)
  bool ok = false;       // ... and its value parsed and is in range
  T value{};
  SourceLocation loc;  // of the value
};

// `heads` and `ffn`: an integer for every layer, or a list with one entry per layer.
struct PerLayerField {
  bool present = false;
  bool ok = false;
  bool is_list = false;
  std::vector<int64_t> values;            // one value when !is_list
  std::vector<SourceLocation> item_locs;  // per list entry
  SourceLocation loc;
};

struct FileFields {
  std::string file;
  Field<std::string> name, base;
  Field<int64_t> layers, seq_len, hidden, head_dim, batch, vocab;
  Field<bool> causal;
  PerLayerField heads, ffn;
};

const std::vector<std::string_view> kKeys = {"name", "base",     "layers", "seq_len", "hidden", "heads",
                                             "ffn",  "head_dim", "batch",  "causal",  "vocab"};

// Levenshtein distance, for "did you mean" hints.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string unknown_key_message(std::string_view key) {
  std::string_view best;
  size_t best_d = 3;  // suggest only close matches
  for (std::string_view k : kKeys) {
    // Close spellings, and names that extend a known key (ffn_dim -> ffn, num_layers -> layers).
    const bool extends = key.size() > k.size() && (key.starts_with(k) || key.ends_with(k));
    const size_t d = extends ? 1 : edit_distance(key, k);
    if (d < best_d) best_d = d, best = k;
  }
  if (!best.empty()) return fmt::format("unknown key (did you mean '{}'?)", best);
  return fmt::format("unknown key; expected one of: {}", fmt::join(kKeys, ", "));
}

class FileParser {
 public:
  FileParser(FileFields& out, Diagnostics& diags) : f_(out), d_(diags) {}

  void parse_map(const YAML::Node& root) {
    std::vector<std::pair<std::string, int>> seen;  // key, line
    for (auto it = root.begin(); it != root.end(); ++it) {
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      const SourceLocation key_loc = location(f_.file, key.Mark());
      if (!key.IsScalar()) {
        d_.error(key_loc, "", fmt::format("keys must be plain names, got {}", describe(key)));
        continue;
      }
      const std::string& k = key.Scalar();
      auto dup = std::find_if(seen.begin(), seen.end(), [&](const auto& s) { return s.first == k; });
      if (dup != seen.end()) {
        d_.error(key_loc, k, fmt::format("duplicate key (first given on line {})", dup->second));
        continue;
      }
      seen.emplace_back(k, key_loc.line);
      // An empty value (`heads:`) has no useful mark of its own: point at the key.
      const SourceLocation loc = value.IsNull() ? key_loc : location(f_.file, value.Mark());
      if (k == "name") {
        parse_string(f_.name, k, value, loc);
      } else if (k == "base") {
        parse_string(f_.base, k, value, loc);
      } else if (k == "layers") {
        parse_int(f_.layers, k, value, loc, 1, models::TransformerSpec::kMaxLayers);
      } else if (k == "seq_len") {
        parse_int(f_.seq_len, k, value, loc, 1);
      } else if (k == "hidden") {
        parse_int(f_.hidden, k, value, loc, 1);
      } else if (k == "head_dim") {
        parse_int(f_.head_dim, k, value, loc, 1);
      } else if (k == "batch") {
        parse_int(f_.batch, k, value, loc, 1);
      } else if (k == "vocab") {
        parse_int(f_.vocab, k, value, loc, 0);
      } else if (k == "causal") {
        parse_bool(f_.causal, k, value, loc);
      } else if (k == "heads") {
        parse_per_layer(f_.heads, k, value, loc);
      } else if (k == "ffn") {
        parse_per_layer(f_.ffn, k, value, loc);
      } else {
        d_.error(key_loc, k, unknown_key_message(k));
      }
    }
  }

 private:
  // Parses an integer scalar in [lo, hi]; reports and returns nullopt otherwise.
  std::optional<int64_t> integer(const std::string& key, const YAML::Node& v, const SourceLocation& loc, int64_t lo,
                                 int64_t hi) {
    if (!v.IsScalar() || is_quoted(v) || !looks_like_int(v.Scalar())) {
      d_.error(loc, key, fmt::format("expected an integer, got {}", describe(v)));
      return std::nullopt;
    }
    std::string_view s = v.Scalar();
    if (s[0] == '+') s.remove_prefix(1);
    int64_t x = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
    if (ec != std::errc() || ptr != s.data() + s.size()) {
      d_.error(loc, key, fmt::format("integer {} is out of range", v.Scalar()));
      return std::nullopt;
    }
    if (x < lo) {
      d_.error(loc, key, fmt::format("must be >= {}, got {}", lo, x));
      return std::nullopt;
    }
    if (x > hi) {
      d_.error(loc, key, fmt::format("must be <= {}, got {}", hi, x));
      return std::nullopt;
    }
    return x;
  }

  void parse_int(Field<int64_t>& field, const std::string& key, const YAML::Node& v, const SourceLocation& loc,
                 int64_t lo, int64_t hi = std::numeric_limits<int64_t>::max()) {
    field.present = true;
    field.loc = loc;
    if (auto x = integer(key, v, loc, lo, hi)) {
      field.value = *x;
      field.ok = true;
    }
  }

  void parse_bool(Field<bool>& field, const std::string& key, const YAML::Node& v, const SourceLocation& loc) {
    field.present = true;
    field.loc = loc;
    if (v.IsScalar() && !is_quoted(v) && (is_true(v.Scalar()) || is_false(v.Scalar()))) {
      field.value = is_true(v.Scalar());
      field.ok = true;
      return;
    }
    d_.error(loc, key, fmt::format("expected a boolean (true or false), got {}", describe(v)));
  }

  void parse_string(Field<std::string>& field, const std::string& key, const YAML::Node& v, const SourceLocation& loc) {
    field.present = true;
    field.loc = loc;
    if (!v.IsScalar()) {
      d_.error(loc, key, fmt::format("expected a string, got {}", describe(v)));
      return;
    }
    if (v.Scalar().empty()) {
      d_.error(loc, key, "must not be empty");
      return;
    }
    field.value = v.Scalar();
    field.ok = true;
  }

  void parse_per_layer(PerLayerField& field, const std::string& key, const YAML::Node& v, const SourceLocation& loc) {
    field.present = true;
    field.loc = loc;
    if (v.IsSequence()) {
      field.is_list = true;
      if (v.size() == 0) {
        d_.error(loc, key, "expected one integer per layer, got an empty list");
        return;
      }
      bool all_ok = true;
      for (size_t i = 0; i < v.size(); ++i) {
        const YAML::Node item = v[i];
        const SourceLocation item_loc = item.IsNull() ? loc : location(f_.file, item.Mark());
        const auto x = integer(fmt::format("{}[{}]", key, i), item, item_loc, 1, std::numeric_limits<int64_t>::max());
        all_ok = all_ok && x.has_value();
        field.values.push_back(x.value_or(0));
        field.item_locs.push_back(item_loc);
      }
      field.ok = all_ok;
      return;
    }
    if (!v.IsScalar() || is_quoted(v) || !looks_like_int(v.Scalar())) {
      d_.error(loc, key, fmt::format("expected an integer or a list of integers (one per layer), got {}", describe(v)));
      return;
    }
    if (auto x = integer(key, v, loc, 1, std::numeric_limits<int64_t>::max())) {
      field.values = {*x};
      field.item_locs = {loc};
      field.ok = true;
    }
  }

  FileFields& f_;
  Diagnostics& d_;
};

// Parses YAML text into the fields of one file. Returns false when the text is not a map of keys (the
// problem is reported).
bool parse_file(const std::string& text, FileFields& out, Diagnostics& diags) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::ParserException& e) {
    diags.error(location(out.file, e.mark), "", fmt::format("invalid YAML: {}", e.msg));
    return false;
  } catch (const YAML::Exception& e) {
    diags.error(location(out.file, e.mark), "", fmt::format("invalid YAML: {}", e.msg));
    return false;
  }
  if (docs.empty() || docs[0].IsNull()) {
    diags.error({out.file, 0, 0}, "",
                "empty workload; expected a map with the keys layers, seq_len, hidden, heads and ffn");
    return false;
  }
  if (docs.size() > 1) {
    diags.error(location(out.file, docs[1].Mark()), "", fmt::format("expected one YAML document, got {}", docs.size()));
  }
  const YAML::Node& root = docs[0];
  if (!root.IsMap()) {
    diags.error(location(out.file, root.Mark()), "",
                fmt::format("expected a map of workload keys at the top level, got {}", describe(root)));
    return false;
  }
  FileParser(out, diags).parse_map(root);
  return true;
}

// Reads a whole file; nullopt (with a diagnostic at `where`) when it cannot be read.
std::optional<std::string> read_file(const std::string& path, const SourceLocation& where, const std::string& key_path,
                                     std::string_view what, Diagnostics& diags) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    diags.error(where, key_path, fmt::format("cannot open {} '{}': no such file", what, path));
    return std::nullopt;
  }
  if (!fs::is_regular_file(st)) {
    diags.error(where, key_path, fmt::format("cannot open {} '{}': not a regular file", what, path));
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in) {
    diags.error(where, key_path, fmt::format("cannot read {} '{}'", what, path));
    return std::nullopt;
  }
  return ss.str();
}

// ---------------------------------------------------------------------------------------------------------
// Loading a chain of files (each may extend another through `base:`) and merging it.

constexpr int kMaxBaseDepth = 16;

// Loads `text` (from `file`) and, recursively, its bases. chain[0] is the top file, chain.back() the root base.
// Returns true when every file of the chain was read and parsed as a map (the keys may still have errors).
bool load_chain(const std::string& text, const std::string& file, std::vector<FileFields>& chain,
                std::vector<std::string>& visited, Diagnostics& diags) {
  chain.emplace_back();
  chain.back().file = file;
  if (!parse_file(text, chain.back(), diags)) return false;
  const Field<std::string> base = chain.back().base;
  if (!base.present) return true;
  if (!base.ok) return false;

  const fs::path dir = fs::path(file).parent_path();
  const std::string base_path = (dir / base.value).lexically_normal().string();
  std::error_code ec;
  const std::string canonical = fs::weakly_canonical(base_path, ec).string();
  if (std::find(visited.begin(), visited.end(), canonical) != visited.end()) {
    std::vector<std::string> cycle;
    for (const FileFields& f : chain) cycle.push_back(f.file);
    cycle.push_back(base_path);
    diags.error(base.loc, "base", fmt::format("circular base chain: {}", fmt::join(cycle, " -> ")));
    return false;
  }
  if (static_cast<int>(chain.size()) >= kMaxBaseDepth) {
    diags.error(base.loc, "base", fmt::format("base chain longer than {} files", kMaxBaseDepth));
    return false;
  }
  const auto base_text = read_file(base_path, base.loc, "base", "base workload", diags);
  if (!base_text) return false;
  visited.push_back(canonical);
  return load_chain(*base_text, base_path, chain, visited, diags);
}

// The chain merged: each key from the nearest file that sets it (`name` and `base` are not inherited).
FileFields merge(const std::vector<FileFields>& chain) {
  FileFields m = chain.front();
  for (size_t i = 1; i < chain.size(); ++i) {
    const FileFields& b = chain[i];
    auto inherit = [](auto& dst, const auto& src) {
      if (!dst.present) dst = src;
    };
    inherit(m.layers, b.layers);
    inherit(m.seq_len, b.seq_len);
    inherit(m.hidden, b.hidden);
    inherit(m.head_dim, b.head_dim);
    inherit(m.batch, b.batch);
    inherit(m.vocab, b.vocab);
    inherit(m.causal, b.causal);
    inherit(m.heads, b.heads);
    inherit(m.ffn, b.ffn);
  }
  return m;
}

// `name` defaults to the file's stem; text that is not a file ("<string>") is called "workload".
std::string default_name(const std::string& origin) {
  if (origin.empty() || origin.front() == '<') return "workload";
  const std::string stem = fs::path(origin).stem().string();
  return stem.empty() ? std::string("workload") : stem;
}

// Checks between keys, on the merged fields; fills `spec` when everything is consistent.
void resolve(const FileFields& m, const std::string& top_file, models::TransformerSpec& spec, Diagnostics& diags) {
  const SourceLocation file_loc{top_file, 0, 0};
  auto require = [&](bool present, const char* key) {
    if (!present) diags.error(file_loc, key, "missing required key");
  };
  require(m.layers.present, "layers");
  require(m.seq_len.present, "seq_len");
  require(m.hidden.present, "hidden");
  require(m.heads.present, "heads");
  require(m.ffn.present, "ffn");

  // Per-layer lists must have one entry per layer.
  auto check_length = [&](const PerLayerField& f, const char* key) {
    if (!m.layers.ok || !f.is_list || f.values.empty()) return true;
    if (static_cast<int64_t>(f.values.size()) == m.layers.value) return true;
    diags.error(f.loc, key,
                fmt::format("expected one entry per layer (layers = {}), got {}", m.layers.value, f.values.size()));
    return false;
  };
  const bool heads_len_ok = check_length(m.heads, "heads");
  const bool ffn_len_ok = check_length(m.ffn, "ffn");

  // The head size: given, or hidden / heads (the same integer for every layer).
  int64_t head_dim = m.head_dim.value;
  bool head_dim_ok = m.head_dim.ok;
  if (!m.head_dim.present && m.hidden.ok && m.heads.ok) {
    head_dim_ok = true;
    const int64_t hidden = m.hidden.value;
    for (size_t i = 0; i < m.heads.values.size(); ++i) {
      const int64_t h = m.heads.values[i];
      if (hidden % h != 0) {
        const std::string key = m.heads.is_list ? fmt::format("heads[{}]", i) : std::string("heads");
        diags.error(m.heads.item_locs[i], key,
                    fmt::format("hidden ({}) is not divisible by {} ({}); set head_dim explicitly", hidden, key, h));
        head_dim_ok = false;
      }
    }
    if (head_dim_ok) {
      head_dim = hidden / m.heads.values[0];
      for (size_t i = 1; i < m.heads.values.size(); ++i) {
        if (hidden / m.heads.values[i] != head_dim) {
          diags.error(m.heads.loc, "heads",
                      fmt::format("per-layer heads give different head sizes (hidden/heads = {} in layer 0, {} in "
                                  "layer {}); set head_dim, the head size shared by all layers",
                                  head_dim, hidden / m.heads.values[i], i));
          head_dim_ok = false;
          break;
        }
      }
    }
  }

  const bool all_ok = m.layers.ok && m.seq_len.ok && m.hidden.ok && m.heads.ok && m.ffn.ok && head_dim_ok &&
                      heads_len_ok && ffn_len_ok && (!m.batch.present || m.batch.ok) &&
                      (!m.vocab.present || m.vocab.ok) && (!m.causal.present || m.causal.ok) &&
                      (!m.name.present || m.name.ok) && (!m.base.present || m.base.ok);
  if (!all_ok || !diags.empty()) return;

  const auto layers = static_cast<size_t>(m.layers.value);
  spec.name = m.name.present ? m.name.value : default_name(top_file);
  spec.layers = m.layers.value;
  spec.seq_len = m.seq_len.value;
  spec.hidden = m.hidden.value;
  spec.head_dim = head_dim;
  spec.heads = m.heads.is_list ? m.heads.values : std::vector<int64_t>(layers, m.heads.values[0]);
  spec.ffn = m.ffn.is_list ? m.ffn.values : std::vector<int64_t>(layers, m.ffn.values[0]);
  spec.batch = m.batch.present ? m.batch.value : 1;
  spec.causal = m.causal.present && m.causal.value;
  spec.vocab = m.vocab.present ? m.vocab.value : 0;
  try {
    spec.validate();
  } catch (const std::invalid_argument& e) {
    diags.error(file_loc, "", fmt::format("workload is too large: {}", e.what()));
  }
}

models::TransformerSpec parse_text(const std::string& text, const std::string& origin, std::vector<std::string> visited,
                                   Diagnostics& diags) {
  std::vector<FileFields> chain;
  // Checks between keys only make sense when every file of the chain could be read.
  models::TransformerSpec spec;
  if (load_chain(text, origin, chain, visited, diags)) resolve(merge(chain), origin, spec, diags);
  if (diags.empty()) return spec;

  // Report like a compiler: file by file (the top file first, then its bases), each in line order, file-level
  // problems first. The sort is stable, so problems at one place keep the order they were found in.
  std::vector<Diagnostic>& list = diags.list();
  auto file_rank = [&](const std::string& f) {
    for (size_t i = 0; i < chain.size(); ++i)
      if (chain[i].file == f) return i;
    return chain.size();
  };
  std::stable_sort(list.begin(), list.end(), [&](const Diagnostic& a, const Diagnostic& b) {
    const size_t ra = file_rank(a.loc.file), rb = file_rank(b.loc.file);
    if (ra != rb) return ra < rb;
    if (a.loc.line != b.loc.line) return a.loc.line < b.loc.line;
    return a.loc.column < b.loc.column;
  });
  throw InputError(std::move(list));
}

std::string canonical_or_self(const std::string& path) {
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(path, ec);
  return ec ? path : p.string();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

const std::vector<std::string_view>& workload_keys() { return kKeys; }

models::TransformerSpec load_workload(const std::string& path) {
  Diagnostics diags;
  const auto text = read_file(path, {path, 0, 0}, "", "workload file", diags);
  if (!text) throw InputError(std::move(diags.list()));
  return parse_text(*text, path, {canonical_or_self(path)}, diags);
}

models::TransformerSpec parse_workload_string(const std::string& yaml, const std::string& origin) {
  Diagnostics diags;
  return parse_text(yaml, origin, {}, diags);
}

bool is_gemm_spec(std::string_view arg) { return arg.substr(0, 5) == "gemm:"; }

GemmDims parse_gemm_spec(std::string_view arg, const std::string& origin) {
  const SourceLocation loc{origin.empty() ? fmt::format("<-w {}>", arg) : origin, 0, 0};
  if (!is_gemm_spec(arg)) throw InputError(loc, "gemm", "expected gemm:M,K,N");
  std::vector<std::string_view> parts;
  std::string_view rest = arg.substr(5);
  for (size_t comma; (comma = rest.find(',')) != std::string_view::npos; rest.remove_prefix(comma + 1))
    parts.push_back(trim(rest.substr(0, comma)));
  parts.push_back(trim(rest));
  if (parts.size() != 3)
    throw InputError(loc, "gemm", fmt::format("expected three comma-separated dimensions M,K,N, got {}", parts.size()));

  static const char* const names[] = {"M", "K", "N"};
  std::vector<Diagnostic> diags;
  int64_t dims[3] = {0, 0, 0};
  for (size_t i = 0; i < 3; ++i) {
    const std::string key = fmt::format("gemm.{}", names[i]);
    const std::string_view p = parts[i];
    const auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), dims[i]);
    if (!is_digits(p) && !(p.size() > 1 && p[0] == '-' && is_digits(p.substr(1)))) {
      diags.push_back({loc, key, fmt::format("expected an integer, got '{}'", p)});
    } else if (ec != std::errc() || ptr != p.data() + p.size()) {
      diags.push_back({loc, key, fmt::format("integer {} is out of range", p)});
    } else if (dims[i] < 1) {
      diags.push_back({loc, key, fmt::format("must be >= 1, got {}", dims[i])});
    }
  }
  if (!diags.empty()) throw InputError(std::move(diags));
  return {dims[0], dims[1], dims[2]};
}

models::OpGraph gemm_graph(std::string_view arg, const std::string& origin) {
  const GemmDims d = parse_gemm_spec(arg, origin);
  try {
    return models::single_gemm_graph(d.m, d.k, d.n);
  } catch (const std::invalid_argument& e) {
    throw InputError({origin.empty() ? fmt::format("<-w {}>", arg) : origin, 0, 0}, "gemm", e.what());
  }
}

std::vector<std::string> shipped_workloads() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(CODA_SOURCE_DIR) / "configs" / "workloads", ec)) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string resolve_workload_path(const std::string& arg) {
  std::error_code ec;
  if (fs::exists(arg, ec)) return arg;
  const fs::path p(arg);
  if (!arg.empty() && !p.has_parent_path() && !p.has_extension()) {
    const fs::path shipped = fs::path(CODA_SOURCE_DIR) / "configs" / "workloads" / (arg + ".yaml");
    if (fs::exists(shipped, ec)) return shipped.string();
  }
  return arg;
}

models::OpGraph load_workload_graph(const std::string& arg) {
  if (is_gemm_spec(arg)) return gemm_graph(arg);
  const std::string path = resolve_workload_path(arg);
  std::error_code ec;
  const fs::path p(arg);
  if (!fs::exists(path, ec) && !p.has_parent_path() && !p.has_extension()) {
    throw InputError({arg, 0, 0}, "",
                     fmt::format("no such workload file, and no shipped workload of that name (shipped: {}); or "
                                 "use gemm:M,K,N",
                                 fmt::join(shipped_workloads(), ", ")));
  }
  return models::build_op_graph(load_workload(path));
}

}  // namespace coda::config
