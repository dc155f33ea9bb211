// `coda compare`: the same workload on several hardware configs, schedules and swept config values, run
// side by side. The runs are the cross product configs x schedules x sweep values; the first run is the
// reference for the deltas. JSON schema: docs/compare-json.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/op_graph.h"
#include "sim/compiler/schedule.h"
#include "sim/config/hw_config.h"
#include "sim/simulator.h"

namespace coda::report {

struct CompareSpec {
  std::vector<std::string> configs;    // hardware config files (-c, repeatable; at least one)
  std::vector<std::string> schedules;  // --schedules (empty: "unfused")
  std::vector<std::string> overrides;  // -p key=value, applied to every run
  std::vector<std::string> sweeps;     // --sweep key=v1,v2,... (repeatable: cross product)
  std::string tiling = "gemmini-auto";
  isa::Dataflow dataflow = isa::Dataflow::WS;
};

// One planned run: its resolved config and schedule and what distinguishes it.
struct ComparePlan {
  std::string label;                   // what differs from the other runs ("gemmini-ibert fused accumulator.capacity_kb=128")
  std::string config_file;
  config::HwConfig hw;
  std::string schedule_name;           // as given to --schedules
  compiler::Schedule schedule;
  std::vector<std::string> sweep;      // "key=value" of this run's swept values
  std::vector<std::string> overrides;  // every override of the run: the -p ones, then the swept values
};

struct CompareRun {
  ComparePlan plan;
  sim::SimResult result;
};

// Resolves every run (configs, overrides, sweep values, schedules). Throws config::InputError, located, for
// a bad config, a malformed --sweep, an unknown key, a bad value or an unknown schedule.
std::vector<ComparePlan> plan_compare(const CompareSpec& spec);

// Simulates every plan on `graph`, `jobs` at a time (0: one per hardware thread). Results are in plan order
// and identical for any `jobs` (each run is independent; sim::simulate keeps no shared state).
std::vector<CompareRun> run_compare(const models::OpGraph& graph, const std::vector<ComparePlan>& plans,
                                    const CompareSpec& spec, unsigned jobs);

// Side-by-side tables: totals, cycles per block, per category, energy per unit; deltas vs the first run in %.
std::string format_compare_text(const std::string& workload, const std::vector<CompareRun>& runs);
// JSON (schema "coda.compare/1", docs/compare-json.md).
nlohmann::ordered_json compare_to_json(const std::string& workload, const std::vector<CompareRun>& runs);
// One CSV line per run.
std::string compare_to_csv(const std::vector<CompareRun>& runs);

}  // namespace coda::report
