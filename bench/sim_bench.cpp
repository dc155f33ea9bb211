// Benchmarks of sim::simulate (the whole pipeline: lowering, loop unrolling, engine, result collection).
// Each reports simulated cycles per wall second as the counter "sim_cycles/s". See bench/README.md.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "models/encoder_layer.h"
#include "models/gemm.h"
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

// BERT-base with one layer (seq 512, hidden 768, 12 heads, FFN 3072): the callgrind profile's workload.
const models::OpGraph& bert_base_1layer() {
  static const models::OpGraph g = models::build_op_graph(models::uniform_spec("bert1", 1, 512, 768, 12, 3072));
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
void BM_BertBase1Layer_Functional(benchmark::State& state) { run(state, bert_base_1layer(), true); }
void BM_Gemm512x768x768_Timing(benchmark::State& state) { run(state, gemm_512_768_768(), false); }

// The functional setup's share: one BERT-base layer's random weights and float calibration run
// (models::make_encoder_layer, what sim::LayerNumerics does per layer).
void BM_EncoderLayer_MakeBertBase(benchmark::State& state) {
  const models::EncoderLayerDims d{512, 768, 12, 64, 3072, false};
  for (auto _ : state) {
    const models::EncoderLayer L = models::make_encoder_layer(d, 1);
    benchmark::DoNotOptimize(L.scales.output);
  }
}

// The float GEMM of the calibration (models::gemm_f32) on the FFN1 shape, 512 x 768 x 3072; `_SSE2` forces the
// x86-64 baseline path (what a CPU without AVX runs), the other one is the run-time choice.
template <auto Fn>
void gemm_f32_bench(benchmark::State& state) {
  const int64_t m = 512, k = 768, n = 3072;
  std::vector<float> a(size_t(m * k), 0.5f), b(size_t(k * n), 0.25f), c(size_t(m * n));
  for (auto _ : state) {
    Fn(m, n, k, a.data(), k, b.data(), n, c.data(), n, nullptr);
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["MAC/s"] = benchmark::Counter(double(m * k * n) * double(state.iterations()), benchmark::Counter::kIsRate);
}
void BM_GemmF32_512x768x3072(benchmark::State& state) { gemm_f32_bench<models::gemm_f32>(state); }
void BM_GemmF32_512x768x3072_SSE2(benchmark::State& state) { gemm_f32_bench<models::detail::gemm_f32_sse2>(state); }

// The functional mesh's 16 x 16 tile product (models::tile16_i8), 16 rows, accumulating (`_SSE2`: baseline path).
template <auto Fn>
void tile16_bench(benchmark::State& state) {
  std::vector<int8_t> w(256), a(256);
  for (size_t i = 0; i < 256; ++i) {
    w[i] = static_cast<int8_t>(i * 7);
    a[i] = static_cast<int8_t>(i * 13);
  }
  std::vector<int16_t> packed(256);
  models::pack_tile16(w.data(), packed.data());
  std::vector<int32_t> out(256, 0);
  for (auto _ : state) {
    Fn(packed.data(), a.data(), 16, out.data(), true);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["MAC/s"] = benchmark::Counter(4096.0 * double(state.iterations()), benchmark::Counter::kIsRate);
}
void BM_Tile16I8(benchmark::State& state) { tile16_bench<models::tile16_i8>(state); }
void BM_Tile16I8_SSE2(benchmark::State& state) { tile16_bench<models::detail::tile16_i8_sse2>(state); }

}  // namespace

// Each iteration takes from a fraction of a second to tens of seconds: keep iteration counts small.
BENCHMARK(BM_BertBase_Timing)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_BertBase_TimingNoMemo)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_BertBase_Functional)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();
BENCHMARK(BM_BertBase1Layer_Functional)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_Gemm512x768x768_Timing)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();
BENCHMARK(BM_EncoderLayer_MakeBertBase)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_GemmF32_512x768x3072)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_GemmF32_512x768x3072_SSE2)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_Tile16I8);
BENCHMARK(BM_Tile16I8_SSE2);

BENCHMARK_MAIN();
