// `coda lut`: build, check and export the lookup-table cost model of a search space (nas/lut, docs/nas.md).
#include <fmt/core.h>
#include <fmt/ranges.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/progress.h"
#include "nas/lut/lut.h"
#include "nas/lut/store.h"
#include "nas/space.h"
#include "sim/config/diagnostics.h"
#include "sim/config/hw_loader.h"
#include "sim/config/schedule_loader.h"

namespace coda::cli {

namespace {

struct LutArgs {
  std::string config, space, db, schedule, csv;
  std::vector<std::string> overrides;
  unsigned jobs = 0;
  std::size_t samples = 10;
  uint64_t seed = 1;
  double max_error = -1;
};

struct Resolved {
  nas::SearchSpace space;
  config::HwConfig hw;
  std::vector<nas::lut::LutContext> contexts;
};

Resolved resolve(const LutArgs& a) {
  nas::SearchSpace space = nas::SearchSpace::load(a.space);
  const std::string hw_path = a.config.empty() ? space.hw_config_path() : a.config;
  if (hw_path.empty())
    throw config::InputError({a.space, 0, 0}, "hw_config", "no hardware config: give -c HW.yaml or hw_config: in the space");
  config::HwConfig hw = config::load_hw_config(hw_path, a.overrides);
  compiler::LoweringOptions lowering;
  lowering.schedule = config::load_schedule(a.schedule.empty() ? space.schedule() : a.schedule);
  auto contexts = nas::lut::space_contexts(space, hw, lowering);
  return {std::move(space), std::move(hw), std::move(contexts)};
}

std::string db_path(const LutArgs& a) { return a.db.empty() ? nas::lut::Store::default_path() : a.db; }

// The progress line on stderr (rewritten in place; a newline when done).
std::function<void(const nas::lut::BuildProgress&)> progress_line(const char* what, const char* unit) {
  auto line = std::make_shared<ProgressLine>(what, unit);
  return [line](const nas::lut::BuildProgress& p) { line->update(p.done, p.total, p.elapsed_s); };
}

void add_common(CLI::App* sub, LutArgs& a) {
  sub->add_option("-c,--config", a.config, "Hardware config YAML (default: the space's hw_config)");
  sub->add_option("-s,--space", a.space, "Search space YAML (e.g. configs/nas/bert6-space.yaml)")->required();
  add_override_option(*sub, a.overrides);
  sub->add_option("--db", a.db, "LUT database (default: $CODA_LUT_DB, else ~/.cache/coda/lut.sqlite)");
  sub->add_option("-j,--jobs", a.jobs, "Worker threads (default: all cores)");
  sub->add_option("--schedule", a.schedule, "Fusion schedule (default: the space's schedule, else unfused)");
}

nas::lut::BuildStats run_build(const LutArgs& a, const Resolved& r, nas::lut::Store& store) {
  nas::lut::BuildOptions bo;
  bo.jobs = a.jobs;
  bo.progress = progress_line("lut build", "probes");
  const auto st = nas::lut::build(r.space, r.contexts, store, bo);
  fmt::print("lut build: space {} on {} ({} hardware point{}): {} probes, {} entries added, {} entries used by the "
             "space, {:.1f} s; database {}\n",
             r.space.name(), r.hw.name, st.contexts, st.contexts == 1 ? "" : "s", st.probes, st.entries_added,
             st.entries_total, st.seconds, store.path());
  return st;
}

}  // namespace

void add_lut_command(CLI::App& app, Action& action) {
  CLI::App* lut = app.add_subcommand("lut", "Lookup-table cost model: build, check, export (docs/nas.md)");
  lut->require_subcommand(1);

  auto b = std::make_shared<LutArgs>();
  CLI::App* build = lut->add_subcommand("build", "Measure every op a search space can produce on each hardware point");
  add_common(build, *b);
  build->callback([b, &action] {
    action = [b]() -> int {
      const Resolved r = resolve(*b);
      nas::lut::Store store(db_path(*b));
      run_build(*b, r, store);
      return 0;
    };
  });

  auto c = std::make_shared<LutArgs>();
  CLI::App* check = lut->add_subcommand("check", "Simulate random candidates whole and report the LUT's error");
  add_common(check, *c);
  check->add_option("--samples", c->samples, "Random candidates to simulate")->capture_default_str();
  check->add_option("--seed", c->seed, "Seed of the candidate draw")->capture_default_str();
  check->add_option("--max-error", c->max_error,
                    "Exit with status 1 when the largest |error| of total latency or energy exceeds PCT percent")
      ->type_name("PCT");
  check->callback([c, &action] {
    action = [c]() -> int {
      const Resolved r = resolve(*c);
      nas::lut::Store store(db_path(*c));
      run_build(*c, r, store);  // entries the check needs that are missing
      nas::lut::CheckOptions co;
      co.samples = c->samples;
      co.seed = c->seed;
      co.jobs = c->jobs;
      co.progress = progress_line("lut check", "candidates simulated");
      const auto rep = nas::lut::check(r.space, r.contexts, store, co);
      fmt::print("\n{:>3}  {:>6} {:>6}  {:<28} {:<40} {:>14} {:>14} {:>7}  {:>12} {:>12} {:>7}\n", "#", "layers",
                 "hidden", "heads", "ffn", "LUT cycles", "engine cycles", "err %", "LUT energy", "engine energy",
                 "err %");
      for (std::size_t i = 0; i < rep.samples.size(); ++i) {
        const auto& s = rep.samples[i];
        std::string arch_hw;
        for (const auto& [k, v] : s.arch.hardware) arch_hw += fmt::format(" {}={}", k, v);
        fmt::print("{:>3}  {:>6} {:>6}  {:<28} {:<40} {:>14.0f} {:>14.0f} {:>+7.3f}  {:>10.4f}mJ {:>10.4f}mJ {:>+7.3f}{}\n",
                   i, s.arch.layers, s.arch.hidden, fmt::format("{}", fmt::join(s.arch.heads, ",")),
                   fmt::format("{}", fmt::join(s.arch.ffn, ",")), s.lut.cycles, s.engine.cycles,
                   (s.lut.cycles - s.engine.cycles) / s.engine.cycles * 100, s.lut.energy_j * 1e3,
                   s.engine.energy_j * 1e3, (s.lut.energy_j - s.engine.energy_j) / s.engine.energy_j * 100, arch_hw);
      }
      fmt::print("\nLUT vs engine, |error| in % over {} candidates (seed {}):\n", rep.samples.size(), c->seed);
      fmt::print("  {:<8} {:<6} {:>9} {:>9}\n", "metric", "block", "mean", "max");
      const char* metrics[] = {"latency", "energy"};
      const char* blocks[] = {"total", "mha", "ffn"};
      for (int m = 0; m < 2; ++m)
        for (int bl = 0; bl < 3; ++bl)
          fmt::print("  {:<8} {:<6} {:>9.4f} {:>9.4f}\n", metrics[m], blocks[bl], rep.errors[m][bl].mean_abs_pct,
                     rep.errors[m][bl].max_abs_pct);
      const double worst = std::max(rep.errors[0][0].max_abs_pct, rep.errors[1][0].max_abs_pct);
      if (c->max_error >= 0 && worst > c->max_error) {
        fmt::print(stderr, "lut check: largest |error| {:.4f}% exceeds --max-error {}%\n", worst, c->max_error);
        return 1;
      }
      return 0;
    };
  });

  auto e = std::make_shared<LutArgs>();
  CLI::App* exp = lut->add_subcommand("export", "Write every LUT entry as CSV");
  exp->add_option("--csv", e->csv, "Output CSV file")->required();
  exp->add_option("--db", e->db, "LUT database (default: $CODA_LUT_DB, else ~/.cache/coda/lut.sqlite)");
  exp->callback([e, &action] {
    action = [e]() -> int {
      nas::lut::Store store(db_path(*e));
      store.export_csv(e->csv);
      fmt::print("lut export: {} entries from {} to {}\n", store.count(), store.path(), e->csv);
      return 0;
    };
  });
}

}  // namespace coda::cli
