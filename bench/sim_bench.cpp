// Benchmarks of sim::simulate (the whole pipeline: lowering, loop unrolling, engine, result collection).
// Each reports simulated cycles per wall second as the counter "sim_cycles/s". See bench/README.md.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "models/op_graph.h"
#include "sim/config/hw_config.h"
#include "sim/config/hw_loader.h"
#include "sim/config/workload_loader.h"
#include "sim/simulator.h"

namespace {

using namespace coda;

const config::HwConfig& hw() {
  static const config::HwConfig h = config::load_hw_config(CODA_SOURCE_DIR "/configs/hw/gemmini-default.yaml");
  return h;
}

const models::OpGraph& bert_base() {
  static const models::OpGraph g = config::load_workload_graph(CODA_SOURCE_DIR "/configs/workloads/bert-base.yaml");
  return g;
}

const models::OpGraph& gemm_512_768_768() {
  static const models::OpGraph g = models::single_gemm_graph(512, 768, 768);
  return g;
}

void run(benchmark::State& state, const models::OpGraph& g, bool functional, bool memo = true) {
  sim::SimOptions opt;
  opt.functional = functional;
  opt.memo = memo;
  uint64_t cycles = 0;
  for (auto _ : state) {
    const sim::SimResult r = sim::simulate(hw(), g, opt);
    cycles += r.total_cycles;
    benchmark::DoNotOptimize(r.total_cycles);
  }
  state.counters["sim_cycles/s"] = benchmark::Counter(double(cycles), benchmark::Counter::kIsRate);
  state.counters["total_cycles"] = double(cycles / state.iterations());
}

void BM_BertBase_Timing(benchmark::State& state) { run(state, bert_base(), false); }
// Every command simulated (no replay of repeated segments; docs/engine.md, "Segment memo").
void BM_BertBase_TimingNoMemo(benchmark::State& state) { run(state, bert_base(), false, false); }
void BM_BertBase_Functional(benchmark::State& state) { run(state, bert_base(), true); }
void BM_Gemm512x768x768_Timing(benchmark::State& state) { run(state, gemm_512_768_768(), false); }

}  // namespace

// Each iteration takes from a fraction of a second to tens of seconds: keep iteration counts small.
BENCHMARK(BM_BertBase_Timing)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_BertBase_TimingNoMemo)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_BertBase_Functional)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();
BENCHMARK(BM_Gemm512x768x768_Timing)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

BENCHMARK_MAIN();
