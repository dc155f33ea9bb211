// `coda config check|show|docs`: validate, print and document hardware configs. The work is in sim/config.
#include <fmt/core.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "cli/commands.h"
#include "sim/config/diagnostics.h"
#include "sim/config/hw_loader.h"
#include "sim/config/hw_schema.h"

namespace coda::cli {

namespace {

struct ConfigOptions {
  std::vector<std::string> files;
  std::vector<std::string> overrides;
  std::string config;
  std::string format = "table";
  std::string output;
};

void print_errors(const config::InputError& e) {
  for (const auto& d : e.diagnostics()) fmt::print(stderr, "error: {}\n", d.str());
}

int run_check(const ConfigOptions& o) {
  int status = 0;
  for (const auto& file : o.files) {
    try {
      config::load_hw_config(file, o.overrides);
      fmt::print("{}: ok\n", file);
    } catch (const config::InputError& e) {
      print_errors(e);
      status = 2;
    }
  }
  return status;
}

int run_show(const ConfigOptions& o) {
  const config::LoadedHwConfig loaded = o.config.empty() ? config::default_hw_config_traced(o.overrides)
                                                         : config::load_hw_config_traced(o.config, o.overrides);
  if (o.format == "yaml") {
    fmt::print("{}", config::to_yaml(loaded.config));
  } else if (o.format == "json") {
    fmt::print("{}\n", config::to_json(loaded.config).dump(2));
  } else {
    fmt::print("{}", config::format_table(loaded));
  }
  return 0;
}

int run_docs(const ConfigOptions& o) {
  const std::string md = config::hw_reference_markdown();
  if (o.output.empty()) {
    fmt::print("{}", md);
    return 0;
  }
  std::ofstream out(o.output, std::ios::binary);
  out << md;
  out.close();
  if (!out) {
    fmt::print(stderr, "error: {}: cannot write file\n", o.output);
    return 2;
  }
  return 0;
}

}  // namespace

void add_config_command(CLI::App& app, Action& action) {
  auto opts = std::make_shared<ConfigOptions>();
  CLI::App* config = app.add_subcommand("config", "Validate, show and document hardware configs");
  config->require_subcommand(1);

  CLI::App* check = config->add_subcommand(
      "check", "Validate hardware config files; print every error of every file, and FILE: ok for good ones");
  check->add_option("FILE", opts->files, "Hardware config YAML files to validate")->required()->type_name("");
  add_override_option(*check, opts->overrides);
  check->footer("Exit status: 0 if every file is valid, 2 otherwise. Errors go to stderr as\n"
                "error: FILE:LINE:COLUMN: KEY: MESSAGE");
  check->callback([opts, &action] { action = [opts] { return run_check(*opts); }; });

  CLI::App* show = config->add_subcommand(
      "show", "Print the fully resolved config: every key with its value, unit, source and description");
  show->add_option("-c,--config", opts->config, "Hardware config YAML file (default: the built-in defaults)")
      ->type_name("HW.yaml");
  add_override_option(*show, opts->overrides);
  show->add_option("--format", opts->format, "Output format: table (aligned, for people), yaml or json")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"table", "yaml", "json"}))
      ->default_str("table");
  show->footer("The table marks values that differ from the default with * and names where each value was set;\n"
               "the yaml output loads again with -c.");
  show->callback([opts, &action] { action = [opts] { return run_show(*opts); }; });

  CLI::App* docs = config->add_subcommand(
      "docs", "Write the Markdown reference of every hardware config key (docs/config-reference.md)");
  docs->add_option("-o,--output", opts->output, "Write to FILE instead of stdout")->type_name("FILE");
  docs->callback([opts, &action] { action = [opts] { return run_docs(*opts); }; });

  // Set last: subcommands inherit the footer of their parent at creation.
  config->footer("File format, base: chains, -p overrides and error messages: docs/configuration.md");
}

}  // namespace coda::cli
