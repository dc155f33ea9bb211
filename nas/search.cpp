#include "nas/search.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "nas/pareto.h"
#include "sim/report/report.h"

namespace coda::nas {

namespace fs = std::filesystem;

std::string metric_name(Metric m) {
  switch (m) {
    case Metric::edp: return "edp";
    case Metric::perplexity: return "perplexity";
    case Metric::latency: return "latency";
    case Metric::energy: return "energy";
  }
  return "?";
}

Metric parse_metric(const std::string& name) {
  for (Metric m : {Metric::edp, Metric::perplexity, Metric::latency, Metric::energy})
    if (metric_name(m) == name) return m;
  throw SearchError(fmt::format("unknown objective '{}' (edp, perplexity, latency, energy)", name));
}

std::vector<Metric> parse_metrics(const std::string& list) {
  std::vector<Metric> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    const Metric m = parse_metric(list.substr(start, end - start));
    if (std::find(out.begin(), out.end(), m) != out.end())
      throw SearchError(fmt::format("objective '{}' is listed twice", metric_name(m)));
    out.push_back(m);
    start = end + 1;
  }
  return out;
}

void parallel_for(std::size_t n, unsigned jobs, const std::function<void(std::size_t)>& fn) {
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t threads = std::min<std::size_t>(jobs, n);
  if (threads <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::vector<std::exception_ptr> errors(n);
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < n; i = next++) {
      try {
        fn(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

BatchCost parallel_batch(std::function<Cost(const Genome&)> cost, unsigned jobs) {
  return [cost = std::move(cost), jobs](const std::vector<Genome>& batch) {
    std::vector<Cost> out(batch.size());
    parallel_for(batch.size(), jobs, [&](std::size_t i) { out[i] = cost(batch[i]); });
    return out;
  };
}

namespace {

double metric_value(Metric m, const Evaluation& e) {
  switch (m) {
    case Metric::edp: return e.cost.edp;
    case Metric::perplexity: return e.perplexity;
    case Metric::latency: return e.cost.latency_cycles;
    case Metric::energy: return e.cost.energy_j;
  }
  return 0;
}

double violation_of(const Constraints& c, const Evaluation& e) {
  double v = 0;
  auto over = [&](double value, double bound) {
    if (std::isfinite(bound) && value > bound) v += (value - bound) / bound;
  };
  over(e.cost.latency_cycles, c.max_latency_cycles);
  over(e.cost.energy_j, c.max_energy_j);
  if (!std::isnan(e.perplexity)) over(e.perplexity, c.max_perplexity);
  return v;
}

Objectives objectives_of(const std::vector<Metric>& metrics, const Evaluation& e) {
  Objectives o;
  for (Metric m : metrics) o.values.push_back(metric_value(m, e));
  o.violation = e.violation;
  return o;
}

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

std::string num(double v) { return std::isnan(v) ? "" : fmt::format("{}", v); }

std::string csv_header(const SearchProblem& p) {
  std::string h = "generation";
  for (const auto& d : p.domains) h += "," + csv_quote(d.name);
  return h + ",description,latency_cycles,seconds,energy_j,edp,perplexity,violation,feasible,rank\n";
}

// Every column but the rank, without the newline.
std::string csv_row(const Evaluation& e) {
  std::string r = fmt::format("{}", e.generation);
  for (int g : e.genome) r += fmt::format(",{}", g);
  r += "," + csv_quote(e.description.dump());
  r += fmt::format(",{},{},{},{},{},{},{}", num(e.cost.latency_cycles), num(e.cost.seconds), num(e.cost.energy_j),
                   num(e.cost.edp), num(e.perplexity), num(e.violation), e.feasible() ? 1 : 0);
  return r;
}

nlohmann::json fingerprint(const SearchProblem& p, const Strategy& s, const SearchOptions& o) {
  nlohmann::json domains = nlohmann::json::array();
  for (const auto& d : p.domains) domains.push_back({d.name, d.choices});
  nlohmann::json objectives = nlohmann::json::array();
  for (Metric m : o.objectives) objectives.push_back(metric_name(m));
  auto bound = [](double b) { return std::isfinite(b) ? nlohmann::json(b) : nlohmann::json(nullptr); };
  return {{"settings", o.settings},
          {"strategy", s.name()},
          {"domains", domains},
          {"objectives", objectives},
          {"constraints",
           {{"max_latency_cycles", bound(o.constraints.max_latency_cycles)},
            {"max_perplexity", bound(o.constraints.max_perplexity)},
            {"max_energy_j", bound(o.constraints.max_energy_j)}}},
          {"baseline", p.baseline ? nlohmann::json(*p.baseline) : nlohmann::json(nullptr)}};
}

void check_cost(const SearchProblem& p, const Genome& g, const Cost& c) {
  for (double v : {c.latency_cycles, c.seconds, c.energy_j, c.edp})
    if (!std::isfinite(v) || v < 0) {
      std::string genes;
      for (std::size_t i = 0; i < g.size(); ++i) genes += fmt::format("{}{}={}", i ? " " : "", p.domains[i].name, g[i]);
      throw SearchError(fmt::format("the cost function returned a negative or non-finite value for {}", genes));
    }
}

// The search's state between generations, and its files.
struct Run {
  const SearchProblem& problem;
  Strategy& strategy;
  QualityEvaluator* quality;
  const SearchOptions& options;
  bool needs_quality = false;

  Run(const SearchProblem& p, Strategy& s, QualityEvaluator* q, const SearchOptions& o)
      : problem(p), strategy(s), quality(q), options(o) {}

  QualityCache cache;
  SearchResult result;
  std::vector<std::string> rows;  // csv_row of each history entry
  std::vector<Objectives> points;  // objectives of each history entry

  fs::path file(const char* name) const { return fs::path(options.out_dir) / name; }

  void add(Evaluation e) {
    e.violation = violation_of(options.constraints, e);
    points.push_back(objectives_of(options.objectives, e));
    rows.push_back(csv_row(e));
    if (!result.baseline && problem.baseline && e.genome == *problem.baseline) result.baseline = result.history.size();
    result.history.push_back(std::move(e));
  }

  // Ranks over everything evaluated so far, and the Pareto rows.
  void rank() {
    const auto r = pareto_ranks(points);
    for (std::size_t i = 0; i < r.size(); ++i) result.history[i].rank = r[i];
    std::vector<std::size_t> front;
    // Distinct candidates: genomes that describe the same architecture (e.g. differing only in the genes of
    // layers beyond the layer count) are one point of the front.
    std::set<std::string> seen;
    for (std::size_t i = 0; i < r.size(); ++i)
      if (r[i] == 0 && result.history[i].feasible() && seen.insert(result.history[i].description.dump()).second)
        front.push_back(i);
    std::stable_sort(front.begin(), front.end(),
                     [&](std::size_t a, std::size_t b) { return points[a].values[0] < points[b].values[0]; });
    result.pareto = std::move(front);
  }

  std::string csv(const std::vector<std::size_t>* subset) const {
    std::string out = csv_header(problem);
    auto line = [&](std::size_t i) { out += rows[i] + fmt::format(",{}\n", result.history[i].rank); };
    if (subset)
      for (std::size_t i : *subset) line(i);
    else
      for (std::size_t i = 0; i < rows.size(); ++i) line(i);
    return out;
  }

  nlohmann::json checkpoint() const {
    nlohmann::json hist = nlohmann::json::array();
    for (const auto& e : result.history)
      hist.push_back({e.generation, e.genome, e.cost.latency_cycles, e.cost.seconds, e.cost.energy_j, e.cost.edp,
                      std::isnan(e.perplexity) ? nlohmann::json(nullptr) : nlohmann::json(e.perplexity)});
    return {{"schema", "coda.nas-checkpoint/1"},
            {"run", fingerprint(problem, strategy, options)},
            {"generations_done", result.generations_done},
            {"strategy_state", strategy.state()},
            {"quality_cache", cache.to_json()},
            {"history", hist}};
  }

  void write_files() {
    if (options.out_dir.empty()) return;
    try {
      report::write_file_atomic(file("history.csv").string(), csv(nullptr));
      report::write_file_atomic(file("pareto.csv").string(), csv(&result.pareto));
      report::write_file_atomic(file("checkpoint.json").string(), checkpoint().dump() + "\n");
    } catch (const std::runtime_error& e) {
      throw SearchError(e.what());
    }
  }

  void load_checkpoint(const nlohmann::json& j) {
    const std::string where = file("checkpoint.json").string();
    try {
      if (j.at("schema") != "coda.nas-checkpoint/1")
        throw SearchError(fmt::format("{}: not a coda nas checkpoint", where));
      if (j.at("run") != fingerprint(problem, strategy, options))
        throw SearchError(fmt::format(
            "{}: the checkpoint belongs to a run with other settings (seed, strategy, space, objectives, "
            "constraints or evaluator); resume with the same ones, or use another output directory",
            where));
      strategy.restore(j.at("strategy_state"));
      cache.from_json(j.at("quality_cache"));
      for (const auto& h : j.at("history")) {
        Evaluation e;
        e.generation = h.at(0).get<std::size_t>();
        e.genome = h.at(1).get<Genome>();
        check_genome(problem.domains, e.genome);
        e.cost = {h.at(2).get<double>(), h.at(3).get<double>(), h.at(4).get<double>(), h.at(5).get<double>()};
        if (!h.at(6).is_null()) e.perplexity = h.at(6).get<double>();
        e.description = problem.describe(e.genome);
        add(std::move(e));
      }
      result.generations_done = result.resumed_from = j.at("generations_done").get<std::size_t>();
    } catch (const nlohmann::json::exception& e) {
      throw SearchError(fmt::format("{}: damaged checkpoint: {}", where, e.what()));
    }
    rank();
  }

  void generation(std::size_t g) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<Genome> batch = strategy.ask();
    for (const auto& genome : batch) check_genome(problem.domains, genome);
    std::vector<Evaluation> evals(batch.size());
    const std::vector<Cost> costs =
        options.batch_cost ? options.batch_cost(batch) : parallel_batch(problem.cost, options.jobs)(batch);
    if (costs.size() != batch.size())
      throw SearchError(fmt::format("the cost evaluation returned {} costs for {} candidates", costs.size(), batch.size()));
    parallel_for(batch.size(), options.jobs, [&](std::size_t i) {
      evals[i].generation = g;
      evals[i].genome = batch[i];
      evals[i].cost = costs[i];
      evals[i].description = problem.describe(batch[i]);
    });
    for (std::size_t i = 0; i < batch.size(); ++i) check_cost(problem, batch[i], costs[i]);
    const std::size_t before = cache.evaluated();
    if (needs_quality) {
      std::vector<nlohmann::json> descs;
      descs.reserve(evals.size());
      for (const auto& e : evals) descs.push_back(e.description);
      const auto ppl = cache.evaluate(*quality, descs);
      for (std::size_t i = 0; i < evals.size(); ++i) evals[i].perplexity = ppl[i];
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::vector<Objectives> told;
    told.reserve(evals.size());
    for (auto& e : evals) {
      add(std::move(e));
      told.push_back(points.back());
    }
    strategy.tell(batch, told);
    result.generations_done = g + 1;
    rank();
    write_files();
    if (options.progress) {
      GenerationProgress p;
      p.generation = g + 1;
      p.generations = options.generations;
      p.evaluated = result.history.size();
      p.front_size = result.pareto.size();
      for (const auto& e : result.history)
        if (e.feasible() && !(e.cost.edp >= p.best_edp)) p.best_edp = e.cost.edp;
      p.evaluations_per_second = secs > 0 ? static_cast<double>(batch.size()) / secs : 0;
      p.quality_calls = cache.evaluated() - before;
      options.progress(p);
    }
  }
};

}  // namespace

std::string history_csv(const SearchProblem& problem, const SearchResult& result, const std::vector<std::size_t>& rows) {
  std::string out = csv_header(problem);
  for (std::size_t i : rows) out += csv_row(result.history.at(i)) + fmt::format(",{}\n", result.history[i].rank);
  return out;
}

SearchResult run_search(const SearchProblem& problem, Strategy& strategy, QualityEvaluator* quality,
                        const SearchOptions& options) {
  if (problem.domains.empty()) throw SearchError("the search space has no genes");
  if (!problem.cost || !problem.describe) throw SearchError("the search problem needs a cost and a describe function");
  if (options.objectives.empty()) throw SearchError("no objective to minimise");
  for (double b : {options.constraints.max_latency_cycles, options.constraints.max_perplexity,
                   options.constraints.max_energy_j})
    if (!(b > 0)) throw SearchError("constraint bounds must be positive");
  Run run(problem, strategy, quality, options);
  run.needs_quality = std::find(options.objectives.begin(), options.objectives.end(), Metric::perplexity) !=
                          options.objectives.end() ||
                      std::isfinite(options.constraints.max_perplexity);
  if (run.needs_quality && !quality)
    throw SearchError("perplexity is an objective or a constraint, so a quality evaluator is needed (--quality)");
  if (problem.baseline) check_genome(problem.domains, *problem.baseline);

  if (!options.out_dir.empty()) {
    std::error_code ec;
    fs::create_directories(options.out_dir, ec);
    if (ec) throw SearchError(fmt::format("cannot create the output directory {}: {}", options.out_dir, ec.message()));
    const fs::path cp = run.file("checkpoint.json");
    if (fs::exists(cp)) {
      if (!options.resume)
        throw SearchError(fmt::format("{} already holds a search (checkpoint.json): pass --resume to continue it, "
                                      "or choose another output directory",
                                      options.out_dir));
      std::ifstream f(cp, std::ios::binary);
      std::stringstream ss;
      ss << f.rdbuf();
      const nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
      if (j.is_discarded()) throw SearchError(fmt::format("{}: damaged checkpoint (not JSON)", cp.string()));
      run.load_checkpoint(j);
    }
    try {
      for (const auto& [name, content] : options.files)
        report::write_file_atomic((fs::path(options.out_dir) / name).string(), content);
    } catch (const std::runtime_error& e) {
      throw SearchError(e.what());
    }
  }
  for (std::size_t g = run.result.generations_done; g < options.generations; ++g) {
    run.generation(g);
    if (options.stop_after && g + 1 < options.generations && options.stop_after(g + 1)) {
      run.result.stopped = true;
      break;
    }
  }
  if (run.result.generations_done == run.result.resumed_from) run.write_files();  // nothing new: refresh files
  return std::move(run.result);
}

// ---- final report ----

FinalReport resimulate_pareto(const SearchResult& result, const BatchCost& full_cost) {
  std::vector<std::size_t> rows = result.pareto;
  if (result.baseline) rows.push_back(*result.baseline);
  std::vector<Genome> genomes;
  for (std::size_t i : rows) genomes.push_back(result.history.at(i).genome);
  const std::vector<Cost> engine = full_cost(genomes);
  if (engine.size() != rows.size())
    throw SearchError(fmt::format("the full cost evaluation returned {} costs for {} candidates", engine.size(), rows.size()));
  std::vector<ParetoPointReport> out(rows.size());
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const Evaluation& e = result.history[rows[k]];
    out[k].index = rows[k];
    out[k].lut = e.cost;
    out[k].engine = engine[k];
    out[k].perplexity = e.perplexity;
  }
  FinalReport report;
  if (result.baseline) {
    report.baseline = out.back();
    out.pop_back();
  }
  for (auto& p : out) {
    if (report.baseline) {
      if (report.baseline->engine.edp > 0) p.edp_vs_baseline = p.engine.edp / report.baseline->engine.edp;
      if (report.baseline->perplexity > 0) p.perplexity_vs_baseline = p.perplexity / report.baseline->perplexity;
    }
    report.points.push_back(p);
  }
  if (report.baseline) {
    report.baseline->edp_vs_baseline = 1.0;
    report.baseline->perplexity_vs_baseline = std::isnan(report.baseline->perplexity) ? report.baseline->perplexity : 1.0;
  }
  return report;
}

namespace {
double rel_error(double lut, double engine) { return engine != 0 ? 100.0 * (lut - engine) / engine : 0.0; }

std::vector<std::pair<std::string, const ParetoPointReport*>> report_rows(const FinalReport& r) {
  std::vector<std::pair<std::string, const ParetoPointReport*>> rows;
  for (std::size_t k = 0; k < r.points.size(); ++k) rows.emplace_back(fmt::format("P{}", k + 1), &r.points[k]);
  if (r.baseline) rows.emplace_back("baseline", &*r.baseline);
  return rows;
}
}  // namespace

std::string format_final_report(const SearchResult& result, const FinalReport& report) {
  std::string out = fmt::format("Pareto points re-simulated with the engine (LUT vs engine; error = LUT/engine - 1; "
                                "EDP and perplexity relative to the baseline):\n");
  out += fmt::format("{:<9} {:>14} {:>14} {:>7} {:>11} {:>11} {:>7} {:>11} {:>11} {:>7} {:>10} {:>8} {:>8}  {}\n",
                     "point", "lut cycles", "engine cycles", "err%", "lut J", "engine J", "err%", "lut EDP",
                     "engine EDP", "err%", "perplexity", "EDP/base", "ppl/base", "candidate");
  for (const auto& [name, p] : report_rows(report)) {
    out += fmt::format(
        "{:<9} {:>14.0f} {:>14.0f} {:>+7.2f} {:>11.4e} {:>11.4e} {:>+7.2f} {:>11.4e} {:>11.4e} {:>+7.2f} {:>10} "
        "{:>8} {:>8}  {}\n",
        name, p->lut.latency_cycles, p->engine.latency_cycles, rel_error(p->lut.latency_cycles, p->engine.latency_cycles),
        p->lut.energy_j, p->engine.energy_j, rel_error(p->lut.energy_j, p->engine.energy_j), p->lut.edp, p->engine.edp,
        rel_error(p->lut.edp, p->engine.edp), std::isnan(p->perplexity) ? "-" : fmt::format("{:.4g}", p->perplexity),
        std::isnan(p->edp_vs_baseline) ? "-" : fmt::format("{:.3f}", p->edp_vs_baseline),
        std::isnan(p->perplexity_vs_baseline) ? "-" : fmt::format("{:.3f}", p->perplexity_vs_baseline),
        result.history.at(p->index).description.dump());
  }
  return out;
}

std::string final_report_csv(const SearchResult& result, const FinalReport& report) {
  std::string out =
      "point,history_row,description,lut_latency_cycles,engine_latency_cycles,lut_energy_j,engine_energy_j,lut_edp,"
      "engine_edp,perplexity,edp_vs_baseline,perplexity_vs_baseline\n";
  for (const auto& [name, p] : report_rows(report))
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", name, p->index,
                       csv_quote(result.history.at(p->index).description.dump()), num(p->lut.latency_cycles),
                       num(p->engine.latency_cycles), num(p->lut.energy_j), num(p->engine.energy_j), num(p->lut.edp),
                       num(p->engine.edp), num(p->perplexity), num(p->edp_vs_baseline), num(p->perplexity_vs_baseline));
  return out;
}

}  // namespace coda::nas
