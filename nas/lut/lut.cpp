#include "nas/lut/lut.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

#include "sim/config/hw_loader.h"
#include "sim/simulator.h"

namespace coda::nas::lut {

namespace {

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string role_of(const std::string& op_name) {
  const auto dot = op_name.find('.');
  return dot == std::string::npos ? op_name : op_name.substr(dot + 1);
}

sim::SimResult simulate_stack(const LutContext& ctx, int64_t layers, int64_t seq, int64_t hidden, int64_t heads,
                              int64_t head_size, int64_t ffn) {
  Architecture a;
  a.layers = layers;
  a.seq_len = seq;
  a.hidden = hidden;
  a.head_size = head_size;
  a.heads.assign(static_cast<size_t>(layers), heads);
  a.ffn.assign(static_cast<size_t>(layers), ffn);
  sim::SimOptions o;
  o.lowering = ctx.lowering;
  return sim::simulate(ctx.hw, op_graph(a), o);
}

double pct(double lut, double engine) { return engine == 0 ? 0 : (lut - engine) / engine * 100.0; }

}  // namespace

const std::vector<std::string>& mha_roles() {
  static const std::vector<std::string> r = {"q_proj",  "q_requant",    "k_proj",   "k_requant",   "v_proj",
                                             "v_requant", "qk",         "softmax",  "attn_v",      "attn_requant",
                                             "out_proj", "attn_resadd", "ln1"};
  return r;
}

const std::vector<std::string>& ffn_roles() {
  static const std::vector<std::string> r = {"ffn1", "gelu", "gelu_requant", "ffn2", "ffn_resadd", "ln2"};
  return r;
}

std::string mha_shape(int64_t seq, int64_t hidden, int64_t heads, int64_t head_size) {
  return fmt::format("s{}.h{}.a{}x{}", seq, hidden, heads, head_size);
}
std::string ffn_shape(int64_t seq, int64_t hidden, int64_t ffn) { return fmt::format("s{}.h{}.f{}", seq, hidden, ffn); }
std::string boundary_shape(int64_t seq, int64_t hidden, int64_t head_size) {
  return fmt::format("s{}.h{}.d{}", seq, hidden, head_size);
}

std::string LutContext::lowering_description() const {
  std::vector<std::string> fused;
  for (int i = 0; i < compiler::kNumFusionPoints; ++i)
    if (lowering.schedule.fused[size_t(i)])
      fused.emplace_back(compiler::fusion_point_name(static_cast<compiler::FusionPoint>(i)));
  std::string sched;
  for (size_t i = 0; i < fused.size(); ++i) sched += (i ? "+" : "") + fused[i];
  if (sched.empty()) sched = "unfused";
  return fmt::format("schedule={};dataflow={};tiling={};requant={}", sched,
                     lowering.dataflow == isa::Dataflow::WS ? "ws" : "os", lowering.tiling,
                     lowering.fuse_requant ? "fused" : "separate");
}

std::string LutContext::key() const {
  return fmt::format("{}-{:016x}", config::fingerprint(hw),
                     fnv1a(lowering_description() + "|" + sim::kEngineVersion));
}

ContextInfo LutContext::info() const {
  return {key(), hw.name, config::fingerprint(hw), sim::kEngineVersion, lowering_description()};
}

std::vector<LutContext> space_contexts(const SearchSpace& space, const config::HwConfig& base,
                                       const compiler::LoweringOptions& lowering) {
  std::vector<LutContext> out;
  for (size_t p = 0; p < space.hardware_points(); ++p) {
    Architecture a;
    a.hardware = space.hardware_overrides(p);
    out.push_back({hardware_config(base, a), lowering});
  }
  return out;
}

std::vector<Entry> measure(const LutContext& ctx, const Probe& p) {
  const std::string key = ctx.key();
  std::vector<Entry> out;
  if (p.kind == Probe::Kind::Boundary) {
    const auto one = simulate_stack(ctx, 1, p.seq, p.hidden, kFillerHeads, p.head_size, kFillerFfn);
    const auto two = simulate_stack(ctx, 2, p.seq, p.hidden, kFillerHeads, p.head_size, kFillerFfn);
    out.push_back({key, kBoundaryOp, boundary_shape(p.seq, p.hidden, p.head_size), "boundary", "stack", "-",
                   int64_t(two.total_cycles) - 2 * int64_t(one.total_cycles), two.energy_j - 2 * one.energy_j});
    return out;
  }
  const bool mha = p.kind == Probe::Kind::Mha;
  const auto r = simulate_stack(ctx, 1, p.seq, p.hidden, mha ? p.heads : kFillerHeads, p.head_size,
                                mha ? kFillerFfn : p.ffn);
  const std::string shape = mha ? mha_shape(p.seq, p.hidden, p.heads, p.head_size) : ffn_shape(p.seq, p.hidden, p.ffn);
  const models::Block want = mha ? models::Block::MHA : models::Block::FFN;
  for (const auto& o : r.ops) {
    if (o.block != want || o.layer != 0) continue;
    out.push_back({key, role_of(o.name), shape, std::string(models::op_kind_name(o.kind)),
                   std::string(models::block_name(o.block)), o.placement, int64_t(o.cycles), o.energy_j});
  }
  return out;
}

std::vector<Probe> missing_probes(const SearchSpace& space, const std::vector<LutContext>& contexts, const Store& store) {
  const ModelSpace& m = space.model();
  std::vector<std::pair<double, Probe>> todo;
  for (size_t c = 0; c < contexts.size(); ++c) {
    std::set<std::pair<std::string, std::string>> have;
    for (const Entry& e : store.entries(contexts[c].key())) have.emplace(e.op, e.shape);
    auto missing = [&](const std::vector<std::string>& roles, const std::string& shape) {
      return std::any_of(roles.begin(), roles.end(), [&](const std::string& r) { return !have.count({r, shape}); });
    };
    const double s = double(m.seq_len), d = double(m.head_size);
    for (int64_t h : m.hidden) {
      for (int64_t a : m.heads)
        if (missing(mha_roles(), mha_shape(m.seq_len, h, a, m.head_size)))
          todo.push_back({s * double(h) * double(a) * d * 4 + 2 * s * s * double(a) * d,
                          {c, m.seq_len, h, a, m.head_size, 0, Probe::Kind::Mha}});
      for (int64_t f : m.ffn)
        if (missing(ffn_roles(), ffn_shape(m.seq_len, h, f)))
          todo.push_back({2 * s * double(h) * double(f), {c, m.seq_len, h, 0, m.head_size, f, Probe::Kind::Ffn}});
      if (space.max_layers() > 1 && !have.count({kBoundaryOp, boundary_shape(m.seq_len, h, m.head_size)}))
        todo.push_back({3 * s * double(h) * d * 4, {c, m.seq_len, h, 0, m.head_size, 0, Probe::Kind::Boundary}});
    }
  }
  // Largest first (better balance across threads); ties keep their order.
  std::stable_sort(todo.begin(), todo.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  std::vector<Probe> out;
  for (auto& t : todo) out.push_back(t.second);
  return out;
}

void parallel_for(std::size_t n, unsigned jobs, const std::function<void(std::size_t)>& work) {
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
  jobs = static_cast<unsigned>(std::min<std::size_t>(jobs, std::max<std::size_t>(n, 1)));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= n || failed.load()) return;
      try {
        work(i);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
  };
  if (jobs <= 1) {
    worker();
  } else {
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < jobs; ++t) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
  }
  if (error) std::rethrow_exception(error);
}

