// The example virtual platform: host initiator -> accelerator (sim/tlm) -> memory target, with the command
// stream of an op graph from the compiler's lowering. run_platform() elaborates and simulates it, so it can be
// called once per process (SystemC's rule); the example executable and the tests in tests/systemc call it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "models/op_graph.h"
#include "sim/compiler/lowering.h"
#include "sim/config/hw_config.h"
#include "sim/engine/engine_context.h"
#include "sim/engine/stats.h"
#include "sim/simulator.h"

namespace coda::tlm {

struct PlatformOptions {
  bool functional = false;       // real data through the memory target, checked against the models/ reference
  uint64_t seed = 1;             // functional inputs and weights (as sim::simulate with the same seed)
  // Memory target timing; unset: configured like the engine's DRAM model (hw.dram).
  std::optional<int64_t> memory_latency_cycles;
  std::optional<double> memory_bytes_per_cycle;
  uint64_t command_cycles = 0;   // host cycles per command, beyond the register write
  uint32_t queue_entries = 16;   // the accelerator's command queue
  uint64_t quantum_cycles = 1000;  // the global quantum of the loosely-timed initiators
};

struct PlatformResult {
  uint64_t cycles = 0;           // the accelerator's CYCLES register, read by the host
  uint64_t host_commands = 0;    // command records the host wrote
  uint64_t late_requests = 0;    // Accelerator::late_requests()
  uint64_t memory_requests = 0;  // timing transactions the memory target served
  double sim_time_ns = 0;        // SystemC time when the host finished
  engine::Counters counters;     // the wrapped engine's counters
  std::vector<engine::OpTiming> op_timing;
  sim::VerifyResult verify;      // functional: outputs in the memory target against the models/ reference
};

PlatformResult run_platform(const config::HwConfig& hw, const models::OpGraph& graph,
                            const compiler::LoweringOptions& lowering, const PlatformOptions& options = {});

}  // namespace coda::tlm
