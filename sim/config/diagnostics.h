// Located diagnostics for bad input (configs, workloads, overrides) and the typed error that carries them.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace coda::config {

// A place in an input: file and 1-based line/column (0 when unknown). `file` may also name a
// command-line origin such as "<-p scratchpad.capacity_kb=0>".
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

// One problem with the input, e.g. `configs/hw/x.yaml:7:3: scratchpad.capacity_kb: must be >= 1, got 0`.
struct Diagnostic {
  SourceLocation loc;
  std::string key_path;  // dotted path of the offending key; empty for file-level problems
  std::string message;

  std::string str() const;
};

// Thrown for bad user input. Carries every problem found (all errors of a file are reported at once).
// The CLI maps it to exit code 2.
class InputError : public std::runtime_error {
 public:
  explicit InputError(std::vector<Diagnostic> diagnostics);
  InputError(SourceLocation loc, std::string key_path, std::string message);

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace coda::config
