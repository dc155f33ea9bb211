#include "sim/cosim/mesh_cosim.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "models/op_graph.h"
#include "rtl/harness/mesh_rtl.h"
#include "rtl/harness/os_mesh_rtl.h"
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
    : os_mode_(options.dataflow == isa::Dataflow::OS), options_(std::move(options)), dim_(dim) {
  if (os_mode_)
    os_ = rtl::OsMeshRtl::create(dim);
  else
    rtl_ = rtl::MeshRtl::create(dim);
  if (!options_.vcd.empty()) {
    if (os_mode_)
      os_->open_vcd(options_.vcd);
    else
      rtl_->open_vcd(options_.vcd);
  }
}

void MeshReplayer::set_a(bool valid, const int8_t* row, bool first, bool flip, bool last, uint64_t rows) {
  if (os_mode_)
    os_->set_a(valid, row, first, flip, last, int(std::min<uint64_t>(rows, 255)));
  else
    rtl_->set_a(valid, row, first, flip, last);
}
void MeshReplayer::set_b(bool valid, const int8_t* row, bool first, bool last) {
  if (os_mode_)
    os_->set_b(valid, row, first, last);
  else
    rtl_->set_b(valid, row, first, last);
}
void MeshReplayer::settle() { os_mode_ ? os_->settle() : rtl_->settle(); }
bool MeshReplayer::a_ready() const { return os_mode_ ? os_->a_ready() : rtl_->a_ready(); }
bool MeshReplayer::b_ready() const { return os_mode_ ? os_->b_ready() : rtl_->b_ready(); }
bool MeshReplayer::out_valid() const { return os_mode_ ? os_->out_valid() : rtl_->out_valid(); }
int32_t MeshReplayer::out(int j) const { return os_mode_ ? os_->out(j) : rtl_->out(j); }
void MeshReplayer::tick() { os_mode_ ? os_->tick() : rtl_->tick(); }
uint64_t MeshReplayer::cycle() const { return os_mode_ ? os_->cycle() : rtl_->cycle(); }
void MeshReplayer::skip_to(uint64_t c) { os_mode_ ? os_->skip_to(c) : rtl_->skip_to(c); }

MeshReplayer::~MeshReplayer() = default;

void MeshReplayer::mismatch(const std::string& what) {
  if (r_.first_mismatch.empty()) r_.first_mismatch = what;
}

void MeshReplayer::on_mesh(const MeshEvent& e) {
  if (e.dataflow != options_.dataflow)
    throw std::invalid_argument(os_mode_ ? "co-simulation: replaying through the output-stationary RTL mesh; the engine "
                                           "ran a WS operation"
                                         : "co-simulation: replaying through the weight-stationary RTL mesh; the "
                                           "engine ran an OS operation");
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
  if (os_mode_ && e.kind != MeshEvent::Kind::Preload && !op.operand.empty()) {
    // OS: the left port streams A's columns; store them as rows (column t = A[0..DIM-1][t]).
    const auto d = size_t(dim_);
    for (size_t i = 0; i < d; ++i)
      for (size_t t = 0; t < d; ++t) op.operand[t * d + i] = e.operand[i * d + t];
  }
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
  const uint64_t c = cycle();
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
    set_a(valid, row, first, flip, last, port.queue.empty() ? 1 : port.queue.front().ev.rows);
  else
    set_b(valid, row, first, last);
}

