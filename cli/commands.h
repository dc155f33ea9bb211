// The `coda` subcommands. Each lives in its own thin file (cli/cmd_<name>.cpp) and registers itself on the
// app; the work is done by the libraries. A subcommand's callback returns the process exit code:
// 0 success, 2 bad input (config, workload, arguments), 1 internal error.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace coda::cli {

// Set by the subcommand that runs; main() calls it after parsing.
using Action = std::function<int()>;

void add_config_command(CLI::App& app, Action& action);
void add_sim_command(CLI::App& app, Action& action);
void add_compare_command(CLI::App& app, Action& action);
void add_lut_command(CLI::App& app, Action& action);
void add_nas_command(CLI::App& app, Action& action);
void add_cosim_command(CLI::App& app, Action& action);
void add_data_command(CLI::App& app, Action& action);
void add_train_command(CLI::App& app, Action& action);
void add_ppl_command(CLI::App& app, Action& action);

// Shared option helpers.
// Adds the repeatable `-p key.path=value` override option.
CLI::Option* add_override_option(CLI::App& sub, std::vector<std::string>& overrides);

}  // namespace coda::cli
