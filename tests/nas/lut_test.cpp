// The LUT cost model on a small space: the SQLite store (round trip, INSERT OR IGNORE, concurrent writers,
// CSV export), contexts (a changed config, schedule or engine never serves stale entries), parallel builds that
// give the same table at any thread count and after an interruption, composition against whole-candidate engine
// runs, and LutCostModel against the composition.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

#include "nas/lut/cost_model.h"
#include "nas/lut/lut.h"
#include "nas/lut/store.h"
#include "nas/space.h"
#include "sim/config/hw_loader.h"
#include "sim/simulator.h"

namespace coda::nas::lut {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

fs::path temp_db(const std::string& name) {
  static int n = 0;
  const fs::path d = fs::temp_directory_path() / ("coda_lut_test_" + std::to_string(getpid()) + "_" + std::to_string(n++));
  fs::create_directories(d);
  return d / name;
}

// Small enough that a probe takes milliseconds: seq 64, hidden 64/128, heads of 32.
const char* kSpace = R"(name: tiny
schedule: fused
model:
  seq_len: 64
  head_size: 32
  layers: [1, 2, 3]
  heads: [1, 2, 4]
  hidden: [64, 128]
  ffn: [64, 128, 256]
)";

config::HwConfig rebalanced() {
  return config::load_hw_config(std::string(CODA_SOURCE_DIR) + "/configs/hw/gemmini-ibert-rebalanced.yaml");
}

compiler::LoweringOptions fused() {
  compiler::LoweringOptions o;
  o.schedule = compiler::Schedule::all_fused();
  return o;
}

Entry entry(const std::string& ctx, const std::string& op, int64_t cycles, double energy) {
  return {ctx, op, "s64.h64.a1x32", "matmul", "mha", "accelerator", cycles, energy};
}

TEST(LutStore, RoundTripInsertOrIgnoreAndCsv) {
  const fs::path db = temp_db("lut.sqlite");
  {
    Store s(db.string());
    s.put_context({"ctx1", "hw", "fp", "engine-x", "schedule=unfused"});
    s.insert({entry("ctx1", "q_proj", 100, 1.5e-6), entry("ctx1", "k_proj", 200, 2.5e-6)});
    s.insert({entry("ctx1", "q_proj", 999, 9.0)});  // present: ignored
    EXPECT_EQ(s.count(), 2u);
  }
  Store s(db.string());  // reopened: persisted
  const auto e = s.entries("ctx1");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0], entry("ctx1", "k_proj", 200, 2.5e-6));  // ordered by op
  EXPECT_EQ(e[1], entry("ctx1", "q_proj", 100, 1.5e-6));
  EXPECT_TRUE(s.entries("ctx2").empty());
  const fs::path csv = db.parent_path() / "lut.csv";
  s.export_csv(csv.string());
  std::ifstream in(csv);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(),
            "context,hw_name,hw_fingerprint,engine_version,lowering,op,shape,kind,block,placement,cycles,energy_j\n"
            "ctx1,hw,fp,engine-x,schedule=unfused,k_proj,s64.h64.a1x32,matmul,mha,accelerator,200,2.500000000e-06\n"
            "ctx1,hw,fp,engine-x,schedule=unfused,q_proj,s64.h64.a1x32,matmul,mha,accelerator,100,1.500000000e-06\n");
  EXPECT_FALSE(fs::exists(csv.string() + ".tmp"));
}

TEST(LutStore, ConcurrentWritersOnOneFile) {
  const fs::path db = temp_db("lut.sqlite");
  Store(db.string());  // create the tables once
  auto writer = [&](int id) {
    Store s(db.string());  // its own connection, as a separate process would have
    for (int batch = 0; batch < 20; ++batch) {
      std::vector<Entry> es;
      // Half the keys are shared between the writers.
      for (int k = 0; k < 10; ++k)
        es.push_back(entry("ctx", fmt::format("op{}_{}", k < 5 ? 0 : id, batch * 10 + k), batch, 0.0));
      s.insert(es);
    }
  };
  std::thread a(writer, 1), b(writer, 2), c(writer, 3);
  a.join();
  b.join();
  c.join();
  EXPECT_EQ(Store(db.string()).count(), 20u * 5u + 3u * 20u * 5u);
}

TEST(LutStore, OpenFailureIsAStoreError) {
  EXPECT_THROW(Store("/proc/coda-no-such-dir/lut.sqlite"), StoreError);
}

