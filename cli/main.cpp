// coda: hardware/model co-design toolkit for transformer accelerators.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <exception>

#include "cli/commands.h"
#include "nas/lut/store.h"
#include "sim/config/diagnostics.h"
#include "sim/report/plot.h"

namespace coda::cli {

CLI::Option* add_override_option(CLI::App& sub, std::vector<std::string>& overrides) {
  return sub.add_option("-p,--param", overrides,
                        "Override a config key, e.g. -p scratchpad.capacity_kb=512 (repeatable)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
}

}  // namespace coda::cli

int main(int argc, char** argv) {
  CLI::App app{"coda: cycle-level simulation and co-design of Gemmini-style transformer accelerators", "coda"};
  app.set_version_flag("--version", std::string("coda ") + CODA_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  coda::cli::Action action;
  coda::cli::add_config_command(app, action);
  coda::cli::add_sim_command(app, action);
  coda::cli::add_compare_command(app, action);
  coda::cli::add_lut_command(app, action);
  coda::cli::add_nas_command(app, action);
  coda::cli::add_cosim_command(app, action);
  coda::cli::add_data_command(app, action);
  coda::cli::add_train_command(app, action);
  coda::cli::add_ppl_command(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }

  try {
    return action ? action() : 0;
  } catch (const coda::config::InputError& e) {
    for (const auto& d : e.diagnostics()) fmt::print(stderr, "error: {}\n", d.str());
    return 2;
  } catch (const coda::nas::lut::StoreError& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  } catch (const coda::report::PlotError& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "internal error: {}\n", e.what());
    return 1;
  }
}
