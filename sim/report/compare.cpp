#include "sim/report/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <filesystem>
#include <set>
#include <thread>

#include "sim/config/diagnostics.h"
#include "sim/config/hw_loader.h"
#include "sim/config/schedule_loader.h"

namespace coda::report {

namespace {

using models::Block;
using models::Category;

constexpr std::array<Category, models::kNumCategories> kCategories{Category::MatMul, Category::Softmax,
                                                                   Category::LayerNorm, Category::Gelu,
                                                                   Category::ResAdd, Category::Quant};
constexpr std::array<Block, 4> kBlocks{Block::MHA, Block::FFN, Block::Embedding, Block::Head};

struct Sweep {
  std::string key;
  std::vector<std::string> values;
  std::string origin;  // "<--sweep key=v1,v2>"
};

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

Sweep parse_sweep(const std::string& arg) {
  Sweep s;
  s.origin = "<--sweep " + arg + ">";
  const auto eq = arg.find('=');
  if (eq == std::string::npos || trim(arg.substr(0, eq)).empty())
    throw config::InputError({s.origin, 0, 0}, "", "expected KEY=V1,V2,... (e.g. accumulator.capacity_kb=64,128,256)");
  s.key = trim(arg.substr(0, eq));
  const std::string list = arg.substr(eq + 1);
  size_t pos = 0;
  while (true) {
    const auto comma = list.find(',', pos);
    const std::string v = trim(list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    if (v.empty()) throw config::InputError({s.origin, 0, 0}, s.key, "empty value in the sweep list");
    s.values.push_back(v);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return s;
}

uint64_t block_cycles(const sim::SimResult& r, Block b) {
  uint64_t c = 0;
  for (const auto& o : r.ops)
    if (o.block == b) c += o.cycles;
  return c;
}

double block_energy(const sim::SimResult& r, Block b) {
  double e = 0;
  for (const auto& o : r.ops)
    if (o.block == b) e += o.energy_j;
  return e;
}

// Percent change of `v` against the reference `ref`.
std::string delta(double v, double ref) {
  if (ref == 0) return v == 0 ? "" : " (n/a)";
  const double d = 100.0 * (v - ref) / ref;
  if (std::fabs(d) < 0.005) return " (=)";
  return fmt::format(" ({:+.2f}%)", d);
}

// An SI prefix for joules chosen once (from the reference) so a row's cells compare at a glance.
struct JouleUnit {
  double scale;
  const char* name;
};
JouleUnit joule_unit(double ref) {
  const double a = std::fabs(ref);
  if (a >= 1) return {1, "J"};
  if (a >= 1e-3) return {1e3, "mJ"};
  if (a >= 1e-6) return {1e6, "uJ"};
  return {1e9, "nJ"};
}

}  // namespace

std::vector<ComparePlan> plan_compare(const CompareSpec& spec) {
  if (spec.configs.empty()) throw config::InputError({"<compare>", 0, 0}, "", "at least one -c config is required");
  std::vector<Sweep> sweeps;
  for (const auto& s : spec.sweeps) sweeps.push_back(parse_sweep(s));
  const std::vector<std::string> schedule_args = spec.schedules.empty() ? std::vector<std::string>{"unfused"} : spec.schedules;
  std::vector<compiler::Schedule> schedules;
  for (const auto& a : schedule_args) schedules.push_back(config::load_schedule(a));

  // Configs: their names label the runs; files with the same name are told apart by their path.
  std::vector<config::HwConfig> hws;
  for (const auto& path : spec.configs) hws.push_back(config::load_hw_config(path, spec.overrides));
  std::vector<std::string> names;
  for (size_t i = 0; i < hws.size(); ++i) {
    const bool clash = std::count_if(hws.begin(), hws.end(), [&](const auto& h) { return h.name == hws[i].name; }) > 1;
    names.push_back(clash ? spec.configs[i] : hws[i].name);
  }

  // Sweep values, validated once against the first config (the key and the value's type and range).
  std::vector<std::vector<std::string>> combos{{}};
  for (const auto& s : sweeps) {
    for (const auto& v : s.values) {
      config::HwConfig probe = hws.front();
      config::set_param(probe, s.key, v, s.origin);
    }
    std::vector<std::vector<std::string>> next;
    for (const auto& c : combos)
      for (const auto& v : s.values) {
        auto n = c;
        n.push_back(s.key + "=" + v);
        next.push_back(std::move(n));
      }
    combos = std::move(next);
  }

  std::vector<ComparePlan> plans;
  for (size_t ci = 0; ci < hws.size(); ++ci) {
    for (size_t si = 0; si < schedules.size(); ++si) {
      for (const auto& combo : combos) {
        ComparePlan p;
        p.config_file = spec.configs[ci];
        p.hw = hws[ci];
        for (size_t k = 0; k < combo.size(); ++k) {
          const auto eq = combo[k].find('=');
          config::set_param(p.hw, combo[k].substr(0, eq), combo[k].substr(eq + 1), sweeps[k].origin);
        }
        const bool ws = spec.dataflow == isa::Dataflow::WS;
        if ((p.hw.mesh.dataflow == config::Dataflow::WS && !ws) || (p.hw.mesh.dataflow == config::Dataflow::OS && ws))
          throw config::InputError({p.config_file, 0, 0}, "mesh.dataflow",
                                   std::string("the config does not enable the ") + (ws ? "ws" : "os") +
                                       " dataflow requested by --dataflow");
        p.schedule_name = schedule_args[si];
        p.schedule = schedules[si];
        p.sweep = combo;
        p.overrides = spec.overrides;
        p.overrides.insert(p.overrides.end(), combo.begin(), combo.end());
        std::vector<std::string> parts;
        if (hws.size() > 1 || (schedules.size() == 1 && combos.size() == 1)) parts.push_back(names[ci]);
        if (schedules.size() > 1) parts.push_back(schedule_args[si]);
        for (size_t k = 0; k < combo.size(); ++k)
          if (sweeps[k].values.size() > 1) parts.push_back(combo[k]);
        if (parts.empty()) parts.push_back(names[ci]);
        p.label = fmt::format("{}", fmt::join(parts, " "));
        plans.push_back(std::move(p));
      }
    }
  }
  // Identical labels (the same config given twice) get a run number.
  for (size_t i = 0; i < plans.size(); ++i) {
    size_t n = 0;
    for (size_t k = 0; k < plans.size(); ++k) n += plans[k].label == plans[i].label;
    if (n > 1) {
      const std::string base = plans[i].label;
      for (size_t k = i, idx = 1; k < plans.size(); ++k)
        if (plans[k].label == base) plans[k].label = fmt::format("{} #{}", base, idx++);
    }
  }
  return plans;
}

std::vector<CompareRun> run_compare(const models::OpGraph& graph, const std::vector<ComparePlan>& plans,
                                    const CompareSpec& spec, unsigned jobs) {
  std::vector<CompareRun> runs(plans.size());
  std::vector<std::exception_ptr> errors(plans.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < plans.size();) {
      try {
        sim::SimOptions opt;
        opt.lowering.tiling = spec.tiling;
        opt.lowering.dataflow = spec.dataflow;
        opt.lowering.schedule = plans[i].schedule;
        runs[i].plan = plans[i];
        runs[i].result = sim::simulate(plans[i].hw, graph, opt);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
  const size_t n = std::min<size_t>(jobs, plans.size());
  if (n <= 1) {
    worker();
  } else {
    std::vector<std::jthread> pool;
    for (size_t t = 0; t < n; ++t) pool.emplace_back(worker);
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  return runs;
}

std::string format_compare_text(const std::string& workload, const std::vector<CompareRun>& runs) {
  std::string s;
  if (runs.empty()) return s;
  const auto& ref = runs.front().result;
  s += fmt::format("coda compare: {} ({} run{}; deltas against the first)\n\n", workload, runs.size(),
                   runs.size() == 1 ? "" : "s");
  // Columns are headed by the labels, or by [1], [2], ... with a legend when a label is long.
  constexpr size_t kLongLabel = 24;
  const bool legend = std::any_of(runs.begin(), runs.end(), [](const CompareRun& r) { return r.plan.label.size() > kLongLabel; });
  std::vector<std::string> heads;
  for (size_t i = 0; i < runs.size(); ++i) heads.push_back(legend ? fmt::format("[{}]", i + 1) : runs[i].plan.label);
  if (legend) {
    s += "  runs\n";
    for (size_t i = 0; i < runs.size(); ++i) s += fmt::format("    {:<5} {}\n", heads[i], runs[i].plan.label);
    s += "\n";
  }
  size_t width = 20;
  for (const auto& h : heads) width = std::max(width, h.size() + 2);
  constexpr size_t kName = 22;
  auto header = [&](const std::string& title) {
    s += fmt::format("  {:<{}}", title, kName);
    for (const auto& h : heads) s += fmt::format(" {:>{}}", h, width);
    s += "\n";
  };
  // A row: `text(i)` formats run i's value, `value(i)` gives the number the delta compares.
  auto row = [&](const std::string& name, auto text, auto value) {
    s += fmt::format("    {:<{}}", name, kName - 2);
    for (size_t i = 0; i < runs.size(); ++i) {
      std::string cell = text(i);
      if (i > 0) cell += delta(value(i), value(0));
      s += fmt::format(" {:>{}}", cell, width);
    }
    s += "\n";
  };
  const JouleUnit ju = joule_unit(ref.energy_j);
  header("");
  row("total cycles", [&](size_t i) { return fmt::format("{}", runs[i].result.total_cycles); },
      [&](size_t i) { return double(runs[i].result.total_cycles); });
  row("time (ms)", [&](size_t i) { return fmt::format("{:.4f}", runs[i].result.seconds * 1e3); },
      [&](size_t i) { return runs[i].result.seconds; });
  row(fmt::format("energy ({})", ju.name), [&](size_t i) { return fmt::format("{:.4f}", runs[i].result.energy_j * ju.scale); },
      [&](size_t i) { return runs[i].result.energy_j; });
  row("EDP (J*s)", [&](size_t i) { return fmt::format("{:.4e}", runs[i].result.edp_js); },
      [&](size_t i) { return runs[i].result.edp_js; });
  row("mesh utilization", [&](size_t i) { return fmt::format("{:.4f}", runs[i].result.mesh_utilization); },
      [&](size_t i) { return runs[i].result.mesh_utilization; });

  auto any_nonzero = [&](auto value) {
    return std::any_of(runs.begin(), runs.end(), [&](const CompareRun& r) { return value(r.result) != 0; });
  };
  s += "\n";
  header("cycles by block");
  for (Block b : kBlocks) {
    if (b != Block::MHA && b != Block::FFN && !any_nonzero([&](const sim::SimResult& r) { return block_cycles(r, b); }))
      continue;
    row(std::string(models::block_name(b)), [&](size_t i) { return fmt::format("{}", block_cycles(runs[i].result, b)); },
        [&](size_t i) { return double(block_cycles(runs[i].result, b)); });
  }
  s += "\n";
  header("cycles by category");
  for (Category c : kCategories)
    row(std::string(models::category_name(c)),
        [&](size_t i) { return fmt::format("{}", runs[i].result.breakdown_cycles[size_t(c)]); },
        [&](size_t i) { return double(runs[i].result.breakdown_cycles[size_t(c)]); });
  s += "\n";
  header(fmt::format("energy by block ({})", ju.name));
  for (Block b : kBlocks) {
    if (b != Block::MHA && b != Block::FFN && !any_nonzero([&](const sim::SimResult& r) { return block_energy(r, b); }))
      continue;
    row(std::string(models::block_name(b)),
        [&](size_t i) { return fmt::format("{:.4f}", block_energy(runs[i].result, b) * ju.scale); },
        [&](size_t i) { return block_energy(runs[i].result, b); });
  }
  s += "\n";
  header(fmt::format("energy by unit ({})", ju.name));
  for (energy::Unit u : energy::kUnits) {
    if (!any_nonzero([&](const sim::SimResult& r) { return r.energy_by_unit[u]; })) continue;
    row(std::string(energy::unit_name(u)), [&](size_t i) { return fmt::format("{:.4f}", runs[i].result.energy_by_unit[u] * ju.scale); },
        [&](size_t i) { return runs[i].result.energy_by_unit[u]; });
  }
  return s;
}

nlohmann::ordered_json compare_to_json(const std::string& workload, const std::vector<CompareRun>& runs) {
  nlohmann::ordered_json j;
  j["schema"] = "coda.compare/1";
  j["workload"] = workload;
  j["reference"] = runs.empty() ? "" : runs.front().plan.label;
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const auto& run : runs) {
    const auto& r = run.result;
    const auto& ref = runs.front().result;
    nlohmann::ordered_json e;
    e["label"] = run.plan.label;
    e["config"] = run.plan.hw.name;
    e["config_file"] = run.plan.config_file;
    e["schedule"] = run.plan.schedule_name;
    e["overrides"] = run.plan.overrides;
    e["total_cycles"] = r.total_cycles;
    e["seconds"] = r.seconds;
    e["energy_j"] = r.energy_j;
    e["edp_js"] = r.edp_js;
    e["mesh_utilization"] = r.mesh_utilization;
    nlohmann::ordered_json blocks, block_energy_j;
    for (Block b : kBlocks) {
      blocks[std::string(models::block_name(b))] = block_cycles(r, b);
      block_energy_j[std::string(models::block_name(b))] = block_energy(r, b);
    }
    e["blocks"] = std::move(blocks);
    e["blocks_energy_j"] = std::move(block_energy_j);
    nlohmann::ordered_json cats;
    for (Category c : kCategories) cats[std::string(models::category_name(c))] = r.breakdown_cycles[size_t(c)];
    e["breakdown_cycles"] = std::move(cats);
    nlohmann::ordered_json units;
    for (energy::Unit u : energy::kUnits) units[std::string(energy::unit_name(u))] = r.energy_by_unit[u];
    e["energy_breakdown_j"] = std::move(units);
    auto pct = [](double v, double base) -> nlohmann::ordered_json {
      if (base == 0) return nullptr;
      return 100.0 * (v - base) / base;
    };
    e["delta_pct"] = {{"total_cycles", pct(double(r.total_cycles), double(ref.total_cycles))},
                      {"energy_j", pct(r.energy_j, ref.energy_j)},
                      {"edp_js", pct(r.edp_js, ref.edp_js)}};
    arr.push_back(std::move(e));
  }
  j["runs"] = std::move(arr);
  return j;
}

std::string compare_to_csv(const std::vector<CompareRun>& runs) {
  std::string s = "label,config,schedule,overrides,total_cycles,seconds,energy_j,edp_js,mesh_utilization";
  for (Block b : kBlocks) s += fmt::format(",{}_cycles", models::block_name(b));
  for (Category c : kCategories) s += fmt::format(",{}_cycles", models::category_name(c));
  s += "\n";
  auto quote = [](const std::string& v) {
    if (v.find_first_of(",\"") == std::string::npos) return v;
    std::string q = "\"";
    for (char ch : v) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return q + "\"";
  };
  for (const auto& run : runs) {
    const auto& r = run.result;
    s += fmt::format("{},{},{},{},{},{:.9g},{:.9g},{:.9g},{:.6f}", quote(run.plan.label), quote(run.plan.hw.name),
                     quote(run.plan.schedule_name), quote(fmt::format("{}", fmt::join(run.plan.sweep, ";"))),
                     r.total_cycles, r.seconds, r.energy_j, r.edp_js, r.mesh_utilization);
    for (Block b : kBlocks) s += fmt::format(",{}", block_cycles(r, b));
    for (Category c : kCategories) s += fmt::format(",{}", r.breakdown_cycles[size_t(c)]);
    s += "\n";
  }
  return s;
}

}  // namespace coda::report
