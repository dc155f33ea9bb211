#include "sim/config/schedule_loader.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace coda::config {

namespace {

SourceLocation location(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return {file, 0, 0};
  return {file, mark.line + 1, mark.column + 1};
}

std::string known_points() {
  std::string s;
  for (int i = 0; i < compiler::kNumFusionPoints; ++i) {
    if (i) s += ", ";
    s += compiler::fusion_point_name(static_cast<compiler::FusionPoint>(i));
  }
  return s;
}

}  // namespace

compiler::Schedule parse_schedule_string(const std::string& yaml, const std::string& origin) {
  std::vector<Diagnostic> diags;
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw InputError(location(origin, e.mark), "", fmt::format("invalid YAML: {}", e.msg));
  }
  if (!root.IsMap()) {
    throw InputError(location(origin, root.Mark()), "",
                     fmt::format("expected a map of fusion points ({}) to fused or unfused", known_points()));
  }
  compiler::Schedule s;
  s.name = origin;
  std::array<bool, compiler::kNumFusionPoints> seen{};
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string key = it->first.as<std::string>("");
    const SourceLocation kloc = location(origin, it->first.Mark());
    int idx = -1;
    for (int i = 0; i < compiler::kNumFusionPoints; ++i)
      if (key == compiler::fusion_point_name(static_cast<compiler::FusionPoint>(i))) idx = i;
    if (idx < 0) {
      diags.push_back({kloc, key, fmt::format("unknown fusion point; expected one of {}", known_points())});
      continue;
    }
    if (seen[size_t(idx)]) diags.push_back({kloc, key, "given twice"});
    seen[size_t(idx)] = true;
    const YAML::Node v = it->second;
    const std::string val = v.IsScalar() ? v.Scalar() : "";
    if (val == "fused") {
      s.fused[size_t(idx)] = true;
    } else if (val == "unfused") {
      s.fused[size_t(idx)] = false;
    } else {
      diags.push_back({location(origin, v.Mark()), key,
                       fmt::format("expected fused or unfused, got {}", v.IsScalar() ? "'" + val + "'" : "a non-scalar value")});
    }
  }
  if (!diags.empty()) throw InputError(std::move(diags));
  return s;
}

compiler::Schedule load_schedule(const std::string& arg) {
  if (arg == "unfused") return compiler::Schedule::unfused();
  if (arg == "fused") return compiler::Schedule::all_fused();
  namespace fs = std::filesystem;
  std::string path = arg;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    const fs::path shipped = fs::path(CODA_SOURCE_DIR) / "configs" / "schedules" / (arg + ".yaml");
    if (arg.find('/') == std::string::npos && fs::is_regular_file(shipped, ec)) {
      path = shipped.string();
    } else {
      throw InputError({"<--schedule " + arg + ">", 0, 0}, "schedule",
                       "not 'unfused', 'fused', a shipped schedule name or a readable file");
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError({path, 0, 0}, "", "cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().find_first_not_of(" \t\r\n") == std::string::npos)
    throw InputError({path, 0, 0}, "", "empty schedule; expected a map of fusion points to fused or unfused");
  return parse_schedule_string(text.str(), path);
}

}  // namespace coda::config
