// YAML -> HwConfig: files, `base:` chains, `-p` overrides, validation against the schema (sim/config/hw_schema),
// and the resolved outputs (YAML, JSON, the `config show` table, the fingerprint).
//
// Every function that reads input collects all problems and throws one InputError carrying a Diagnostic per
// problem, located at the offending key: `configs/hw/x.yaml:7:3: scratchpad.capacity_kb: must be >= 1, got 0`,
// or for an override `<-p scratchpad.capacity_kb=0>: scratchpad.capacity_kb: must be >= 1, got 0`.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/config/diagnostics.h"
#include "sim/config/hw_config.h"

namespace coda::config {

// A resolved config and where each value came from.
struct LoadedHwConfig {
  HwConfig config;
  // Files read, the deepest `base:` first and the named file last.
  std::vector<std::string> files;
  // Key path -> where its value was last set (a file's key, or an override's origin such as
  // "<-p mesh.rows=32>"). Keys absent here hold their default.
  std::map<std::string, SourceLocation> origins;
};

// Loads a hardware config file. A file may name `base: other.yaml` (relative to its own directory; chains
// allowed, cycles are errors) whose values it extends key by key. `overrides` ("key.path=value", as given to
// `-p`) are applied last. Keys not set anywhere keep HwConfig's defaults. The merged config is checked against
// the schema's consistency rules. Throws InputError listing every problem.
HwConfig load_hw_config(const std::string& path, const std::vector<std::string>& overrides = {});

// Same, also recording the files read and the origin of every value (for `coda config show`).
LoadedHwConfig load_hw_config_traced(const std::string& path, const std::vector<std::string>& overrides = {});

// The defaults (HwConfig{}) plus `overrides`, as if loaded from an empty file.
LoadedHwConfig default_hw_config_traced(const std::vector<std::string>& overrides = {});

// Loads a config from YAML text; `origin` names it in diagnostics, and a `base:` in it resolves relative to the
// directory part of `origin` (the current directory when it has none).
HwConfig parse_hw_config(const std::string& yaml_text, const std::string& origin = "<string>",
                         const std::vector<std::string>& overrides = {});

// Applies "key.path=value" overrides to `config` exactly as `-p` does: each value is parsed as a YAML scalar
// and checked for type and range, then the result is checked for consistency. All-or-nothing: on error
// `config` is unchanged.
void apply_overrides(HwConfig& config, const std::vector<std::string>& overrides);

// Sets one key from text (a YAML scalar), validated like an override (type, range, then the consistency of the
// whole config). `origin` names the source in diagnostics ("<--sweep mesh.rows=32>"); by default
// "<path=value>". On error `config` is unchanged. To change coupled keys together (mesh.rows and mesh.cols),
// use apply_overrides.
void set_param(HwConfig& config, const std::string& path, const std::string& value, const std::string& origin = "");

// Checks one key and value on their own, as set_param would before the consistency rules: the key exists, the
// value has its type and is in its range. Throws InputError otherwise (located at `origin`). Used to check a
// value that will be combined with other keys later (a search space's hardware genes).
void check_param_value(const std::string& path, const std::string& value, const std::string& origin = "");

// The canonical text of one key's value ("16", "1.0", "ws"). Throws InputError for an unknown key.
std::string get_param(const HwConfig& config, const std::string& path);

// Checks a config built in code: every key's range, then the consistency rules. Diagnostics carry `origin` as
// their location.
void validate(const HwConfig& config, const std::string& origin = "<config>");

// The fully resolved config as YAML (every key, schema order); load_hw_config() of it gives back `config`.
std::string to_yaml(const HwConfig& config);

// The fully resolved config as JSON, keys in schema order: {"name": ..., "clock_ghz": ..., "mesh": {...}, ...}.
nlohmann::ordered_json to_json(const HwConfig& config);

// A stable 64-bit FNV-1a hash (16 hex digits) of every resolved value except `name`: equal for equal
// hardware, different when any value changes. Used to key cached results (the LUT).
std::string fingerprint(const HwConfig& config);

// The `coda config show` table: every key with its value, unit, source and description, aligned; values that
// differ from the default are marked with '*'.
std::string format_table(const LoadedHwConfig& loaded);

}  // namespace coda::config
