// `coda cosim`: one GEMM through the engine and through the Verilated RTL mesh; both cycle counts and the data
// comparison. Exit 0 when equal, 1 on a mismatch, 2 on bad input, 3 when coda was built without Verilator.
#include <fmt/core.h>

#include "cli/commands.h"
#include "sim/config/hw_loader.h"
#include "sim/config/workload_loader.h"
#ifdef CODA_HAVE_RTL
#include "sim/cosim/mesh_cosim.h"
#endif

namespace coda::cli {

namespace {
struct CosimArgs {
  std::string config;
  std::string gemm;
  std::vector<std::string> overrides;
  uint64_t seed = 1;
  std::string vcd;
  std::string dataflow;
};
}  // namespace

void add_cosim_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<CosimArgs>();
  CLI::App* sub = app.add_subcommand(
      "cosim", "Run one GEMM through the engine and through the Verilated RTL mesh; compare cycles and data");
  sub->add_option("-c,--config", args->config, "Hardware config YAML (mesh DIM 4, 8 or 16)")->required();
  sub->add_option("--gemm", args->gemm, "GEMM shape M,K,N: C[M][N] = A[M][K] x B[K][N]")
      ->type_name("M,K,N")
      ->required();
  add_override_option(*sub, args->overrides);
  sub->add_option("--seed", args->seed, "Seed of the random int8 operands")->capture_default_str();
  sub->add_option("--vcd", args->vcd, "Write the RTL mesh's waveforms to FILE (VCD)")->type_name("FILE");
  sub->add_option("--dataflow", args->dataflow,
                  "Dataflow to co-simulate (default: os when mesh.dataflow is os, else ws)")
      ->check(CLI::IsMember({"ws", "os"}));
  sub->callback([args, &action] {
    action = [args]() -> int {
      const config::HwConfig hw = config::load_hw_config(args->config, args->overrides);
      const config::GemmDims d = config::parse_gemm_spec("gemm:" + args->gemm, "<--gemm " + args->gemm + ">");
#ifdef CODA_HAVE_RTL
      cosim::ReplayOptions opt;
      opt.dataflow = args->dataflow.empty() ? cosim::cosim_dataflow(hw)
                     : args->dataflow == "os"  ? isa::Dataflow::OS
                                               : isa::Dataflow::WS;
      cosim::check_mesh_config(hw, args->config, opt.dataflow);
      opt.vcd = args->vcd;
      const cosim::GemmCosim g = cosim::cosim_gemm(hw, d.m, d.k, d.n, args->seed, opt);
      const cosim::ReplayResult& r = g.rtl;
      fmt::print("GEMM {}x{}x{} on a {}x{} mesh, {} dataflow (seed {})\n", d.m, d.k, d.n, hw.dim(), hw.dim(),
                 opt.dataflow == isa::Dataflow::OS ? "output-stationary" : "weight-stationary", args->seed);
      fmt::print("  {:<34} {:>12} {:>12}\n", "", "engine", "RTL");
      fmt::print("  {:<34} {:>12} {:>12}\n", "mesh cycles (last output row + 1)", r.engine_mesh_end, r.rtl_mesh_end);
      fmt::print("  {:<34} {:>12} {:>12}\n", "total cycles (whole GEMM)", g.engine.total_cycles, "-");
      fmt::print("  mesh operations: {} preloads, {} computes; {} operand entries and {} output rows compared\n",
                 r.preloads, r.computes, r.preloads + r.computes, r.rows_compared);
      fmt::print("  timing mismatches: {} operand entries, {} output rows, {} row counts\n", r.feed_mismatches,
                 r.row_timing_mismatches, r.row_count_mismatches);
      fmt::print("  data: {} values compared, {} mismatches (RTL vs engine per tile); engine vs models/ reference: "
                 "{} elements, {} mismatches\n",
                 r.values_compared, r.value_mismatches, g.engine.verify.elements_checked, g.engine.verify.mismatches);
      fmt::print("  external stalls replayed: {} ({} cycles); RTL clock cycles simulated: {}\n", r.stalls,
                 r.stall_cycles, r.rtl_cycles_simulated);
      if (!args->vcd.empty()) fmt::print("  waveforms: {}\n", args->vcd);
      if (!g.ok()) {
        fmt::print(stderr, "error: co-simulation mismatch{}{}\n", r.first_mismatch.empty() ? "" : ": ",
                   r.first_mismatch.empty() ? g.engine.verify.first_mismatch : r.first_mismatch);
        return 1;
      }
      fmt::print("  result: equal cycles and data\n");
      return 0;
#else
      (void)hw;
      (void)d;
      fmt::print(stderr,
                 "error: this coda was built without Verilator (CODA_RTL=OFF), so it has no RTL to co-simulate; "
                 "install verilator and reconfigure with -DCODA_RTL=ON\n");
      return 3;
#endif
    };
  });
}

}  // namespace coda::cli
