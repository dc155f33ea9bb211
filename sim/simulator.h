// The simulator's embedding API: lower an op graph for a hardware config, run the engine, and collect
// per-op and per-category results. `coda sim`, the LUT builder and the SystemC wrapper build on this.
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "models/op_graph.h"
#include "sim/compiler/lowering.h"
#include "sim/config/hw_config.h"
#include "sim/energy/energy.h"
#include "sim/engine/mesh.h"
#include "sim/engine/stats.h"

namespace coda::sim {

// The version of the engine's timing and energy results. Caches of measured results (the NAS lookup table,
// nas/lut) key their entries with it: bump it whenever a change to the compiler, the engine or the energy model
// changes any cycle count or energy, so that no stale entry is ever served.
inline constexpr const char* kEngineVersion = "engine-2026.11.21-os";  // -os: output-stationary timing follows rtl/mesh/os_*.v

struct SimOptions {
  bool functional = false;
  bool verify = false;          // implies functional
  uint64_t seed = 1;            // functional input data
  compiler::LoweringOptions lowering;
  std::ostream* dump_commands = nullptr;  // text dump of every simulated command with its cycles
  engine::MeshObserver* mesh_observer = nullptr;  // every mesh operation (co-simulation, sim/cosim)
  // Exact memoization of fence-delimited segments (sim/engine/segment_memo.h): identical results, faster. Used
  // only in timing mode without a command dump or mesh observer (those need every command simulated).
  bool memo = true;
};

// What the segment memo did in a run (not part of any report: results are the same with and without it).
struct MemoStats {
  bool used = false;               // the run had the memo on
  uint64_t segments_replayed = 0;  // segments skipped and replayed from an identical earlier one
  uint64_t segments_recorded = 0;  // segments simulated and recorded
  uint64_t commands_replayed = 0;  // commands those replayed segments dispatched
  uint64_t replayed_exact = 0;     // of them, found by the key with the older producers' exact ages
  uint64_t segments_skipped = 0;   // segments the memo could not look up (docs/engine.md, "Segment memo")
};

struct OpResult {
  std::string name;
  models::OpKind kind = models::OpKind::MatMul;
  models::Category category = models::Category::MatMul;
  models::Block block = models::Block::MHA;
  int32_t layer = -1;
  std::string placement;        // "accelerator", "fused", "host"
  uint64_t start = 0, end = 0;  // first command start, last command end
  uint64_t cycles = 0;          // cycles attributed to this op (they sum to total_cycles)
  uint64_t macs = 0;
  uint64_t commands = 0;
  std::array<uint64_t, engine::kNumUnits> unit_start{}, unit_end{};
  std::array<bool, engine::kNumUnits> unit_used{};
  engine::Actions actions;      // energy-relevant work (host ops: plus their DRAM traffic)
  energy::EnergyBreakdown energy_by_unit;  // actions + static energy of the attributed cycles; ops sum to the total
  double energy_j = 0;
};

struct VerifyResult {
  bool ran = false;
  uint64_t ops_checked = 0;
  uint64_t elements_checked = 0;
  uint64_t mismatches = 0;
  std::string first_mismatch;   // op, index, expected, got
};

struct SimResult {
  std::string workload;
  uint64_t total_cycles = 0;
  double seconds = 0;
  double mesh_utilization = 0;  // ideal MACs / (rows * cols * cycles)
  uint64_t total_macs = 0;
  std::array<uint64_t, models::kNumCategories> breakdown_cycles{};
  std::vector<OpResult> ops;
  engine::Counters counters;
  VerifyResult verify;
  std::string tiling;
  std::string dataflow;         // "WS" or "OS"
  std::string schedule;         // schedule name (--schedule)
  std::array<compiler::FusionDecision, compiler::kNumFusionPoints> fusion{};  // per fusion point
  engine::Actions actions;      // sum over ops
  energy::EnergyBreakdown energy_by_unit;  // per unit, J (docs/energy.md)
  double energy_j = 0;          // total energy, J
  double edp_js = 0;            // energy-delay product: energy_j x seconds
  MemoStats memo;
};

SimResult simulate(const config::HwConfig& hw, const models::OpGraph& graph, const SimOptions& options = {});

}  // namespace coda::sim