BuildStats build(const SearchSpace& space, const std::vector<LutContext>& contexts, Store& store,
                 const BuildOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  BuildStats stats;
  stats.contexts = contexts.size();
  std::vector<std::string> keys;
  for (const auto& c : contexts) {
    store.put_context(c.info());
    keys.push_back(c.key());
  }
  const std::vector<Probe> probes = missing_probes(space, contexts, store);
  std::mutex mutex;
  std::size_t done = 0;
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  if (options.progress) options.progress({0, probes.size(), 0.0});
  parallel_for(probes.size(), options.jobs, [&](std::size_t i) {
    std::vector<Entry> entries = measure(contexts[probes[i].context], probes[i]);
    std::lock_guard lock(mutex);
    store.insert(entries);
    stats.entries_added += entries.size();
    ++done;
    if (options.progress) options.progress({done, probes.size(), elapsed()});
  });
  stats.probes = probes.size();
  const ModelSpace& m = space.model();
  const std::size_t per_context = m.hidden.size() * (m.heads.size() * mha_roles().size() +
                                                      m.ffn.size() * ffn_roles().size() + (space.max_layers() > 1 ? 1 : 0));
  stats.entries_total = per_context * contexts.size();
  stats.seconds = elapsed();
  return stats;
}

LutTable::LutTable(const Store& store, const std::string& context) : LutTable(store.entries(context)) {}

LutTable::LutTable(const std::vector<Entry>& entries) {
  for (const Entry& e : entries) entries_.emplace(std::make_pair(e.op, e.shape), e);
}

