#include "sim/cosim/mesh_cosim.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "models/op_graph.h"
#include "rtl/harness/mesh_rtl.h"
#include "sim/config/diagnostics.h"

namespace coda::cosim {

using engine::MeshEvent;

namespace {
const char* kind_name(MeshEvent::Kind k) {
  switch (k) {
    case MeshEvent::Kind::Preload: return "preload";
    case MeshEvent::Kind::Compute: return "compute";
    case MeshEvent::Kind::ComputePreloaded: return "compute_preloaded";
  }
  return "?";
}
}  // namespace

MeshReplayer::MeshReplayer(int dim, ReplayOptions options)
    : rtl_(rtl::MeshRtl::create(dim)), options_(std::move(options)), dim_(dim) {
  if (!options_.vcd.empty()) rtl_->open_vcd(options_.vcd);
}

MeshReplayer::~MeshReplayer() = default;

void MeshReplayer::mismatch(const std::string& what) {
  if (r_.first_mismatch.empty()) r_.first_mismatch = what;
}

void MeshReplayer::on_mesh(const MeshEvent& e) {
  if (e.dataflow != isa::Dataflow::WS)
    throw std::invalid_argument("co-simulation: the RTL mesh is weight-stationary; the engine ran an OS operation");
  if (e.ready < last_ready_) throw std::logic_error("co-simulation: mesh events out of order");
  if (e.rows == 0) throw std::logic_error("co-simulation: a mesh operation without rows");
  last_ready_ = e.ready;
  // Every cycle before e.ready is fully known: later events are ready later.
  advance_until(e.ready);
  Op op;
  op.ev = e;
  op.ev.operand = {};
  op.ev.result = {};
  op.operand.assign(e.operand.begin(), e.operand.end());
  op.result.assign(e.result.begin(), e.result.end());
  if (options_.keep_timeline) {
    op.timeline = r_.timeline.size();
    OpCycles oc;
    oc.kind = e.kind;
    oc.engine_feed = e.feed;
    oc.ready = e.ready;
    oc.stall = e.stall;
    r_.timeline.push_back(oc);
  }
  if (e.kind == MeshEvent::Kind::Preload) {
    ++r_.preloads;
    top_.queue.push_back(std::move(op));
  } else {
    ++r_.computes;
    if (e.out_rows > 0) r_.engine_mesh_end = std::max(r_.engine_mesh_end, e.first_out + e.out_rows);
    left_.queue.push_back(std::move(op));
  }
}

void MeshReplayer::present(Port& port, bool left) {
  bool valid = false, first = false, last = false, flip = false;
  const int8_t* row = nullptr;
  const uint64_t c = rtl_->cycle();
  if (!port.queue.empty()) {
    const Op& op = port.queue.front();
    if (port.beat > 0 || (c >= op.ev.ready && c >= port.hold_until)) {
      valid = true;
      first = port.beat == 0;
      last = port.beat + 1 == op.ev.rows;
      flip = left && op.ev.kind == MeshEvent::Kind::ComputePreloaded;
      if (!op.operand.empty() && port.beat < uint64_t(dim_)) row = op.operand.data() + port.beat * uint64_t(dim_);
    }
  }
  if (left)
    rtl_->set_a(valid, row, first, flip, last);
  else
    rtl_->set_b(valid, row, first, last);
}

// Returns true when the presented row was withdrawn (external stall): the caller re-settles.
bool MeshReplayer::accept(Port& port, bool left, bool ready) {
  if (port.queue.empty()) return false;
  Op& op = port.queue.front();
  const uint64_t c = rtl_->cycle();
  const bool presented = port.beat > 0 || (c >= op.ev.ready && c >= port.hold_until);
  if (!presented || !ready) return false;
  if (port.beat == 0 && !port.stalled && op.ev.stall > 0) {
    // The mesh would take it now; the engine's scratchpad/accumulator held it back.
    port.stalled = true;
    port.hold_until = c + op.ev.stall;
    ++r_.stalls;
    r_.stall_cycles += op.ev.stall;
    if (left)
      rtl_->set_a(false, nullptr, false, false, false);
    else
      rtl_->set_b(false, nullptr, false, false);
    return true;
  }
  last_activity_ = c;
  if (port.beat == 0) {
    if (c != op.ev.feed) {
      ++r_.feed_mismatches;
      mismatch(fmt::format("{} #{}: enters the RTL mesh at cycle {}, the engine's at {}", kind_name(op.ev.kind),
                           op.ev.seq, c, op.ev.feed));
    }
    if (options_.keep_timeline) r_.timeline[op.timeline].rtl_feed = c;
  }
  if (++port.beat == op.ev.rows) {
    port.beat = 0;
    port.stalled = false;
    if (left) out_.push_back({std::move(op), 0});
    port.queue.pop_front();
  }
  return false;
}

void MeshReplayer::step() {
  present(left_, true);
  present(top_, false);
  rtl_->settle();
  // Left first: the top port's readiness depends on a flip entering this cycle.
  if (accept(left_, true, rtl_->a_ready())) rtl_->settle();
  if (accept(top_, false, rtl_->b_ready())) rtl_->settle();
  const uint64_t c = rtl_->cycle();
  if (rtl_->out_valid()) {
    last_activity_ = c;
    if (out_.empty()) {
      ++r_.row_timing_mismatches;
      mismatch(fmt::format("the RTL mesh produced a row at cycle {} that no compute expects", c));
    } else {
      Outstanding& o = out_.front();
      const MeshEvent& e = o.op.ev;
      const uint64_t i = o.next_row++;
      if (i < e.out_rows) {
        ++r_.rows_compared;
        const uint64_t expect = e.first_out + i;
        if (c != expect) {
          ++r_.row_timing_mismatches;
          mismatch(fmt::format("{} #{}: row {} leaves the RTL mesh at cycle {}, the engine's at {}", kind_name(e.kind),
                               e.seq, i, c, expect));
        }
        r_.rtl_mesh_end = std::max(r_.rtl_mesh_end, c + 1);
        if (options_.keep_timeline) {
          r_.timeline[o.op.timeline].engine_rows.push_back(expect);
          r_.timeline[o.op.timeline].rtl_rows.push_back(c);
        }
        if (!o.op.result.empty()) {
          for (int j = 0; j < dim_; ++j) {
            ++r_.values_compared;
            const int32_t want = o.op.result[i * uint64_t(dim_) + uint64_t(j)];
            const int32_t got = rtl_->out(j);
            if (got != want) {
              ++r_.value_mismatches;
              mismatch(fmt::format("{} #{}: C[{}][{}] = {} in the RTL, {} in the engine", kind_name(e.kind), e.seq, i, j,
                                   got, want));
            }
          }
        }
      }
      if (o.next_row == e.rows) {
        if (e.out_rows > e.rows) {
          ++r_.row_count_mismatches;
          mismatch(fmt::format("{} #{}: the engine writes {} rows, the RTL mesh streams {}", kind_name(e.kind), e.seq,
                               e.out_rows, e.rows));
        }
        out_.pop_front();
      }
    }
  }
  rtl_->tick();
  ++r_.rtl_cycles_simulated;
}

void MeshReplayer::advance_until(uint64_t cycle) {
  while (rtl_->cycle() < cycle) {
    const bool idle = left_.queue.empty() && top_.queue.empty() && out_.empty();
    // Idle for longer than any pipeline: the RTL's state is a fixed point, so the clock may jump.
    const uint64_t quiet = 4 * uint64_t(dim_) + 16;
    if (idle && options_.vcd.empty() && rtl_->cycle() > last_activity_ + quiet) {
      rtl_->skip_to(cycle);
      break;
    }
    step();
  }
}

const ReplayResult& MeshReplayer::finish() {
  uint64_t guard = rtl_->cycle() + 1000;
  while (!left_.queue.empty() || !top_.queue.empty() || !out_.empty()) {
    const uint64_t before = last_activity_;
    step();
    if (last_activity_ != before) guard = rtl_->cycle() + 1000 + 64 * uint64_t(dim_);
    const bool waiting_ready = (!left_.queue.empty() && rtl_->cycle() < left_.queue.front().ev.ready) ||
                               (!top_.queue.empty() && rtl_->cycle() < top_.queue.front().ev.ready);
    if (!waiting_ready && rtl_->cycle() > guard) {
      throw std::runtime_error(fmt::format(
          "co-simulation: the RTL mesh accepts nothing since cycle {} ({} computes, {} preloads waiting)", last_activity_,
          left_.queue.size(), top_.queue.size()));
    }
  }
  return r_;
}

void check_mesh_config(const config::HwConfig& hw, const std::string& file) {
  using rtl::MeshRtlParams;
  const config::SourceLocation loc{file, 0, 0};
  const auto& m = hw.mesh;
  if (m.rows != m.cols) throw config::InputError(loc, "mesh.cols", "the RTL mesh is square (mesh.rows = mesh.cols)");
  if (!rtl::MeshRtl::supported(int(m.rows)))
    throw config::InputError(loc, "mesh.rows",
                             fmt::format("the RTL mesh is Verilated for DIM 4, 8 and 16, not {}", m.rows));
  auto need = [&](int64_t have, int64_t want, const char* key) {
    if (have != want)
      throw config::InputError(loc, key, fmt::format("the RTL mesh is Verilated with {} = {}, the config has {}", key,
                                                     want, have));
  };
  need(m.input_bits, MeshRtlParams::kInputBits, "mesh.input_bits");
  need(m.acc_bits, MeshRtlParams::kAccBits, "mesh.acc_bits");
  need(m.spatial_acc_bits, MeshRtlParams::kPsumBits, "mesh.spatial_acc_bits");
  need(m.output_delay_cycles, MeshRtlParams::kOutputDelay, "mesh.output_delay_cycles");
  need(m.tile_latency_cycles, MeshRtlParams::kTileLatency, "mesh.tile_latency_cycles");
  if (m.dataflow == config::Dataflow::OS)
    throw config::InputError(loc, "mesh.dataflow", "the RTL mesh is weight-stationary; the config enables only os");
}

GemmCosim cosim_gemm(const config::HwConfig& hw, int64_t m, int64_t k, int64_t n, uint64_t seed,
                     const ReplayOptions& options) {
  MeshReplayer replayer(int(hw.dim()), options);
  sim::SimOptions o;
  o.functional = true;
  o.verify = true;
  o.seed = seed;
  o.lowering.dataflow = isa::Dataflow::WS;
  o.mesh_observer = &replayer;
  GemmCosim g;
  g.engine = sim::simulate(hw, models::single_gemm_graph(m, k, n), o);
  g.rtl = replayer.finish();
  return g;
}

}  // namespace coda::cosim
