// `coda sim`: simulate a hardware config on a workload and report cycles, breakdowns and counters.
#include <fmt/core.h>

#include <fstream>

#include "cli/commands.h"
#include "sim/config/diagnostics.h"
#include "sim/config/hw_loader.h"
#include "sim/config/schedule_loader.h"
#include "sim/config/workload_loader.h"
#include "sim/report/plot.h"
#include "sim/report/report.h"
#include "sim/simulator.h"

namespace coda::cli {

namespace {
struct SimArgs {
  std::string config;
  std::string workload;
  std::vector<std::string> overrides;
  bool functional = false;
  bool verify = false;
  std::string json, csv, trace, dump, plot;
  std::string tiling = "gemmini-auto";
  std::string dataflow = "ws";
  std::string schedule = "unfused";
  uint64_t seed = 1;
  size_t op_rows = 40;
  bool no_memo = false;
};
}  // namespace

void add_sim_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<SimArgs>();
  CLI::App* sub = app.add_subcommand("sim", "Simulate a hardware config on a workload (cycle-level)");
  sub->add_option("-c,--config", args->config, "Hardware config YAML (e.g. configs/hw/gemmini-default.yaml)")
      ->required();
  sub->add_option("-w,--workload", args->workload,
                  "Workload YAML, a shipped workload name (bert-base), or gemm:M,K,N for a single GEMM")
      ->required();
  add_override_option(*sub, args->overrides);
  sub->add_flag("--functional", args->functional, "Move real int8/int32 data through scratchpad and accumulator");
  sub->add_flag("--verify", args->verify,
                "Compare every accelerator op's output with the models/ integer reference (implies --functional)");
  sub->add_option("--json", args->json, "Write the JSON report (schema: docs/sim-json.md)");
  sub->add_option("--csv", args->csv, "Write the per-op table as CSV");
  sub->add_option("--plot", args->plot,
                  "Draw cycles per layer by category and energy per layer by unit to FILE.png, .svg or .pdf");
  sub->add_option("--trace", args->trace, "Write a Chrome/Perfetto trace-event JSON (one track per unit)");
  sub->add_option("--dump-commands", args->dump, "Write every simulated command with its dispatch/start/end cycles");
  sub->add_option("--tiling", args->tiling, "Tiling policy: gemmini-auto (tiled_matmul_auto) or block")
      ->capture_default_str();
  sub->add_option("--dataflow", args->dataflow, "Mesh dataflow for the run: ws or os (must be enabled by mesh.dataflow)")
      ->check(CLI::IsMember({"ws", "os"}))
      ->capture_default_str();
  sub->add_option("--schedule", args->schedule,
                  "Fusion schedule: unfused, fused, a shipped name (configs/schedules/) or a schedule YAML file")
      ->capture_default_str();
  sub->add_option("--seed", args->seed, "Seed of the functional-mode input data")->capture_default_str();
  sub->add_flag("--no-memo", args->no_memo,
                "Simulate every command: no replay of fence-delimited segments identical to earlier ones (the results "
                "are the same; the memo is off anyway with --functional, --trace and --dump-commands)");
  sub->add_option("--ops", args->op_rows, "Rows of the per-op table on stdout")->capture_default_str();
  sub->callback([args, &action] {
    action = [args]() -> int {
      if (!args->plot.empty()) report::check_plot_path(args->plot);
      const config::HwConfig hw = config::load_hw_config(args->config, args->overrides);
      const models::OpGraph graph = config::load_workload_graph(args->workload);
      sim::SimOptions opt;
      opt.functional = args->functional || args->verify;
      opt.verify = args->verify;
      opt.seed = args->seed;
      opt.memo = !args->no_memo && args->trace.empty();
      opt.lowering.tiling = args->tiling;
      opt.lowering.dataflow = args->dataflow == "os" ? isa::Dataflow::OS : isa::Dataflow::WS;
      opt.lowering.schedule = config::load_schedule(args->schedule);
      if ((hw.mesh.dataflow == config::Dataflow::WS && args->dataflow == "os") ||
          (hw.mesh.dataflow == config::Dataflow::OS && args->dataflow == "ws"))
        throw config::InputError({args->config, 0, 0}, "mesh.dataflow",
                                 "the config does not enable the " + args->dataflow + " dataflow requested by --dataflow");
      std::ofstream dump;
      if (!args->dump.empty()) {
        dump.open(args->dump);
        if (!dump) throw config::InputError({args->dump, 0, 0}, "", "cannot open for writing");
        opt.dump_commands = &dump;
      }
      const sim::SimResult r = sim::simulate(hw, graph, opt);
      fmt::print("{}", report::format_text(hw, r, args->op_rows));
      nlohmann::ordered_json j;
      if (!args->json.empty() || !args->plot.empty()) j = report::to_json(hw, r);
      if (!args->json.empty()) report::write_file_atomic(args->json, j.dump(2) + "\n");
      if (!args->csv.empty()) report::write_file_atomic(args->csv, report::to_csv(r));
      if (!args->trace.empty()) report::write_file_atomic(args->trace, report::to_trace(hw, r).dump() + "\n");
      if (!args->plot.empty()) report::render_plot(j, args->plot);
      if (r.verify.ran && r.verify.mismatches) {
        fmt::print(stderr, "error: functional verification failed: {} mismatches (first: {})\n", r.verify.mismatches,
                   r.verify.first_mismatch);
        return 1;
      }
      return 0;
    };
  });
}

}  // namespace coda::cli