// Returns true when the presented row was withdrawn (external stall): the caller re-settles.
bool MeshReplayer::accept(Port& port, bool left, bool ready) {
  if (port.queue.empty()) return false;
  Op& op = port.queue.front();
  const uint64_t c = cycle();
  const bool presented = port.beat > 0 || (c >= op.ev.ready && c >= port.hold_until);
  if (!presented || !ready) return false;
  if (port.beat == 0 && !port.stalled && op.ev.stall > 0) {
    // The mesh would take it now; the engine's scratchpad/accumulator held it back.
    port.stalled = true;
    port.hold_until = c + op.ev.stall;
    ++r_.stalls;
    r_.stall_cycles += op.ev.stall;
    if (left)
      set_a(false, nullptr, false, false, false, 1);
    else
      set_b(false, nullptr, false, false);
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
  settle();
  // Left first: the top port's readiness depends on a flip entering this cycle.
  if (accept(left_, true, a_ready())) settle();
  if (accept(top_, false, b_ready())) settle();
  const uint64_t c = cycle();
  if (out_valid()) {
    last_activity_ = c;
    if (out_.empty()) {
      ++r_.row_timing_mismatches;
      mismatch(fmt::format("the RTL mesh produced a row at cycle {} that no compute expects", c));
    } else {
      Outstanding& o = out_.front();
      const MeshEvent& e = o.op.ev;
      const uint64_t beat = o.next_row++;
      // WS: beat i is row i. OS: DIM beats per compute, bottom row first; the written rows are the last ones.
      const uint64_t i = os_mode_ ? uint64_t(dim_) - 1 - beat : beat;
      if (i < e.out_rows) {
        ++r_.rows_compared;
        const uint64_t expect = os_mode_ ? e.first_out + (e.out_rows - 1 - i) : e.first_out + i;
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
            const int32_t got = out(j);
            if (got != want) {
              ++r_.value_mismatches;
              mismatch(fmt::format("{} #{}: C[{}][{}] = {} in the RTL, {} in the engine", kind_name(e.kind), e.seq, i, j,
                                   got, want));
            }
          }
        }
      }
      if (o.next_row == (os_mode_ ? uint64_t(dim_) : e.rows)) {
        if (!os_mode_ && e.out_rows > e.rows) {
          ++r_.row_count_mismatches;
          mismatch(fmt::format("{} #{}: the engine writes {} rows, the RTL mesh streams {}", kind_name(e.kind), e.seq,
                               e.out_rows, e.rows));
        }
        out_.pop_front();
      }
    }
  }
  tick();
  ++r_.rtl_cycles_simulated;
}

void MeshReplayer::advance_until(uint64_t until) {
  while (cycle() < until) {
    const bool idle = left_.queue.empty() && top_.queue.empty() && out_.empty();
    // Idle for longer than any pipeline: the RTL's state is a fixed point, so the clock may jump.
    const uint64_t quiet = 4 * uint64_t(dim_) + 16;
    if (idle && options_.vcd.empty() && cycle() > last_activity_ + quiet) {
      skip_to(until);
      break;
    }
    step();
  }
}

const ReplayResult& MeshReplayer::finish() {
  uint64_t guard = cycle() + 1000;
  while (!left_.queue.empty() || !top_.queue.empty() || !out_.empty()) {
    const uint64_t before = last_activity_;
    step();
    if (last_activity_ != before) guard = cycle() + 1000 + 64 * uint64_t(dim_);
    const bool waiting_ready = (!left_.queue.empty() && cycle() < left_.queue.front().ev.ready) ||
                               (!top_.queue.empty() && cycle() < top_.queue.front().ev.ready);
    if (!waiting_ready && cycle() > guard) {
      throw std::runtime_error(fmt::format(
          "co-simulation: the RTL mesh accepts nothing since cycle {} ({} computes, {} preloads waiting)", last_activity_,
          left_.queue.size(), top_.queue.size()));
    }
  }
  return r_;
}

isa::Dataflow cosim_dataflow(const config::HwConfig& hw) {
  return hw.mesh.dataflow == config::Dataflow::OS ? isa::Dataflow::OS : isa::Dataflow::WS;
}

void check_mesh_config(const config::HwConfig& hw, const std::string& file, isa::Dataflow dataflow) {
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
  if (dataflow == isa::Dataflow::WS && m.dataflow == config::Dataflow::OS)
    throw config::InputError(loc, "mesh.dataflow", "co-simulating the WS dataflow; the config enables only os");
  if (dataflow == isa::Dataflow::OS && m.dataflow == config::Dataflow::WS)
    throw config::InputError(loc, "mesh.dataflow", "co-simulating the OS dataflow; the config enables only ws");
}

GemmCosim cosim_gemm(const config::HwConfig& hw, int64_t m, int64_t k, int64_t n, uint64_t seed,
                     const ReplayOptions& options) {
  MeshReplayer replayer(int(hw.dim()), options);
  sim::SimOptions o;
  o.functional = true;
  o.verify = true;
  o.seed = seed;
  o.lowering.dataflow = options.dataflow;
  o.mesh_observer = &replayer;
  GemmCosim g;
  g.engine = sim::simulate(hw, models::single_gemm_graph(m, k, n), o);
  g.rtl = replayer.finish();
  return g;
}

}  // namespace coda::cosim
