#include "sim/config/diagnostics.h"

#include <fmt/format.h>

namespace coda::config {

std::string Diagnostic::str() const {
  std::string where = loc.file;
  if (loc.line > 0) where += fmt::format(":{}:{}", loc.line, loc.column);
  if (where.empty()) where = "<input>";
  if (key_path.empty()) return fmt::format("{}: {}", where, message);
  return fmt::format("{}: {}: {}", where, key_path, message);
}

namespace {
std::string join(const std::vector<Diagnostic>& d) {
  std::string out;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i) out += '\n';
    out += d[i].str();
  }
  return out;
}
}  // namespace

InputError::InputError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(join(diagnostics)), diagnostics_(std::move(diagnostics)) {}

InputError::InputError(SourceLocation loc, std::string key_path, std::string message)
    : InputError(std::vector<Diagnostic>{Diagnostic{std::move(loc), std::move(key_path), std::move(message)}}) {}

}  // namespace coda::config
