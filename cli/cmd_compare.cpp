// `coda compare`: one workload on several configs / schedules / swept config values, side by side.
#include <fmt/core.h>

#include "cli/commands.h"
#include "sim/config/workload_loader.h"
#include "sim/report/compare.h"
#include "sim/report/plot.h"
#include "sim/report/report.h"

namespace coda::cli {

namespace {
struct CompareArgs {
  report::CompareSpec spec;
  std::string workload;
  std::string json, csv, plot;
  std::string dataflow = "ws";
  unsigned jobs = 1;
};
}  // namespace

void add_compare_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* sub = app.add_subcommand(
      "compare", "Compare configs, schedules and swept config values on one workload, side by side (deltas in %)");
  sub->add_option("-c,--config", args->spec.configs, "Hardware config YAML (repeatable: one run per config)")
      ->type_name("HW.yaml")
      ->required()
      ->allow_extra_args(false);
  sub->add_option("-w,--workload", args->workload,
                  "Workload YAML, a shipped workload name (bert-base), or gemm:M,K,N for a single GEMM")
      ->type_name("WORKLOAD")
      ->required();
  sub->add_option("--schedules", args->spec.schedules,
                  "Comma-separated fusion schedules, one run each: unfused, fused, shipped names or YAML files")
      ->type_name("NAME,...")
      ->delimiter(',')
      ->allow_extra_args(false);
  sub->add_option("--sweep", args->spec.sweeps,
                  "KEY=V1,V2,...: one run per value of a config key, e.g. accumulator.capacity_kb=64,128,256 "
                  "(repeatable: cross product)")
      ->type_name("KEY=V1,V2,...")
      ->allow_extra_args(false);
  add_override_option(*sub, args->spec.overrides);
  sub->add_option("--tiling", args->spec.tiling, "Tiling policy: gemmini-auto or block")->capture_default_str();
  sub->add_option("--dataflow", args->dataflow, "Mesh dataflow: ws or os")
      ->check(CLI::IsMember({"ws", "os"}))
      ->capture_default_str();
  sub->add_option("-j,--jobs", args->jobs, "Simulations run in parallel (0: one per hardware thread); results do not depend on it")
      ->type_name("N")
      ->capture_default_str();
  sub->add_option("--json", args->json, "Write the comparison as JSON (schema: docs/compare-json.md)")->type_name("FILE");
  sub->add_option("--csv", args->csv, "Write one CSV line per run")->type_name("FILE");
  sub->add_option("--plot", args->plot, "Draw grouped bars per block (cycles and energy) to FILE.png, .svg or .pdf")
      ->type_name("FILE");
  sub->callback([args, &action] {
    action = [args]() -> int {
      if (!args->plot.empty()) report::check_plot_path(args->plot);
      args->spec.dataflow = args->dataflow == "os" ? isa::Dataflow::OS : isa::Dataflow::WS;
      const auto plans = report::plan_compare(args->spec);
      const models::OpGraph graph = config::load_workload_graph(args->workload);
      const auto runs = report::run_compare(graph, plans, args->spec, args->jobs);
      fmt::print("{}", report::format_compare_text(graph.spec.name, runs));
      const auto j = report::compare_to_json(graph.spec.name, runs);
      if (!args->json.empty()) report::write_file_atomic(args->json, j.dump(2) + "\n");
      if (!args->csv.empty()) report::write_file_atomic(args->csv, report::compare_to_csv(runs));
      if (!args->plot.empty()) report::render_plot(j, args->plot);
      return 0;
    };
  });
}

}  // namespace coda::cli
