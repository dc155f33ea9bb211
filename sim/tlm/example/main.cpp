// coda-tlm-platform: runs a workload on the example virtual platform (host -> accelerator -> memory, sim/tlm)
// and on the standalone engine, and prints both cycle counts (and, with --functional, the data check).
// Exit status 1 when the counts differ while the memory is configured like the engine's DRAM, or on a data
// mismatch; 2 on bad input. See docs/systemc.md.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <systemc>  // declares sc_main extern "C"

#include "models/op_graph.h"
#include "sim/config/hw_loader.h"
#include "sim/config/schedule_loader.h"
#include "sim/config/workload_loader.h"
#include "sim/simulator.h"
#include "sim/tlm/example/platform.h"

int sc_main(int argc, char* argv[]) {
  using namespace coda;
  CLI::App app{"coda example SystemC virtual platform: the accelerator behind TLM-2.0 sockets"};
  std::string hw_path, workload, schedule = "fused";
  std::optional<int64_t> layers, latency;
  std::optional<double> bandwidth;
  tlm::PlatformOptions po;
  app.add_option("-c,--config", hw_path, "Hardware config YAML")->required();
  app.add_option("-w,--workload", workload, "gemm:M,K,N, a workload YAML or a shipped workload name")->required();
  app.add_option("--schedule", schedule, "fused, unfused or a schedule YAML")->capture_default_str();
  app.add_option("--layers", layers, "Keep only the first N encoder layers of the workload");
  app.add_flag("--functional", po.functional, "Move real data through the TLM memory and check it against models/");
  app.add_option("--seed", po.seed, "Seed of the functional inputs")->capture_default_str();
  app.add_option("--memory-latency", latency, "Memory target latency in cycles (default: dram.latency_cycles)");
  app.add_option("--memory-bandwidth", bandwidth, "Memory target bytes per cycle (default: dram.bytes_per_cycle)");
  app.add_option("--command-cycles", po.command_cycles, "Host cycles per command")->capture_default_str();
  app.add_option("--queue", po.queue_entries, "Accelerator command queue entries")->capture_default_str();
  app.add_option("--quantum", po.quantum_cycles, "Global quantum in cycles")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  po.memory_latency_cycles = latency;
  po.memory_bytes_per_cycle = bandwidth;
  try {
    const config::HwConfig hw = config::load_hw_config(hw_path);
    models::OpGraph graph;
    if (config::is_gemm_spec(workload)) {
      graph = config::gemm_graph(workload);
    } else {
      models::TransformerSpec spec = config::load_workload(config::resolve_workload_path(workload));
      if (layers && *layers >= 1 && *layers < spec.layers) {
        spec.layers = *layers;
        spec.heads.resize(size_t(*layers));
        spec.ffn.resize(size_t(*layers));
      }
      graph = models::build_op_graph(spec);
    }
    sim::SimOptions so;
    so.lowering.schedule = config::load_schedule(schedule);
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    const tlm::PlatformResult p = tlm::run_platform(hw, graph, so.lowering, po);
    const auto t1 = Clock::now();
    const sim::SimResult s = sim::simulate(hw, graph, so);
    const auto t2 = Clock::now();
    // The standalone engine sees the whole stream at once: equal counts are expected from a host that issues
    // commands faster than the accelerator dispatches them, with the memory configured like dram.
    const bool comparable = po.command_cycles == 0 && (!latency || *latency == hw.dram.latency_cycles) &&
                            (!bandwidth || *bandwidth == hw.dram.bytes_per_cycle);
    fmt::print("platform cycles     {:>14}\n", p.cycles);
    fmt::print("standalone cycles   {:>14}\n", s.total_cycles);
    fmt::print("host commands       {:>14}\n", p.host_commands);
    fmt::print("memory requests     {:>14}\n", p.memory_requests);
    fmt::print("late requests       {:>14}\n", p.late_requests);
    fmt::print("SystemC time        {:>11.0f} ns\n", p.sim_time_ns);
    fmt::print("wall time           {:>11.3f} s platform, {:.3f} s standalone\n",
               std::chrono::duration<double>(t1 - t0).count(), std::chrono::duration<double>(t2 - t1).count());
    int rc = 0;
    if (comparable) {
      fmt::print("cycles equal        {:>14}\n", p.cycles == s.total_cycles ? "yes" : "NO");
      if (p.cycles != s.total_cycles) rc = 1;
    }
    if (p.verify.ran) {
      fmt::print("functional check    {} ops, {} elements, {} mismatches\n", p.verify.ops_checked,
                 p.verify.elements_checked, p.verify.mismatches);
      if (p.verify.mismatches) {
        fmt::print(stderr, "error: first mismatch {}\n", p.verify.first_mismatch);
        rc = 1;
      }
    }
    return rc;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  }
}
