#include "sim/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <ostream>
#include <random>

#include "models/gemm.h"
#include "models/ibert.h"
#include "sim/engine/engine.h"
#include "sim/engine/loop_unroller.h"

namespace coda::sim {

namespace {

class DumpObserver final : public engine::CommandObserver {
 public:
  explicit DumpObserver(std::ostream& os) : os_(os) {}
  void on_command(const isa::Command& c, uint64_t seq, uint64_t dispatch, uint64_t start, uint64_t end) override {
    os_ << fmt::format("{:>10} {:>12} {:>12} {:>12}  op={:<5} {}\n", seq, dispatch, start, end,
                       c.op == engine::kNoOp ? -1 : int64_t(c.op), isa::to_string(c));
  }

 private:
  std::ostream& os_;
};

// Functional mode: external tensors (graph inputs, weights, biases) get deterministic random values.
void init_inputs(const compiler::Lowering& low, const models::OpGraph& g, std::vector<uint8_t>& mem, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> i8(-128, 127);
  std::uniform_int_distribution<int> bias(-4096, 4096);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const auto& p = low.plans()[i];
    if (p.placement != compiler::Placement::Accelerator) continue;
    const auto& mm = g.ops[i].mm;
    auto fill8 = [&](const compiler::TensorRef& t, int64_t rows, int64_t cols) {
      if (!t.external) return;
      const uint64_t n = uint64_t(rows) * uint64_t(cols) * uint64_t(mm.batch);
      for (uint64_t k = 0; k < n; ++k) mem[t.addr + k] = static_cast<uint8_t>(static_cast<int8_t>(i8(rng)));
    };
    fill8(p.a, p.a.rows, p.a.cols);
    fill8(p.b, p.b.rows, p.b.cols);
    if (mm.has_bias) {
      for (int64_t k = 0; k < mm.n; ++k) {
        const int32_t v = bias(rng);
        std::memcpy(&mem[p.d.addr + uint64_t(k) * 4], &v, 4);
      }
    }
  }
}

void verify_matmuls(const compiler::Lowering& low, const models::OpGraph& g, const std::vector<uint8_t>& mem,
                    VerifyResult& v) {
  v.ran = true;
  std::vector<int8_t> a, b;
  std::vector<int32_t> c;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const auto& p = low.plans()[i];
    if (p.placement != compiler::Placement::Accelerator) continue;
    const models::Op& op = g.ops[i];
    const auto& mm = op.mm;
    ++v.ops_checked;
    for (int64_t bt = 0; bt < mm.batch; ++bt) {
      const compiler::OpPlan::Bases base = p.bases(bt);
      const uint64_t a_base = base.a, b_base = base.b, c_base = base.c;
      a.assign(size_t(mm.m * mm.k), 0);
      b.assign(size_t(mm.k * mm.n), 0);
      for (int64_t r = 0; r < mm.m; ++r)
        for (int64_t k = 0; k < mm.k; ++k)
          a[size_t(r * mm.k + k)] = static_cast<int8_t>(
              mm.transpose_a ? mem[a_base + uint64_t(k) * p.a.stride + uint64_t(r)] : mem[a_base + uint64_t(r) * p.a.stride + uint64_t(k)]);
      for (int64_t k = 0; k < mm.k; ++k)
        for (int64_t n = 0; n < mm.n; ++n)
          b[size_t(k * mm.n + n)] = static_cast<int8_t>(
              mm.transpose_b ? mem[b_base + uint64_t(n) * p.b.stride + uint64_t(k)] : mem[b_base + uint64_t(k) * p.b.stride + uint64_t(n)]);
      c.assign(size_t(mm.m * mm.n), 0);
      models::gemm_i8(mm.m, mm.n, mm.k, a.data(), mm.k, false, b.data(), mm.n, false, c.data(), mm.n);
      for (int64_t r = 0; r < mm.m; ++r) {
        for (int64_t n = 0; n < mm.n; ++n) {
          int32_t expect = c[size_t(r * mm.n + n)];
          if (mm.has_bias) {
            int32_t bv;
            std::memcpy(&bv, &mem[p.d.addr + uint64_t(n) * 4], 4);
            expect += bv;
          }
          int32_t got;
          if (p.c_full) {
            std::memcpy(&got, &mem[c_base + uint64_t(r) * p.c.stride + uint64_t(n) * 4], 4);
          } else {
            expect = models::requantize_i8(expect, p.scale);
            got = static_cast<int8_t>(mem[c_base + uint64_t(r) * p.c.stride + uint64_t(n)]);
          }
          ++v.elements_checked;
          if (got != expect) {
            if (v.mismatches == 0)
              v.first_mismatch = fmt::format("{}[batch {}][{}][{}]: expected {}, got {}", op.name, bt, r, n, expect, got);
            ++v.mismatches;
          }
        }
      }
    }
  }
}

}  // namespace