const Entry& LutTable::at(const std::string& op, const std::string& shape) const {
  auto it = entries_.find({op, shape});
  if (it == entries_.end())
    throw std::out_of_range(fmt::format("LUT has no entry for op '{}' at shape {} (run `coda lut build` for this "
                                        "space and config)",
                                        op, shape));
  return it->second;
}

Composed LutTable::compose(const Architecture& a) const {
  Composed c;
  for (int64_t l = 0; l < a.layers; ++l) {
    const std::string ms = mha_shape(a.seq_len, a.hidden, a.heads[size_t(l)], a.head_size);
    for (const auto& r : mha_roles()) {
      const Entry& e = at(r, ms);
      c.mha_cycles += double(e.cycles);
      c.mha_energy_j += e.energy_j;
    }
    const std::string fs = ffn_shape(a.seq_len, a.hidden, a.ffn[size_t(l)]);
    for (const auto& r : ffn_roles()) {
      const Entry& e = at(r, fs);
      c.ffn_cycles += double(e.cycles);
      c.ffn_energy_j += e.energy_j;
    }
  }
  if (a.layers > 1) {
    const Entry& b = at(kBoundaryOp, boundary_shape(a.seq_len, a.hidden, a.head_size));
    c.stack_cycles = double(a.layers - 1) * double(b.cycles);
    c.stack_energy_j = double(a.layers - 1) * b.energy_j;
  }
  c.cycles = c.mha_cycles + c.ffn_cycles + c.stack_cycles;
  c.energy_j = c.mha_energy_j + c.ffn_energy_j + c.stack_energy_j;
  return c;
}

CheckReport check(const SearchSpace& space, const std::vector<LutContext>& contexts, const Store& store,
                  const CheckOptions& options) {
  CheckReport rep;
  std::mt19937_64 rng(options.seed);
  std::vector<Genome> genomes;
  for (std::size_t i = 0; i < options.samples; ++i) {
    Genome g(space.size());
    for (std::size_t k = 0; k < space.size(); ++k)
      g[k] = static_cast<int>(rng() % space.domains()[k].choices);  // modulo bias is negligible for these sizes
    genomes.push_back(std::move(g));
  }
  std::vector<LutTable> tables;
  for (const auto& c : contexts) tables.emplace_back(store, c.key());
  rep.samples.resize(genomes.size());
  for (std::size_t i = 0; i < genomes.size(); ++i) {
    rep.samples[i].arch = space.decode(genomes[i]);
    rep.samples[i].lut = tables[space.hardware_point(genomes[i])].compose(rep.samples[i].arch);
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::mutex mutex;
  std::size_t done = 0;
  parallel_for(genomes.size(), options.jobs, [&](std::size_t i) {
    const LutContext& ctx = contexts[space.hardware_point(genomes[i])];
    sim::SimOptions o;
    o.lowering = ctx.lowering;
    const sim::SimResult r = sim::simulate(ctx.hw, op_graph(rep.samples[i].arch), o);
    Composed& e = rep.samples[i].engine;
    e.cycles = double(r.total_cycles);
    e.energy_j = r.energy_j;
    for (const auto& op : r.ops) {
      if (op.block == models::Block::MHA) {
        e.mha_cycles += double(op.cycles);
        e.mha_energy_j += op.energy_j;
      } else {
        e.ffn_cycles += double(op.cycles);
        e.ffn_energy_j += op.energy_j;
      }
    }
    std::lock_guard lock(mutex);
    ++done;
    if (options.progress)
      options.progress({done, genomes.size(), std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()});
  });
  // The boundary correction belongs to the next layer's first op (an MHA op) in the engine's attribution.
  for (int metric = 0; metric < 2; ++metric) {
    for (int block = 0; block < 3; ++block) {
      ErrorStats& s = rep.errors[metric][block];
      for (const auto& smp : rep.samples) {
        const Composed &l = smp.lut, &e = smp.engine;
        double lv, ev;
        if (metric == 0) {
          lv = block == 0 ? l.cycles : block == 1 ? l.mha_cycles + l.stack_cycles : l.ffn_cycles;
          ev = block == 0 ? e.cycles : block == 1 ? e.mha_cycles : e.ffn_cycles;
        } else {
          lv = block == 0 ? l.energy_j : block == 1 ? l.mha_energy_j + l.stack_energy_j : l.ffn_energy_j;
          ev = block == 0 ? e.energy_j : block == 1 ? e.mha_energy_j : e.ffn_energy_j;
        }
        const double err = std::fabs(pct(lv, ev));
        s.mean_abs_pct += err;
        s.max_abs_pct = std::max(s.max_abs_pct, err);
      }
      if (!rep.samples.empty()) s.mean_abs_pct /= double(rep.samples.size());
    }
  }
  return rep;
}

}  // namespace coda::nas::lut
