#include "sim/engine/execute_controller.h"

#include <algorithm>

#include "models/gemm.h"

namespace coda::engine {

Timing ExecuteController::simulate(const Pending& p, uint64_t earliest) {
  uint64_t start = std::max(earliest, free_);
  Mesh& mesh = ctx_.mesh;
  switch (p.cmd.opcode) {
    case isa::Opcode::ConfigEx: {
      // Changing the dataflow or the transposes needs an empty pipeline.
      const isa::Command& c = p.cmd;
      if (c.dataflow != mesh.dataflow || c.a_transpose != mesh.a_transpose || c.b_transpose != mesh.b_transpose)
        start = std::max(start, mesh.drained);
      mesh.dataflow = c.dataflow;
      mesh.a_transpose = c.a_transpose;
      mesh.b_transpose = c.b_transpose;
      free_ = start + 1;
      return {start, start + 1};
    }
    case isa::Opcode::Preload: return preload(p, start);
    default: return compute(p, start);
  }
}

Timing ExecuteController::preload(const Pending& p, uint64_t start) {
  const isa::Command& c = p.cmd;
  Mesh& mesh = ctx_.mesh;
  c_addr_ = c.addr2;
  c_rows_ = c.rows2;
  c_cols_ = c.cols2;
  free_ = start + 1;
  ctx_.counters.busy_cycles[1] += 1;
  if (c.addr1.is_garbage()) return {start, start + 1};  // only names the output of the next compute

  const uint64_t rd_lat = ctx_.sp.read_latency();
  uint64_t feed = std::max({start + rd_lat, mesh.top_free, mesh.dataflow == isa::Dataflow::WS ? mesh.shadow_free : 0});
  const uint64_t mesh_ready = feed;
  const uint64_t rd = ctx_.sp.reserve_read(c.addr1.row(), feed - rd_lat, c.rows1);
  ctx_.count_sp(c.op, c.rows1, 0);
  feed = rd + rd_lat;
  const uint64_t n = Mesh::feed_rows(c.rows1, mesh.b_transpose, uint64_t(ctx_.dim));
  mesh.top_free = feed + n;
  mesh.weights_ready = feed + n;

  if (ctx_.functional) {
    const auto dim = static_cast<size_t>(ctx_.dim);
    // WS: the weights go to the shadow buffers; OS: the preloaded operand is modelled the same way.
    auto& w = mesh.shadow;
    std::fill(w.begin(), w.end(), int8_t{0});
    for (uint32_t r = 0; r < c.rows1; ++r) {
      auto src = ctx_.sp.row(c.addr1.row() + r);
      for (uint32_t j = 0; j < c.cols1; ++j) {
        if (mesh.b_transpose)
          w[j * dim + r] = src[j];  // stored [n][k]: row r is output column r
        else
          w[r * dim + j] = src[j];
      }
    }
  }
  if (mesh.observer) {
    MeshEvent e;
    e.kind = MeshEvent::Kind::Preload;
    e.dataflow = mesh.dataflow;
    e.seq = p.seq;
    e.ready = start + rd_lat;
    e.stall = feed - mesh_ready;
    e.feed = feed;
    e.rows = mesh.b_transpose ? uint64_t(ctx_.dim) : c.rows1;
    e.occupancy = n;
    if (ctx_.functional) e.operand = mesh.shadow;
    mesh.observer->on_mesh(e);
  }
  return {start, mesh.weights_ready};
}

Timing ExecuteController::compute(const Pending& p, uint64_t start) {
  const isa::Command& c = p.cmd;
  Mesh& mesh = ctx_.mesh;
  const bool preloaded = c.opcode == isa::Opcode::ComputePreloaded;
  const uint64_t rd_lat = ctx_.sp.read_latency();
  const bool ws = mesh.dataflow == isa::Dataflow::WS;

  uint64_t feed = std::max(start + rd_lat, mesh.left_free);
  if (preloaded && mesh.weights_ready > feed) {
    ctx_.counters.preload_hazard_cycles += mesh.weights_ready - feed;
    feed = mesh.weights_ready;
  }
  // The same without the write back-pressure and bank conflicts (what the mesh alone allows; co-simulation).
  const uint64_t mesh_ready = std::max({start + rd_lat, mesh.left_mesh_free, preloaded ? mesh.weights_ready : 0});
  if (!c.addr1.is_garbage()) feed = ctx_.sp.reserve_read(c.addr1.row(), feed - rd_lat, c.rows1) + rd_lat;
  if (!c.addr1.is_garbage()) ctx_.count_sp(c.op, c.rows1, 0);
  const uint64_t k = c.cols1;  // reduction length (A's columns)
  const uint64_t n = Mesh::feed_rows(ws ? c.rows1 : k, mesh.a_transpose, uint64_t(ctx_.dim));
  uint64_t left_free = feed + n;
  mesh.left_mesh_free = feed + n;
  if (preloaded) mesh.shadow_free = feed;

  uint64_t end = left_free;
  const uint64_t out_rows = c_rows_;
  const uint64_t first_out = ws ? feed + mesh.latency() : feed + n + uint64_t(ctx_.dim) - 1 + uint64_t(ctx_.hw.mesh.output_delay_cycles);
  uint64_t w = first_out;
  if (!c_addr_.is_garbage() && out_rows > 0) {
    if (c_addr_.is_acc()) {
      w = ctx_.acc.reserve_write(c_addr_.row(), first_out, out_rows, c_addr_.accumulate());
      ctx_.count_acc(c.op, c_addr_.accumulate() ? out_rows : 0, out_rows);
      end = w + out_rows + ctx_.acc.write_latency();
    } else {
      w = ctx_.sp.reserve_write(c_addr_.row(), first_out, out_rows);
      ctx_.count_sp(c.op, 0, out_rows);
      end = w + out_rows + ctx_.sp.write_latency();
    }
    // The mesh cannot hold results: a delayed write port back-pressures the input.
    left_free += w - first_out;
  }
  mesh.left_free = left_free;
  mesh.drained = std::max(mesh.drained, end);
  free_ = start + 1;
  ctx_.counters.busy_cycles[1] += 1;
  ctx_.counters.mesh_busy_cycles += n;
  const uint64_t macs = uint64_t(c.rows1) * c.cols1 * c_cols_;
  ctx_.counters.macs += macs;
  if (p.cmd.op < ctx_.ops.size()) ctx_.ops[p.cmd.op].macs += macs;
  ctx_.actions(p.cmd.op).macs += macs;

  if (ctx_.functional) functional_compute(p, preloaded);
  if (mesh.observer) {
    MeshEvent e;
    e.kind = preloaded ? MeshEvent::Kind::ComputePreloaded : MeshEvent::Kind::Compute;
    e.dataflow = mesh.dataflow;
    e.seq = p.seq;
    e.ready = start + rd_lat;
    e.stall = feed - mesh_ready;
    e.feed = feed;
    e.rows = mesh.a_transpose ? uint64_t(ctx_.dim) : (ws ? c.rows1 : k);
    e.occupancy = n;
    e.out_rows = c_addr_.is_garbage() ? 0 : out_rows;
    e.first_out = first_out;
    e.write_start = w;
    if (ctx_.functional) {
      e.operand = a_buf_;
      e.result = out_buf_;
    }
    mesh.observer->on_mesh(e);
  }
  return {start, end};
}

void ExecuteController::functional_compute(const Pending& p, bool preloaded) {
  const isa::Command& c = p.cmd;
  Mesh& mesh = ctx_.mesh;
  const auto dim = static_cast<size_t>(ctx_.dim);
  if (preloaded) std::swap(mesh.active, mesh.shadow);
  // A block (rows1 x cols1), zero-padded to DIM columns; garbage = zeros.
  std::vector<int8_t>& a = a_buf_;
  std::vector<int32_t>& out = out_buf_;
  a.assign(dim * dim, 0);
  out.assign(dim * dim, 0);
  if (!c.addr1.is_garbage()) {
    for (uint32_t r = 0; r < c.rows1; ++r) {
      auto src = ctx_.sp.row(c.addr1.row() + r);
      for (uint32_t j = 0; j < c.cols1; ++j) {
        if (mesh.a_transpose)
          a[j * dim + r] = src[j];
        else
          a[r * dim + j] = src[j];
      }
    }
  }
  models::gemm_i8(int64_t(dim), int64_t(dim), int64_t(dim), a.data(), int64_t(dim), false, mesh.active.data(), int64_t(dim), false, out.data(), int64_t(dim));
  if (c_addr_.is_garbage()) return;
  for (uint32_t r = 0; r < c_rows_; ++r) {
    if (c_addr_.is_acc()) {
      auto dst = ctx_.acc.row(c_addr_.row() + r);
      for (uint32_t j = 0; j < c_cols_; ++j) dst[j] = c_addr_.accumulate() ? dst[j] + out[r * dim + j] : out[r * dim + j];
    } else {
      auto dst = ctx_.sp.row(c_addr_.row() + r);
      for (uint32_t j = 0; j < c_cols_; ++j) dst[j] = static_cast<int8_t>(std::clamp(out[r * dim + j], -128, 127));
    }
  }
}

}  // namespace coda::engine
