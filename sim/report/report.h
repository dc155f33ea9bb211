// The reporter: the only place simulation results become text. Human report (aligned tables), JSON
// (schema in docs/sim-json.md), per-op CSV, and Chrome/Perfetto trace-event JSON (one track per unit).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "sim/config/hw_config.h"
#include "sim/simulator.h"

namespace coda::report {

std::string format_text(const config::HwConfig& hw, const sim::SimResult& r, size_t max_op_rows = 40);
nlohmann::ordered_json to_json(const config::HwConfig& hw, const sim::SimResult& r);
std::string to_csv(const sim::SimResult& r);
nlohmann::ordered_json to_trace(const config::HwConfig& hw, const sim::SimResult& r);

// Writes `content` to `path` atomically (a temporary file in the same directory, then rename).
// Throws std::runtime_error naming the path on failure.
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace coda::report
