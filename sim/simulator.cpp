#include "sim/simulator.h"

#include <fmt/format.h>

#include <memory>
#include <ostream>

#include "sim/engine/engine.h"
#include "sim/engine/loop_unroller.h"
#include "sim/engine/segment_memo.h"
#include "sim/functional.h"

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

}  // namespace

SimResult simulate(const config::HwConfig& hw, const models::OpGraph& graph, const SimOptions& options) {
  const bool functional = options.functional || options.verify;
  compiler::Lowering lowering(graph, hw, options.lowering);
  engine::EngineOptions eo;
  eo.functional = functional;
  eo.memory_bytes = functional ? lowering.memory_bytes() : 0;
  // Transformer graphs run real I-BERT layers in functional mode; lone GEMMs random operands.
  std::unique_ptr<LayerNumerics> layers;
  if (functional && graph.spec.layers > 0) {
    layers = std::make_unique<LayerNumerics>(graph, lowering, options.seed);
    eo.numerics = &layers->numerics();
    eo.host = layers.get();
  }
  engine::Engine eng(hw, eo);
  std::unique_ptr<DumpObserver> dump;
  if (options.dump_commands) {
    dump = std::make_unique<DumpObserver>(*options.dump_commands);
    *options.dump_commands << fmt::format("{:>10} {:>12} {:>12} {:>12}  {}\n", "seq", "dispatch", "start", "end", "command");
    eng.set_observer(dump.get());
  }
  eng.set_mesh_observer(options.mesh_observer);
  if (layers) {
    layers->init(eng.memory());
  } else if (functional) {
    init_inputs(lowering, graph, eng.memory(), options.seed);
  }
  // The memo sits between the lowering and the unroller; the engine uses it only where it is exact.
  const bool memo_on = options.memo && !functional && !options.dump_commands && !options.mesh_observer;
  std::unique_ptr<engine::SegmentMemo> memo;
  if (memo_on) {
    memo = std::make_unique<engine::SegmentMemo>(hw, lowering);
    eng.set_segment_memo(memo.get());
  }
  engine::LoopUnroller unroller(hw, memo ? static_cast<engine::CommandSource&>(*memo) : lowering);
  eng.run(unroller, graph.ops.size());

  SimResult r;
  r.workload = graph.spec.name;
  r.tiling = lowering.tiling().name();
  r.dataflow = options.lowering.dataflow == isa::Dataflow::WS ? "WS" : "OS";
  r.schedule = options.lowering.schedule.name;
  r.fusion = lowering.decisions();
  r.total_cycles = eng.total_cycles();
  r.seconds = double(r.total_cycles) / (hw.clock_ghz * 1e9);
  r.counters = eng.counters();
  if (memo) {
    r.memo.used = true;
    r.memo.segments_replayed = memo->stats().segments_replayed;
    r.memo.segments_recorded = memo->stats().segments_recorded;
    r.memo.commands_replayed = memo->stats().commands_replayed;
    const auto& st = memo->stats();
    r.memo.replayed_exact = st.replayed_exact;
    r.memo.segments_skipped = st.skipped_not_quiescent + st.skipped_long + st.skipped_busy + st.skipped_other;
  }
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
    o.placement = compiler::placement_name(lowering.plans()[i].placement);
    o.commands = t.commands;
    o.macs = uint64_t(op.macs());
    o.actions = t.actions;
    if (lowering.plans()[i].placement == compiler::Placement::Host) {
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
  if (options.verify) {
    if (layers) {
      layers->verify(eng.memory(), r.verify);
    } else {
      verify_matmuls(lowering, graph, eng.memory(), r.verify);
    }
  }
  return r;
}

}  // namespace coda::sim
