#include "sim/tlm/example/platform.h"

#include <memory>
#include <stdexcept>

#include "sim/functional.h"
#include "sim/tlm/accelerator.h"
#include "sim/tlm/example/host.h"
#include "sim/tlm/example/memory_target.h"

namespace coda::tlm {

PlatformResult run_platform(const config::HwConfig& hw, const models::OpGraph& graph,
                            const compiler::LoweringOptions& lowering_options, const PlatformOptions& options) {
  compiler::Lowering lowering(graph, hw, lowering_options);
  if (options.functional) {
    for (size_t i = 0; i < graph.ops.size(); ++i)
      if (lowering.plans()[i].placement == compiler::Placement::Host)
        throw std::invalid_argument("platform: functional mode needs every op on the accelerator, but " +
                                    graph.ops[i].name +
                                    " runs on the host (enable normalizer and activation_units in the config)");
  }
  // Functional I-BERT layers: weights, calibrated scales (set on the lowering before it streams) and kernel
  // parameters, exactly as sim::simulate builds them for the same seed.
  std::unique_ptr<sim::LayerNumerics> layers;
  if (options.functional && graph.spec.layers > 0) layers = std::make_unique<sim::LayerNumerics>(graph, lowering, options.seed);

  MemoryConfig mc = memory_like_dram(hw, lowering.memory_bytes());
  mc.store_data = options.functional;
  if (options.memory_latency_cycles) mc.latency_cycles = *options.memory_latency_cycles;
  if (options.memory_bytes_per_cycle) mc.bytes_per_cycle = *options.memory_bytes_per_cycle;

  AcceleratorOptions ao;
  ao.functional = options.functional;
  ao.numerics = layers ? &layers->numerics() : nullptr;
  ao.queue_entries = options.queue_entries;

  MemoryTarget memory("memory", mc);
  Accelerator accelerator("accelerator", hw, ao);
  HostOptions ho;
  ho.command_cycles = options.command_cycles;
  Host host("host", lowering, graph.ops.size(), accelerator.clock_period(), ho);
  host.socket.bind(accelerator.command_socket);
  accelerator.memory_socket.bind(memory.socket);
  ::tlm::tlm_global_quantum::instance().set(
      sc_core::sc_time::from_value(options.quantum_cycles * accelerator.clock_period().value()));

  // The loader: inputs and weights straight into the memory (no simulated time).
  if (layers) {
    layers->init(memory.data());
  } else if (options.functional) {
    sim::init_inputs(lowering, graph, memory.data(), options.seed);
  }

  sc_core::sc_start();
  if (!host.finished()) throw std::logic_error("platform: the host did not finish its program");

  PlatformResult r;
  r.cycles = host.cycles();
  r.host_commands = host.commands();
  r.late_requests = accelerator.late_requests();
  r.memory_requests = memory.requests();
  r.sim_time_ns = host.finish_time().to_seconds() * 1e9;
  r.counters = accelerator.engine().counters();
  r.op_timing = accelerator.engine().op_timing();
  if (layers) {
    layers->verify(memory.data(), r.verify);
  } else if (options.functional) {
    sim::verify_matmuls(lowering, graph, memory.data(), r.verify);
  }
  return r;
}

}  // namespace coda::tlm
