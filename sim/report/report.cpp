#include "sim/report/report.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "sim/config/hw_loader.h"
#include "sim/isa/command.h"

namespace coda::report {

using models::Category;

namespace {
constexpr std::array<Category, models::kNumCategories> kCategories{Category::MatMul, Category::Softmax,
                                                                   Category::LayerNorm, Category::Gelu,
                                                                   Category::ResAdd, Category::Quant};

double pct(uint64_t part, uint64_t whole) { return whole ? 100.0 * double(part) / double(whole) : 0.0; }

std::string human(uint64_t v) {
  if (v >= 10'000'000'000ull) return fmt::format("{:.2f}G", double(v) / 1e9);
  if (v >= 10'000'000ull) return fmt::format("{:.2f}M", double(v) / 1e6);
  if (v >= 100'000ull) return fmt::format("{:.1f}k", double(v) / 1e3);
  return fmt::format("{}", v);
}

// Joules with an SI prefix: "12.345 mJ".
std::string joules(double j) {
  const double a = j < 0 ? -j : j;
  if (a == 0) return "0 J";
  if (a >= 1) return fmt::format("{:.4f} J", j);
  if (a >= 1e-3) return fmt::format("{:.4f} mJ", j * 1e3);
  if (a >= 1e-6) return fmt::format("{:.4f} uJ", j * 1e6);
  if (a >= 1e-9) return fmt::format("{:.4f} nJ", j * 1e9);
  return fmt::format("{:.4f} pJ", j * 1e12);
}

nlohmann::ordered_json energy_json(const energy::EnergyBreakdown& e) {
  nlohmann::ordered_json b = nlohmann::ordered_json::object();
  for (energy::Unit u : energy::kUnits) b[std::string(energy::unit_name(u))] = e[u];
  return b;
}

uint64_t sum(const std::vector<uint64_t>& v) {
  uint64_t s = 0;
  for (auto x : v) s += x;
  return s;
}
}  // namespace

std::string format_text(const config::HwConfig& hw, const sim::SimResult& r, size_t max_op_rows) {
  std::string s;
  s += fmt::format("coda sim: {} on {} ({}x{} {}, {} KiB scratchpad, {} KiB accumulator, {} GHz)\n\n", r.workload,
                   hw.name, hw.mesh.rows, hw.mesh.cols, r.dataflow, hw.scratchpad.capacity_kb, hw.accumulator.capacity_kb,
                   hw.clock_ghz);
  s += fmt::format("  total cycles        {:>16}\n", r.total_cycles);
  s += fmt::format("  time                {:>16.6f} ms\n", r.seconds * 1e3);
  s += fmt::format("  MACs                {:>16}\n", r.total_macs);
  s += fmt::format("  mesh utilization    {:>16.4f}\n", r.mesh_utilization);
  s += fmt::format("  tiling              {:>16}\n", r.tiling);
  s += fmt::format("  schedule            {:>16}\n", r.schedule);
  for (int i = 0; i < compiler::kNumFusionPoints; ++i) {
    const auto& d = r.fusion[size_t(i)];
    if (!d.requested && !d.applied && d.reason.empty()) continue;
    s += fmt::format("    {:<20} {:<8}{}\n", compiler::fusion_point_name(static_cast<compiler::FusionPoint>(i)),
                     d.applied ? "fused" : "unfused",
                     d.reason.empty() ? "" : fmt::format(" ({}{})", d.requested && !d.applied ? "fusion not possible: " : "", d.reason));
  }
  s += "\n";
  s += fmt::format("  energy              {:>16}\n", joules(r.energy_j));
  s += fmt::format("  average power       {:>16.4f} W\n", r.seconds > 0 ? r.energy_j / r.seconds : 0.0);
  s += fmt::format("  EDP                 {:>16.4e} J*s\n\n", r.edp_js);

  s += "  breakdown by category\n";
  for (Category c : kCategories) {
    const uint64_t v = r.breakdown_cycles[size_t(c)];
    s += fmt::format("    {:<12} {:>16} {:>7.2f}%\n", models::category_name(c), v, pct(v, r.total_cycles));
  }
  s += "\n  energy by unit\n";
  for (energy::Unit u : energy::kUnits) {
    const double j = r.energy_by_unit[u];
    s += fmt::format("    {:<12} {:>16} {:>7.2f}%\n", energy::unit_name(u), joules(j),
                     r.energy_j > 0 ? 100.0 * j / r.energy_j : 0.0);
  }
  s += "\n";

  const size_t n = std::min(max_op_rows, r.ops.size());
  s += fmt::format("  ops ({} of {}; --json has all)\n", n, r.ops.size());
  s += fmt::format("    {:<18} {:<10} {:<12} {:>12} {:>12} {:>12} {:>7} {:>14}\n", "op", "kind", "placement", "start",
                   "end", "cycles", "share", "energy");
  for (size_t i = 0; i < n; ++i) {
    const auto& o = r.ops[i];
    s += fmt::format("    {:<18} {:<10} {:<12} {:>12} {:>12} {:>12} {:>6.2f}% {:>14}\n", o.name,
                     models::op_kind_name(o.kind), o.placement, o.start, o.end, o.cycles, pct(o.cycles, r.total_cycles),
                     joules(o.energy_j));
  }
  s += "\n  counters\n";
  const auto& c = r.counters;
  auto row = [&](const char* name, uint64_t v) { s += fmt::format("    {:<30} {:>16}\n", name, human(v)); };
  row("commands", c.commands);
  row("reservation-station full", c.rs_full_cycles);
  row("mesh busy cycles", c.mesh_busy_cycles);
  row("preload hazard cycles", c.preload_hazard_cycles);
  row("dma read requests", c.dma_read_requests);
  row("dma write requests", c.dma_write_requests);
  row("dma in-flight wait cycles", c.dma_wait_cycles);
  row("dram bytes read", c.dram_bytes_read);
  row("dram bytes written", c.dram_bytes_written);
  row("dram busy cycles", c.dram_busy_cycles);
  row("scratchpad row reads", sum(c.sp_reads));
  row("scratchpad row writes", sum(c.sp_writes));
  row("accumulator row reads", sum(c.acc_reads));
  row("accumulator row writes", sum(c.acc_writes));
  row("host cycles", c.host_cycles);
  row("normalizer busy cycles", c.normalizer_busy_cycles);
  row("activation busy cycles", c.activation_busy_cycles);
  if (r.verify.ran) {
    s += fmt::format("\n  verify: {} ops, {} elements, {} mismatches{}\n", r.verify.ops_checked, r.verify.elements_checked,
                     r.verify.mismatches, r.verify.mismatches ? " (first: " + r.verify.first_mismatch + ")" : "");
  }
  return s;
}

nlohmann::ordered_json to_json(const config::HwConfig& hw, const sim::SimResult& r) {
  nlohmann::ordered_json j;
  j["schema"] = "coda.sim/1";
  j["workload"] = r.workload;
  j["total_cycles"] = r.total_cycles;
  j["seconds"] = r.seconds;
  j["mesh_utilization"] = r.mesh_utilization;
  j["total_macs"] = r.total_macs;
  j["tiling"] = r.tiling;
  j["dataflow"] = r.dataflow;
  {
    nlohmann::ordered_json sch;
    sch["name"] = r.schedule;
    nlohmann::ordered_json points;
    for (int i = 0; i < compiler::kNumFusionPoints; ++i) {
      const auto& d = r.fusion[size_t(i)];
      points[std::string(compiler::fusion_point_name(static_cast<compiler::FusionPoint>(i)))] =
          nlohmann::ordered_json{{"requested", d.requested}, {"applied", d.applied}, {"reason", d.reason}};
    }
    sch["fusion"] = points;
    j["schedule"] = sch;
  }
  j["energy_j"] = r.energy_j;
  j["edp_js"] = r.edp_js;
  j["energy_breakdown_j"] = energy_json(r.energy_by_unit);
  const auto& a = r.actions;
  j["actions"] = {{"macs", a.macs},
                  {"scratchpad_bytes_read", a.sp_bytes_read},
                  {"scratchpad_bytes_written", a.sp_bytes_written},
                  {"accumulator_bytes_read", a.acc_bytes_read},
                  {"accumulator_bytes_written", a.acc_bytes_written},
                  {"dram_bytes_read", a.dram_bytes_read},
                  {"dram_bytes_written", a.dram_bytes_written},
                  {"dma_bytes", a.dma_bytes},
                  {"normalizer_ops", a.normalizer_ops},
                  {"activation_ops", a.activation_ops},
                  {"host_ops", a.host_ops}};
  nlohmann::ordered_json b = nlohmann::ordered_json::object();
  for (Category c : kCategories) b[std::string(models::category_name(c))] = r.breakdown_cycles[size_t(c)];
  j["breakdown_cycles"] = b;
  nlohmann::ordered_json ops = nlohmann::ordered_json::array();
  for (const auto& o : r.ops) {
    nlohmann::ordered_json e;
    e["name"] = o.name;
    e["kind"] = models::op_kind_name(o.kind);
    e["category"] = models::category_name(o.category);
    e["layer"] = o.layer;
    e["block"] = models::block_name(o.block);
    e["placement"] = o.placement;
    e["start"] = o.start;
    e["end"] = o.end;
    e["cycles"] = o.cycles;
    e["macs"] = o.macs;
    e["commands"] = o.commands;
    e["energy_j"] = o.energy_j;
    e["energy_breakdown_j"] = energy_json(o.energy_by_unit);
    ops.push_back(std::move(e));
  }
  j["ops"] = std::move(ops);
  const auto& c = r.counters;
  nlohmann::ordered_json k;
  k["commands"] = c.commands;
  k["rs_full_cycles"] = c.rs_full_cycles;
  k["rs_full_cycles_by_type"] = {{"load", c.rs_full_cycles_by_type[0]},
                                 {"execute", c.rs_full_cycles_by_type[1]},
                                 {"store", c.rs_full_cycles_by_type[2]}};
  k["controller_dep_wait_cycles"] = {{"load", c.dep_wait_cycles[0]},
                                     {"execute", c.dep_wait_cycles[1]},
                                     {"store", c.dep_wait_cycles[2]}};
  k["controller_busy_cycles"] = {{"load", c.busy_cycles[0]}, {"execute", c.busy_cycles[1]}, {"store", c.busy_cycles[2]}};
  nlohmann::ordered_json by_op = nlohmann::ordered_json::object();
  for (size_t o = 0; o <= static_cast<size_t>(isa::Opcode::HostOp); ++o)
    if (c.commands_by_opcode[o]) by_op[isa::opcode_name(static_cast<isa::Opcode>(o))] = c.commands_by_opcode[o];
  k["commands_by_opcode"] = std::move(by_op);
  k["mesh_busy_cycles"] = c.mesh_busy_cycles;
  k["preload_hazard_cycles"] = c.preload_hazard_cycles;
  k["macs_executed"] = c.macs;
  k["dma_read_requests"] = c.dma_read_requests;
  k["dma_write_requests"] = c.dma_write_requests;
  k["dma_wait_cycles"] = c.dma_wait_cycles;
  k["dram_bytes_read"] = c.dram_bytes_read;
  k["dram_bytes_written"] = c.dram_bytes_written;
  k["dram_busy_cycles"] = c.dram_busy_cycles;
  k["scratchpad_reads_per_bank"] = c.sp_reads;
  k["scratchpad_writes_per_bank"] = c.sp_writes;
  k["accumulator_reads_per_bank"] = c.acc_reads;
  k["accumulator_writes_per_bank"] = c.acc_writes;
  k["scratchpad_bank_conflict_cycles"] = c.sp_bank_conflict_cycles;
  k["accumulator_bank_conflict_cycles"] = c.acc_bank_conflict_cycles;
  k["host_cycles"] = c.host_cycles;
  k["normalizer_ops"] = c.normalizer_ops;
  k["activation_ops"] = c.activation_ops;
  k["normalizer_busy_cycles"] = c.normalizer_busy_cycles;
  k["activation_busy_cycles"] = c.activation_busy_cycles;
  j["counters"] = std::move(k);
  if (r.verify.ran) {
    j["verify"] = {{"ops_checked", r.verify.ops_checked},
                   {"elements_checked", r.verify.elements_checked},
                   {"mismatches", r.verify.mismatches},
                   {"first_mismatch", r.verify.first_mismatch}};
  }
  j["config"] = config::to_json(hw);
  return j;
}

std::string to_csv(const sim::SimResult& r) {
  std::string s = "name,kind,category,layer,block,placement,start,end,cycles,macs,commands,energy_j\n";
  for (const auto& o : r.ops)
    s += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{:.9g}\n", o.name, models::op_kind_name(o.kind),
                     models::category_name(o.category), o.layer, models::block_name(o.block), o.placement, o.start, o.end,
                     o.cycles, o.macs, o.commands, o.energy_j);
  return s;
}

nlohmann::ordered_json to_trace(const config::HwConfig& hw, const sim::SimResult& r) {
  // Trace-event format: timestamps in microseconds of simulated time; one thread (track) per unit.
  const double us_per_cycle = 1e-3 / hw.clock_ghz;
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  for (int u = 0; u < engine::kNumUnits; ++u) {
    events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", u},
                      {"args", {{"name", engine::unit_name(static_cast<engine::Unit>(u))}}}});
  }
  events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", 1}, {"args", {{"name", "coda " + hw.name}}}});
  for (const auto& o : r.ops) {
    for (int u = 0; u < engine::kNumUnits; ++u) {
      if (!o.unit_used[size_t(u)]) continue;
      const uint64_t s = o.unit_start[size_t(u)], e = o.unit_end[size_t(u)];
      events.push_back({{"name", o.name},
                        {"cat", std::string(models::category_name(o.category))},
                        {"ph", "X"},
                        {"pid", 1},
                        {"tid", u},
                        {"ts", double(s) * us_per_cycle},
                        {"dur", double(e - s) * us_per_cycle},
                        {"args", {{"start_cycle", s}, {"end_cycle", e}, {"layer", o.layer}}}});
    }
  }
  nlohmann::ordered_json j;
  j["traceEvents"] = std::move(events);
  j["displayTimeUnit"] = "ns";
  return j;
}

void write_file_atomic(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path tmp = target.parent_path() / (target.filename().string() + ".tmp");
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error(fmt::format("cannot write {}: {}", tmp.string(), std::strerror(errno)));
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    f.flush();
    if (!f) throw std::runtime_error(fmt::format("cannot write {}: {}", tmp.string(), std::strerror(errno)));
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot rename {} to {}: {}", tmp.string(), path, ec.message()));
}

}  // namespace coda::report