TEST(LutContext, KeyChangesWithConfigScheduleAndOptions) {
  const config::HwConfig hw = rebalanced();
  const LutContext a{hw, fused()};
  EXPECT_EQ(a.key(), (LutContext{rebalanced(), fused()}).key());
  EXPECT_THAT(a.key(), ::testing::StartsWith(config::fingerprint(hw) + "-"));
  config::HwConfig other = hw;
  config::set_param(other, "dram.latency_cycles", "101");
  EXPECT_NE((LutContext{other, fused()}).key(), a.key());
  EXPECT_NE((LutContext{hw, compiler::LoweringOptions{}}).key(), a.key());
  compiler::LoweringOptions os = fused();
  os.dataflow = isa::Dataflow::OS;
  EXPECT_NE((LutContext{hw, os}).key(), a.key());
  EXPECT_EQ(a.info().engine_version, sim::kEngineVersion);
  EXPECT_EQ(a.lowering_description(),
            "schedule=qk_softmax+out_proj_layernorm+ffn2_layernorm+ffn1_gelu;dataflow=ws;tiling=gemmini-auto;requant=fused");
}

TEST(LutBuild, StaleContextsAreNeverServed) {
  const SearchSpace space = SearchSpace::parse(kSpace, "tiny.yaml");
  const fs::path db = temp_db("lut.sqlite");
  Store store(db.string());
  const auto ctx = space_contexts(space, rebalanced(), fused());
  const BuildStats st = build(space, ctx, store, {1, {}});
  // 2 hidden x (3 heads x 13 MHA ops + 3 ffn x 6 FFN ops + 1 boundary)
  EXPECT_EQ(st.probes, 2u * (3 + 3 + 1));
  EXPECT_EQ(st.entries_added, 2u * (3 * 13 + 3 * 6 + 1));
  EXPECT_EQ(st.entries_total, st.entries_added);
  EXPECT_TRUE(missing_probes(space, ctx, store).empty());
  EXPECT_EQ(build(space, ctx, store, {1, {}}).probes, 0u);  // warm: nothing to do
  // A different config: none of the entries apply.
  config::HwConfig other = rebalanced();
  config::set_param(other, "dram.bytes_per_cycle", "8");
  const auto ctx2 = space_contexts(space, other, fused());
  EXPECT_TRUE(store.entries(ctx2[0].key()).empty());
  EXPECT_EQ(missing_probes(space, ctx2, store).size(), st.probes);
  EXPECT_THROW(LutTable(store, ctx2[0].key()).compose(space.decode(space.baseline())), std::out_of_range);
  EXPECT_THROW(LutCostModel(space, ctx2, store), std::out_of_range);
}

TEST(LutBuild, SameTableAtAnyThreadCountAndAfterAnInterruption) {
  const SearchSpace space = SearchSpace::parse(kSpace, "tiny.yaml");
  const auto ctx = space_contexts(space, rebalanced(), fused());
  Store one(temp_db("j1.sqlite").string()), two(temp_db("j2.sqlite").string()), cut(temp_db("cut.sqlite").string());
  build(space, ctx, one, {1, {}});
  build(space, ctx, two, {2, {}});
  EXPECT_EQ(one.all_entries(), two.all_entries());
  // Interrupted after 3 probes (the progress callback throws): those probes' entries are kept, complete.
  BuildOptions stop;
  stop.jobs = 1;
  stop.progress = [](const BuildProgress& p) {
    if (p.done == 3) throw std::runtime_error("interrupted");
  };
  EXPECT_THROW(build(space, ctx, cut, stop), std::runtime_error);
  const std::size_t kept = cut.count();
  EXPECT_GT(kept, 0u);
  EXPECT_LT(kept, one.count());
  EXPECT_EQ(missing_probes(space, ctx, cut).size(), missing_probes(space, ctx, Store(temp_db("e.sqlite").string())).size() - 3);
  build(space, ctx, cut, {2, {}});
  EXPECT_EQ(cut.all_entries(), one.all_entries());
  // A space that needs a subset first, then the full one: same values (entries depend on their key only).
  const SearchSpace part = SearchSpace::parse(
      "model:\n  seq_len: 64\n  head_size: 32\n  layers: [2]\n  heads: [2]\n  hidden: [128]\n  ffn: [128]\n", "part.yaml");
  Store staged(temp_db("staged.sqlite").string());
  build(part, space_contexts(part, rebalanced(), fused()), staged, {1, {}});
  build(space, ctx, staged, {2, {}});
  EXPECT_EQ(staged.all_entries(), one.all_entries());
}

