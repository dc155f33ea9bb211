// `coda nas`: evolutionary search over a space's genomes, minimising EDP and perplexity (or latency/energy).
#include <fmt/core.h>
#include <signal.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "cli/commands.h"
#include "cli/progress.h"
#include "nas/distributed.h"
#include "nas/quality.h"
#include "nas/quality_supernet.h"
#include "nas/search.h"
#include "nas/space_problem.h"
#include "nas/strategy.h"
#include "nas/toy_problem.h"
#include "sim/config/diagnostics.h"
#include "sim/config/supernet_loader.h"
#include "sim/report/plot.h"
#include "sim/report/report.h"

namespace coda::cli {

namespace {

struct NasArgs {
  std::string config, space, schedule, db, lm_data, out = "nas-out", strategy = "nsga2", objectives = "edp,perplexity";
  std::vector<std::string> quality, overrides;
  std::uint64_t seed = 1;
  unsigned jobs = 1;
  bool resume = false, toy = false, no_plot = false;
  std::size_t population = 40, generations = 40, stop_after = 0, kill_after = 0;
  double mutation = 0.2;
  double max_latency = std::numeric_limits<double>::infinity(), max_perplexity = max_latency, max_energy = max_latency;
};

// =====================================================================================================
// The problem a space YAML defines on a hardware config (nas/space_problem: LUT cost, engine re-simulation),
// or the hidden --toy test problem. Everything else in this file (and the whole search library) only sees the
// returned functions.
struct NasProblem {
  nas::SearchProblem problem;  // domains, LUT cost (thread-safe), describe, baseline (largest architecture)
  std::function<nas::Cost(const nas::Genome&)> full_cost;  // whole candidate on the engine (final report); may be empty
  std::vector<std::pair<std::string, std::string>> resolved_files;  // name -> content, written to the output dir
  nlohmann::json identity;  // what makes two runs the same problem (a resume with another identity is refused)
  std::vector<std::string> default_quality;  // the space's `quality:` (used when --quality is not given)
  int64_t valid_windows = 32;                // the space's evaluation.valid_windows (supernet evaluator)
};

// The space's `quality: KIND:ARG` (a checkpoint or file path relative to the space file) and, for a space that
// also describes a supernet (`supernet:`), its evaluation subset.
void space_quality(const nas::SearchSpace& space, NasProblem& p) {
  if (space.has_section("quality")) {
    const YAML::Node& q = space.section("quality");
    if (!q.IsScalar())
      throw config::InputError(space.location_of("quality"), "quality", "expected a string KIND:ARG, e.g. supernet:ckpt.bin");
    std::string spec = q.as<std::string>();
    const auto colon = spec.find(':');
    if (colon != std::string::npos && colon + 1 < spec.size() && spec.compare(0, 8, "command:") != 0) {
      const std::filesystem::path arg = spec.substr(colon + 1);
      if (arg.is_relative())
        spec = spec.substr(0, colon + 1) + (std::filesystem::path(space.origin()).parent_path() / arg).string();
    }
    p.default_quality.push_back(spec);
  }
  if (space.has_section("supernet")) p.valid_windows = config::load_supernet_space(space.origin()).valid_windows;
}

NasProblem make_search_problem(const NasArgs& a) {
  if (a.toy) {
    auto t = nas::make_toy_problem();
    NasProblem p{std::move(t.problem), std::move(t.full_cost), {}, {{"problem", "toy"}}, {}, 32};
    p.resolved_files.emplace_back("space.json", nlohmann::json{{"problem", "toy"},
                                                               {"genes", {"layers", "hidden", "ffn", "mesh"}}}
                                                    .dump(2) + "\n");
    return p;
  }
  nas::SpaceProblemOptions o;
  o.hw_path = a.config;
  o.overrides = a.overrides;
  o.schedule = a.schedule;
  o.db_path = a.db;
  o.jobs = a.jobs;
  auto line = std::make_shared<ProgressLine>("lut build", "probes");
  o.build_progress = [line](const nas::lut::BuildProgress& p) { line->update(p.done, p.total, p.elapsed_s); };
  const nas::SearchSpace space = nas::SearchSpace::load(a.space);
  nas::SpaceProblem sp = nas::make_space_problem(space, o);
  if (sp.lut_build.probes)
    fmt::print("lut: {} probes measured, {} entries added ({:.1f} s)\n", sp.lut_build.probes,
               sp.lut_build.entries_added, sp.lut_build.seconds);
  NasProblem p{std::move(sp.problem), std::move(sp.full_cost), std::move(sp.files), std::move(sp.identity), {}, 32};
  space_quality(space, p);
  return p;
}
// =====================================================================================================

std::string fmt_edp(double v) { return std::isnan(v) ? "-" : fmt::format("{:.4e} J·s", v); }

int run_nas(const NasArgs& a) {
  namespace fs = std::filesystem;
  // Under `mpirun -np N`, rank 0 searches and every rank evaluates a share of each batch's costs.
  const std::unique_ptr<nas::Cluster> cluster = nas::Cluster::join();
  NasProblem np = make_search_problem(a);
  const auto full_cost = np.full_cost ? np.full_cost : np.problem.cost;
  if (cluster && cluster->rank() != 0) {
    cluster->serve({np.problem.cost, full_cost}, a.jobs);
    return 0;
  }

  nas::SearchOptions opt;
  opt.objectives = nas::parse_metrics(a.objectives);
  opt.constraints = {a.max_latency, a.max_perplexity, a.max_energy};
  opt.generations = a.generations;
  opt.jobs = a.jobs;
  if (cluster) opt.batch_cost = cluster->batch(0, np.problem.cost, a.jobs);
  opt.out_dir = a.out;
  opt.resume = a.resume;
  std::unique_ptr<nas::QualityEvaluator> quality;
  nas::register_supernet_quality({np.valid_windows, 8, a.jobs, a.lm_data});
  const std::vector<std::string>& quality_specs = a.quality.empty() ? np.default_quality : a.quality;
  if (!quality_specs.empty()) quality = nas::make_quality(quality_specs);
  opt.settings = {{"problem", np.identity},  {"seed", a.seed},
                  {"population", a.population}, {"mutation_probability", a.mutation},
                  {"quality", quality ? quality->label() : ""}};

  nas::StrategyOptions so;
  so.population = a.population;
  so.mutation_probability = a.mutation;
  so.seed = a.seed;
  if (np.problem.baseline) so.initial.push_back(*np.problem.baseline);
  auto strategy = nas::make_strategy(a.strategy, np.problem.domains, so);

  opt.progress = [](const nas::GenerationProgress& p) {
    fmt::print("generation {:>3}/{}  evaluated {:>6}  front {:>3}  best EDP {}  {:.0f} candidates/s{}\n", p.generation,
               p.generations, p.evaluated, p.front_size, fmt_edp(p.best_edp), p.evaluations_per_second,
               p.quality_calls ? fmt::format("  ({} quality evaluations)", p.quality_calls) : "");
    std::fflush(stdout);
  };
  if (a.stop_after || a.kill_after)
    opt.stop_after = [&a](std::size_t g) {
      if (a.kill_after && g == a.kill_after) ::raise(SIGKILL);  // test hook: die like a killed run
      return a.stop_after && g == a.stop_after;
    };

  opt.files = np.resolved_files;
  nlohmann::json settings = opt.settings;
  settings["strategy"] = a.strategy;
  settings["generations"] = a.generations;
  settings["objectives"] = a.objectives;
  opt.files.emplace_back("nas.json", settings.dump(2) + "\n");

  const nas::SearchResult r = nas::run_search(np.problem, *strategy, quality.get(), opt);
  if (cluster) fmt::print("cost evaluations spread over {} MPI ranks\n", cluster->size());
  if (r.resumed_from) fmt::print("resumed from generation {}\n", r.resumed_from);
  if (r.stopped) {
    fmt::print("stopped after generation {} (checkpoint in {})\n", r.generations_done, a.out);
    return 0;
  }
  fmt::print("Pareto set: {} candidates of {} evaluated ({}/pareto.csv, {}/history.csv)\n", r.pareto.size(),
             r.history.size(), a.out, a.out);

  if (np.full_cost) {
    const auto report = nas::resimulate_pareto(
        r, cluster ? cluster->batch(1, full_cost, a.jobs) : nas::parallel_batch(full_cost, a.jobs));
    fmt::print("{}", nas::format_final_report(r, report));
    report::write_file_atomic((fs::path(a.out) / "final.csv").string(), nas::final_report_csv(r, report));
  }
  if (!a.no_plot && opt.objectives.size() >= 2) {
    nlohmann::ordered_json plot;
    plot["schema"] = "coda.nas/1";
    plot["history"] = fs::absolute(fs::path(a.out) / "history.csv").string();
    plot["objectives"] = {nas::metric_name(opt.objectives[0]), nas::metric_name(opt.objectives[1])};
    plot["baseline_row"] = r.baseline ? nlohmann::ordered_json(*r.baseline) : nlohmann::ordered_json(nullptr);
    try {
      report::render_plot(plot, (fs::path(a.out) / "pareto.png").string());
    } catch (const report::PlotError& e) {
      fmt::print(stderr, "warning: {}\n", e.what());
    }
  }
  return 0;
}

}  // namespace

void add_nas_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<NasArgs>();
  CLI::App* sub = app.add_subcommand(
      "nas", "Evolutionary hardware/model search over EDP and perplexity (NSGA-II); writes a Pareto set");
  sub->add_option("-c,--config", args->config, "Hardware config YAML (default: the space's hw_config)")
      ->type_name("HW.yaml");
  sub->add_option("-s,--space", args->space, "Search space YAML (e.g. configs/nas/bert6-space.yaml)")
      ->type_name("SPACE.yaml");
  add_override_option(*sub, args->overrides);
  sub->add_option("--lm-data", args->lm_data,
                  "Corpus directory written by `coda data kjv`, for the supernet evaluator (default: extract the KJV)")
      ->type_name("DIR");
  sub->add_option("--schedule", args->schedule, "Fusion schedule (default: the space's schedule, else unfused)");
  sub->add_option("--db", args->db, "LUT database, built on demand (default: $CODA_LUT_DB, else ~/.cache/coda/lut.sqlite)");
  sub->add_option("--quality", args->quality,
                  "Perplexity evaluator: command:PROG (JSON lines in, one perplexity per line out), table:CSV or supernet:CKPT "
                  "(default: the space's quality:); "
                  "later ones (or ',KIND:...') are the fallback of a table")
      ->type_name("KIND:ARG")
      ->allow_extra_args(false);
  sub->add_option("--seed", args->seed, "Seed of the search")->capture_default_str();
  sub->add_option("-j,--jobs", args->jobs, "Cost-evaluation threads (0: one per hardware thread); results do not depend on it")
      ->type_name("N")
      ->capture_default_str();
  sub->add_option("-o,--out", args->out, "Output directory")->type_name("DIR")->capture_default_str();
  sub->add_flag("--resume", args->resume, "Continue the search checkpointed in DIR (same settings)");
  sub->add_option("--strategy", args->strategy, "nsga2 or refill (keep the Pareto set, refill by mutation)")
      ->check(CLI::IsMember({"nsga2", "refill"}))
      ->capture_default_str();
  sub->add_option("--population", args->population, "Candidates per generation")->check(CLI::Range(2, 1000000))->capture_default_str();
  sub->add_option("--generations", args->generations, "Generations")->check(CLI::Range(1, 1000000))->capture_default_str();
  sub->add_option("--mutation", args->mutation, "Per-gene mutation probability")->check(CLI::Range(0.0, 1.0))->capture_default_str();
  sub->add_option("--objectives", args->objectives, "Minimised objectives: edp, perplexity, latency, energy")
      ->type_name("A,B")
      ->capture_default_str();
  sub->add_option("--max-latency", args->max_latency, "Constraint: latency at most this many cycles")->type_name("CYCLES");
  sub->add_option("--max-perplexity", args->max_perplexity, "Constraint: perplexity at most this")->type_name("PPL");
  sub->add_option("--max-energy", args->max_energy, "Constraint: energy at most this many joules")->type_name("J");
  sub->add_flag("--no-plot", args->no_plot, "Do not draw DIR/pareto.png");
  // Hidden: the self-contained test problem and the test hooks of the resume tests.
  sub->add_flag("--toy", args->toy)->group("");
  sub->add_option("--stop-after", args->stop_after)->group("");
  sub->add_option("--kill-after", args->kill_after)->group("");
  sub->callback([args, &action] {
    action = [args]() -> int {
      if (!args->toy && args->space.empty())
        throw config::InputError({"<coda nas>", 0, 0}, "", "-s SPACE.yaml is required");
      try {
        return run_nas(*args);
      } catch (const nas::QualityError& e) {
        fmt::print(stderr, "error: quality evaluator: {}\n", e.what());
      } catch (const nas::StrategyError& e) {
        fmt::print(stderr, "error: {}\n", e.what());
      } catch (const nas::SearchError& e) {
        fmt::print(stderr, "error: {}\n", e.what());
      } catch (const nas::DistributedError& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
      }
      return 2;
    };
  });
}

}  // namespace coda::cli
