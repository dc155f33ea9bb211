// The engine's extension points for embedders (the SystemC wrapper, docs/engine.md "Embedding"): an external DRAM
// timing model and memory backend change nothing, Engine::horizon() bounds every later DRAM request, and a
// source's arrival cycles delay dispatch.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "models/op_graph.h"
#include "models/workload.h"
#include "sim/compiler/lowering.h"
#include "sim/compiler/schedule.h"
#include "sim/config/hw_config.h"
#include "sim/engine/dram.h"
#include "sim/engine/engine.h"
#include "sim/engine/loop_unroller.h"
#include "sim/engine/memory.h"
#include "sim/functional.h"
#include "sim/simulator.h"

namespace coda {
namespace {

// The config's DRAM model, recording the earliest request time it has seen since the last check.
class CheckedDram final : public engine::Dram {
 public:
  explicit CheckedDram(const config::DramConfig& c) : inner_(c) {}
  uint64_t access(uint64_t t, uint64_t addr, uint32_t bytes, bool write) override {
    if (t < bound) ++violations;
    ++requests;
    return inner_.access(t, addr, bytes, write);
  }
  uint64_t busy_cycles() const override { return inner_.busy_cycles(); }
  uint64_t bound = 0, violations = 0, requests = 0;

 private:
  engine::SimpleDram inner_;
};

// Functional DRAM contents outside the engine.
class VectorMemory final : public engine::MemoryBackend {
 public:
  explicit VectorMemory(uint64_t bytes) : data(bytes, 0) {}
  void read(uint64_t addr, uint8_t* dst, size_t n) override { std::memcpy(dst, data.data() + addr, n); }
  void write(uint64_t addr, const uint8_t* src, size_t n) override { std::memcpy(data.data() + addr, src, n); }
  std::vector<uint8_t> data;
};

// Wraps the lowering: every command arrives at `arrival`; at every pull, the engine's horizon becomes a lower
// bound for the DRAM requests that follow.
class ObservingSource final : public engine::CommandSource {
 public:
  ObservingSource(engine::CommandSource& inner, uint64_t arrival) : inner_(inner), arrival_(arrival) {}
  bool next(isa::Command& c) override {
    if (engine && dram) dram->bound = std::max(dram->bound, engine->horizon());
    ++pulls;
    return inner_.next(c);
  }
  const isa::LoopWsArgs& loop_args(uint32_t i) const override { return inner_.loop_args(i); }
  uint64_t arrival() const override { return arrival_; }
  engine::Engine* engine = nullptr;
  CheckedDram* dram = nullptr;
  uint64_t pulls = 0;

 private:
  engine::CommandSource& inner_;
  uint64_t arrival_;
};

struct EmbeddedRun {
  uint64_t cycles = 0;
  sim::VerifyResult verify;
  uint64_t violations = 0, requests = 0;
};

// A GEMM through the engine with the embedder's DRAM and memory backend (functional: inputs by sim::init_inputs).
EmbeddedRun run_embedded(const config::HwConfig& hw, const models::OpGraph& g, uint64_t arrival, bool functional) {
  compiler::Lowering low(g, hw);
  CheckedDram dram(hw.dram);
  VectorMemory memory(low.memory_bytes());
  if (functional) sim::init_inputs(low, g, memory.data, 5);
  engine::EngineOptions eo;
  eo.functional = functional;
  eo.dram = &dram;
  eo.memory = &memory;
  engine::Engine eng(hw, eo);
  ObservingSource src(low, arrival);
  src.engine = &eng;
  src.dram = &dram;
  engine::LoopUnroller unroller(hw, src);
  eng.run(unroller, g.ops.size());
  EmbeddedRun r;
  r.cycles = eng.total_cycles();
  r.violations = dram.violations;
  r.requests = dram.requests;
  EXPECT_TRUE(eng.memory().empty());
  if (functional) sim::verify_matmuls(low, g, memory.data, r.verify);
  return r;
}

TEST(EngineEmbedding, ExternalDramAndMemoryChangeNothing) {
  const config::HwConfig hw;
  const models::OpGraph g = models::single_gemm_graph(150, 260, 90);
  sim::SimOptions so;
  so.verify = true;
  so.seed = 5;
  const sim::SimResult ref = sim::simulate(hw, g, so);
  const EmbeddedRun r = run_embedded(hw, g, 0, true);
  EXPECT_EQ(r.cycles, ref.total_cycles);
  EXPECT_EQ(r.requests, ref.counters.dma_read_requests + ref.counters.dma_write_requests);
  EXPECT_EQ(r.verify.elements_checked, 150u * 90u);
  EXPECT_EQ(r.verify.mismatches, 0u) << r.verify.first_mismatch;
}

TEST(EngineEmbedding, HorizonBoundsEveryLaterDramRequest) {
  config::HwConfig hw;
  hw.normalizer.enabled = true;
  hw.activation_units.enabled = true;
  // A whole I-BERT layer (loops, normalizer passes, fences), then a GEMM.
  const models::OpGraph layer = models::build_op_graph(models::uniform_spec("t", 1, 64, 128, 4, 256));
  compiler::LoweringOptions lo;
  lo.schedule = compiler::Schedule::all_fused();
  compiler::Lowering low(layer, hw, lo);
  CheckedDram dram(hw.dram);
  engine::EngineOptions eo;
  eo.dram = &dram;
  engine::Engine eng(hw, eo);
  ObservingSource src(low, 0);
  src.engine = &eng;
  src.dram = &dram;
  engine::LoopUnroller unroller(hw, src);
  eng.run(unroller, layer.ops.size());
  EXPECT_GT(src.pulls, 100u);
  EXPECT_GT(dram.bound, 0u);
  EXPECT_GT(dram.requests, 1000u);
  EXPECT_EQ(dram.violations, 0u);
  const EmbeddedRun r = run_embedded(hw, models::single_gemm_graph(300, 200, 100), 0, false);
  EXPECT_EQ(r.violations, 0u);
}

TEST(EngineEmbedding, ArrivalDelaysDispatch) {
  // Every command arriving at cycle 10000 shifts the whole schedule by exactly 10000 cycles (every resource is
  // free at cycle 0 and the DRAM model is shift-invariant).
  const config::HwConfig hw;
  const models::OpGraph g = models::single_gemm_graph(128, 128, 128);
  const EmbeddedRun now = run_embedded(hw, g, 0, false);
  const EmbeddedRun later = run_embedded(hw, g, 10000, false);
  EXPECT_EQ(later.cycles, now.cycles + 10000);
  EXPECT_EQ(now.cycles, sim::simulate(hw, g).total_cycles);
}

}  // namespace
}  // namespace coda