SimResult simulate(const config::HwConfig& hw, const models::OpGraph& graph, const SimOptions& options) {
  const bool functional = options.functional || options.verify;
  compiler::Lowering lowering(graph, hw, options.lowering);
  engine::EngineOptions eo;
  eo.functional = functional;
  eo.memory_bytes = functional ? lowering.memory_bytes() : 0;
  engine::Engine eng(hw, eo);
  std::unique_ptr<DumpObserver> dump;
  if (options.dump_commands) {
    dump = std::make_unique<DumpObserver>(*options.dump_commands);
    *options.dump_commands << fmt::format("{:>10} {:>12} {:>12} {:>12}  {}\n", "seq", "dispatch", "start", "end", "command");
    eng.set_observer(dump.get());
  }
  if (functional) init_inputs(lowering, graph, eng.memory(), options.seed);
  engine::LoopUnroller unroller(hw, lowering);
  eng.run(unroller, graph.ops.size());

  SimResult r;
  r.workload = graph.spec.name;
  r.tiling = lowering.tiling().name();
  r.dataflow = options.lowering.dataflow == isa::Dataflow::WS ? "WS" : "OS";
  r.total_cycles = eng.total_cycles();
  r.seconds = double(r.total_cycles) / (hw.clock_ghz * 1e9);
  r.counters = eng.counters();
  r.total_macs = uint64_t(graph.total_macs());
  r.mesh_utilization = r.total_cycles ? double(r.total_macs) / (double(hw.mesh.rows * hw.mesh.cols) * double(r.total_cycles)) : 0;
  // Attribution: each op owns the cycles by which it pushes the completion frontier (program order), so the
  // per-op cycles sum exactly to the total.
  uint64_t frontier = 0;
  r.ops.reserve(graph.ops.size());
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const models::Op& op = graph.ops[i];
    const engine::OpTiming& t = eng.op_timing()[i];
    OpResult o;
    o.name = op.name;
    o.kind = op.kind;
    o.category = op.category();
    o.block = op.block;
    o.layer = op.layer;
    const auto pl = lowering.plans()[i].placement;
    o.placement = pl == compiler::Placement::Accelerator ? "accelerator" : pl == compiler::Placement::Fused ? "fused" : "host";
    o.commands = t.commands;
    o.macs = uint64_t(op.macs());
    o.actions = t.actions;
    if (pl == compiler::Placement::Host) {
      // The host's loops stream their operands from and to DRAM (the host model's bytes_per_cycle term).
      o.actions.dram_bytes_read += uint64_t(op.bytes_in());
      o.actions.dram_bytes_written += uint64_t(op.bytes_out());
    }
    if (t.commands) {
      o.start = t.start;
      o.end = t.end;
      for (size_t u = 0; u < engine::kNumUnits; ++u) {
        o.unit_used[u] = t.unit_start[u] != engine::OpTiming::kNone;
        o.unit_start[u] = o.unit_used[u] ? t.unit_start[u] : 0;
        o.unit_end[u] = t.unit_end[u];
      }
      if (t.end > frontier) {
        o.cycles = t.end - frontier;
        frontier = t.end;
      }
    } else {
      o.start = o.end = frontier;
    }
    r.breakdown_cycles[static_cast<size_t>(o.category)] += o.cycles;
    r.ops.push_back(std::move(o));
  }
  if (frontier < r.total_cycles) {
    // Tail cycles (e.g. a final store that completes after the last op's frontier) go to the last op.
    if (!r.ops.empty()) {
      r.ops.back().cycles += r.total_cycles - frontier;
      r.breakdown_cycles[static_cast<size_t>(r.ops.back().category)] += r.total_cycles - frontier;
    }
  }
  // Energy: each op's actions plus the static energy of its attributed cycles, so ops sum to the total.
  if (!r.ops.empty()) r.ops.back().actions += eng.other_actions();
  for (auto& o : r.ops) {
    o.energy_by_unit = energy::energy_of(hw, o.actions, o.cycles);
    o.energy_j = o.energy_by_unit.total();
    r.actions += o.actions;
  }
  r.energy_by_unit = energy::energy_of(hw, r.ops.empty() ? eng.other_actions() : r.actions, r.total_cycles);
  r.energy_j = r.energy_by_unit.total();
  r.edp_js = r.energy_j * r.seconds;
  if (options.verify) verify_matmuls(lowering, graph, eng.memory(), r.verify);
  return r;
}

}  // namespace coda::sim
