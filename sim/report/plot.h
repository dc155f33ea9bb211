// Pictures: `--plot FILE.png|svg|pdf` renders a sim or compare JSON report with scripts/plot.py (matplotlib,
// installed by scripts/setup.sh). The JSON goes to a temporary file; the script picks the picture by the
// report's `schema`: stacked cycles per category per layer for `coda.sim/1`, grouped bars per block (cycles
// and energy) for `coda.compare/1`.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace coda::report {

// The plot could not be drawn (python3, matplotlib or the script is missing, or the script failed). The CLI
// maps it to exit code 1; the message says what to install.
class PlotError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws config::InputError unless `path` ends in .png, .svg or .pdf (checked before a long simulation).
void check_plot_path(const std::string& path);

// The plotting script: $CODA_PLOT_SCRIPT if set, else scripts/plot.py of the source tree.
std::string plot_script();

// Renders `report` (a sim or compare JSON) into `path` with $CODA_PYTHON, else python3 from PATH and, if that
// one lacks matplotlib, /usr/bin/python3. Throws PlotError.
void render_plot(const nlohmann::ordered_json& report, const std::string& path);

}  // namespace coda::report
