// Loads a schedule (sim/compiler/schedule.h) from `--schedule ARG`: "unfused", "fused", a shipped name
// (configs/schedules/<name>.yaml) or a YAML file mapping each fusion point to `fused` or `unfused`:
//
//   qk_softmax: fused
//   out_proj_layernorm: unfused
//   ffn2_layernorm: fused
//   ffn1_gelu: fused
//
// Points a file omits are unfused. Bad input throws config::InputError with file, line, column and key.
#pragma once

#include <string>

#include "sim/compiler/schedule.h"
#include "sim/config/diagnostics.h"

namespace coda::config {

compiler::Schedule parse_schedule_string(const std::string& yaml, const std::string& origin = "<string>");
compiler::Schedule load_schedule(const std::string& arg);

}  // namespace coda::config