// The composition against whole-candidate engine runs: with every op behind a fence, a layer's ops cost the same
// in any stack, and the boundary correction accounts for the rest exactly on this config.
TEST(LutCompose, MatchesTheEngineOnRandomCandidates) {
  const SearchSpace space = SearchSpace::parse(kSpace, "tiny.yaml");
  const auto ctx = space_contexts(space, rebalanced(), fused());
  Store store(temp_db("lut.sqlite").string());
  build(space, ctx, store, {2, {}});
  CheckOptions co;
  co.samples = 12;
  co.seed = 7;
  co.jobs = 2;
  const CheckReport rep = check(space, ctx, store, co);
  ASSERT_EQ(rep.samples.size(), 12u);
  for (int m = 0; m < 2; ++m)
    for (int b = 0; b < 3; ++b) {
      EXPECT_LE(rep.errors[m][b].mean_abs_pct, 0.05) << m << " " << b;
      EXPECT_LE(rep.errors[m][b].max_abs_pct, 0.1) << m << " " << b;
    }
  // Spot check one candidate directly against sim::simulate.
  const auto& s = rep.samples[3];
  sim::SimOptions o;
  o.lowering = fused();
  const auto r = sim::simulate(ctx[0].hw, op_graph(s.arch), o);
  EXPECT_EQ(s.engine.cycles, double(r.total_cycles));
  EXPECT_NEAR(s.lut.cycles, double(r.total_cycles), 1e-3 * double(r.total_cycles));
  EXPECT_NEAR(s.lut.energy_j, r.energy_j, 1e-3 * r.energy_j);
  // Same seed, one thread: the same samples and numbers.
  co.jobs = 1;
  const CheckReport again = check(space, ctx, store, co);
  for (std::size_t i = 0; i < rep.samples.size(); ++i) {
    EXPECT_EQ(again.samples[i].arch, rep.samples[i].arch);
    EXPECT_EQ(again.samples[i].engine.cycles, rep.samples[i].engine.cycles);
    EXPECT_EQ(again.samples[i].lut.energy_j, rep.samples[i].lut.energy_j);
  }
}

TEST(LutCostModel, EqualsTheCompositionOnEveryGenomeWithHardwarePoints) {
  const SearchSpace space = SearchSpace::parse(std::string(kSpace) + "hardware:\n  accumulator.capacity_kb: [128, 256]\n",
                                               "tiny-hw.yaml");
  const auto ctx = space_contexts(space, rebalanced(), fused());
  ASSERT_EQ(ctx.size(), 2u);
  EXPECT_NE(ctx[0].key(), ctx[1].key());
  Store store(temp_db("lut.sqlite").string());
  build(space, ctx, store, {2, {}});
  const LutCostModel model(space, ctx, store);
  std::vector<LutTable> tables;
  for (const auto& c : ctx) tables.emplace_back(store, c.key());
  // Every genome: mixed-radix enumeration.
  Genome g(space.size(), 0);
  std::size_t n = 0;
  bool differs = false;
  for (;;) {
    const Architecture a = space.decode(g);
    const Composed c = tables[space.hardware_point(g)].compose(a);
    const Cost k = model.evaluate(g);
    ASSERT_DOUBLE_EQ(k.latency_cycles, c.cycles);
    ASSERT_NEAR(k.energy_j, c.energy_j, 1e-12 * c.energy_j);
    ASSERT_DOUBLE_EQ(k.seconds, c.cycles / (ctx[space.hardware_point(g)].hw.clock_ghz * 1e9));
    ASSERT_DOUBLE_EQ(k.edp, k.energy_j * k.seconds);
    differs = differs || tables[0].compose(a).energy_j != tables[1].compose(a).energy_j;
    ++n;
    std::size_t i = 0;
    while (i < g.size() && ++g[i] == int(space.domains()[i].choices)) g[i++] = 0;
    if (i == g.size()) break;
  }
  EXPECT_EQ(n, 3u * 2 * 27 * 27 * 2);
  // The engine's figures for one genome of each hardware point: the same to the cycle on this config.
  for (const Genome& gg : {Genome{2, 1, 2, 0, 1, 2, 1, 0, 0}, Genome{1, 0, 1, 1, 0, 0, 2, 1, 1}}) {
    const Cost e = engine_cost(space, ctx, gg), k = model.evaluate(gg);
    EXPECT_EQ(e.latency_cycles, k.latency_cycles);
    EXPECT_NEAR(e.energy_j, k.energy_j, 1e-9 * e.energy_j);
    EXPECT_NEAR(e.edp, k.edp, 1e-9 * e.edp);
    EXPECT_DOUBLE_EQ(e.seconds, k.seconds);
  }
  EXPECT_TRUE(differs);  // the accumulator size changes the energy
  EXPECT_THROW((void)model.checked_evaluate(Genome{0}), std::invalid_argument);
  Genome bad(space.size(), 0);
  bad[0] = 3;
  EXPECT_THROW((void)model.checked_evaluate(bad), std::invalid_argument);
}

}  // namespace
}  // namespace coda::nas::lut
