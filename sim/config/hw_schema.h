// The declaration of every HwConfig key: YAML path, type, unit, range, description and field binding, plus
// the cross-key consistency rules. The one place to add a hardware parameter: add the field to
// sim/config/hw_config.h (its initializer is the default), declare it in hw_schema.cpp, then regenerate
// docs/config-reference.md with `coda config docs -o docs/config-reference.md`.
#pragma once

#include <string>

#include "sim/config/hw_config.h"
#include "sim/config/schema.h"

namespace coda::config {

// The schema of HwConfig (built once, immutable).
const Schema<HwConfig>& hw_schema();

// docs/config-reference.md: the Markdown reference generated from hw_schema().
std::string hw_reference_markdown();

}  // namespace coda::config
