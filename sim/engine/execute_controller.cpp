#include "sim/engine/execute_controller.h"

#include <algorithm>
#include <cstring>

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

// preload() and compute() are inlined into simulate(), their only caller.
[[gnu::always_inline]] inline Timing ExecuteController::preload(const Pending& p, uint64_t start) {
  const isa::Command& c = p.cmd;
  Mesh& mesh = ctx_.mesh;
  c_addr_ = c.addr2;
  c_rows_ = c.rows2;
  c_cols_ = c.cols2;
  free_ = start + 1;
  ctx_.counters.busy_cycles[1] += 1;
  if (c.addr1.is_garbage()) return {start, start + 1};  // only names the output of the next compute

  const uint64_t rd_lat = ctx_.sp.read_latency();
  // The shadow (WS weights; OS the B operand buffer) is refilled only once the previous preload was flipped.
  uint64_t feed = std::max({start + rd_lat, mesh.top_free, mesh.shadow_free});
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
    const bool transpose = mesh.b_transpose;
    for (uint32_t r = 0; r < c.rows1; ++r) {
      const int8_t* src = ctx_.sp.row(c.addr1.row() + r).data();
      if (transpose) {
        for (uint32_t j = 0; j < c.cols1; ++j) w[j * dim + r] = src[j];  // stored [n][k]: row r is output column r
      } else {
        std::memcpy(w.data() + r * dim, src, c.cols1);
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

[[gnu::always_inline]] inline Timing ExecuteController::compute(const Pending& p, uint64_t start) {
  const isa::Command& c = p.cmd;
  Mesh& mesh = ctx_.mesh;
  const bool preloaded = c.opcode == isa::Opcode::ComputePreloaded;
  const uint64_t rd_lat = ctx_.sp.read_latency();
  const bool ws = mesh.dataflow == isa::Dataflow::WS;
  // The op's action counts (looked up once; what ctx_.count_sp / count_acc / actions would each look up).
  OpTiming* const op = c.op < ctx_.ops.size() ? &ctx_.ops[c.op] : nullptr;
  Actions& act = op ? op->actions : ctx_.other_actions;

  uint64_t feed = std::max(start + rd_lat, mesh.left_free);
  if (preloaded && mesh.weights_ready > feed) {
    ctx_.counters.preload_hazard_cycles += mesh.weights_ready - feed;
    feed = mesh.weights_ready;
  }
  // OS: columns streamed (K, or DIM through the transposer); each compute drains DIM result rows through the
  // bottom of the mesh, so its last column enters at least DIM cycles after the previous compute's last column.
  const uint64_t streamed = mesh.a_transpose ? uint64_t(ctx_.dim) : std::max<uint64_t>(c.cols1, 1);
  const uint64_t os_drain_ready =
      !ws && mesh.os_drain_free + 1 > streamed ? mesh.os_drain_free + 1 - streamed : 0;
  feed = std::max(feed, os_drain_ready);
  // The same without the write back-pressure and bank conflicts (what the mesh alone allows; co-simulation).
  const uint64_t mesh_ready =
      std::max({start + rd_lat, mesh.left_mesh_free, preloaded ? mesh.weights_ready : 0, os_drain_ready});
  if (!c.addr1.is_garbage()) {
    feed = ctx_.sp.reserve_read(c.addr1.row(), feed - rd_lat, c.rows1) + rd_lat;
    act.sp_bytes_read += uint64_t(c.rows1) * ctx_.sp_row_bytes;
  }
  const uint64_t k = c.cols1;  // reduction length (A's columns)
  const uint64_t n = Mesh::feed_rows(ws ? c.rows1 : k, mesh.a_transpose, uint64_t(ctx_.dim));
  uint64_t left_free = feed + n;
  mesh.left_mesh_free = feed + n;
  if (preloaded) mesh.shadow_free = feed;

  uint64_t end = left_free;
  const uint64_t out_rows = c_rows_;
  // WS: row i leaves at first_out + i. OS: the compute drains DIM rows, bottom row first, from
  // last column + latency() + 1 (one drain register more than WS's path); the written rows (0 .. out_rows-1) are
  // the last out_rows of them, so the first written row (out_rows-1) leaves at first_out, row i at
  // first_out + out_rows - 1 - i.
  const uint64_t os_last_col = feed + streamed - 1;
  const uint64_t first_out = ws ? feed + mesh.latency()
                                : os_last_col + mesh.latency() + 1 + uint64_t(ctx_.dim) - std::min<uint64_t>(out_rows, uint64_t(ctx_.dim));
  if (!ws) mesh.os_drain_free = os_last_col + uint64_t(ctx_.dim);
  uint64_t w = first_out;
  if (!c_addr_.is_garbage() && out_rows > 0) {
    if (c_addr_.is_acc()) {
      w = ctx_.acc.reserve_write(c_addr_.row(), first_out, out_rows, c_addr_.accumulate());
      if (c_addr_.accumulate()) act.acc_bytes_read += out_rows * ctx_.acc_row_bytes;
      act.acc_bytes_written += out_rows * ctx_.acc_row_bytes;
      end = w + out_rows + ctx_.acc.write_latency();
    } else {
      w = ctx_.sp.reserve_write(c_addr_.row(), first_out, out_rows);
      act.sp_bytes_written += out_rows * ctx_.sp_row_bytes;
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
  if (op) op->macs += macs;
  act.macs += macs;

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
  if (preloaded) {
    std::swap(mesh.active, mesh.shadow);
    wt_valid_ = false;
  }
  // A co-simulation observer sees the whole zero-padded operand and the whole DIM x DIM product, even of a
  // compute whose result is discarded.
  const bool observed = mesh.observer != nullptr;
  if (c_addr_.is_garbage() && !observed) return;  // nothing is written
  // A block (rows1 x cols1), zero-padded to DIM columns; garbage = zeros. (Zeroed only when not fully
  // overwritten; the DIM = 16 product writes every output row that is read back.)
  const bool transpose = mesh.a_transpose;
  const bool to_acc = c_addr_.is_acc(), accumulate = c_addr_.accumulate();
  // A whole untransposed DIM x DIM block is read in place: scratchpad rows are contiguous.
  const bool in_place = !observed && !c.addr1.is_garbage() && !transpose && c.rows1 == dim && c.cols1 == dim;
  if (!in_place) a_buf_.assign(dim * dim, 0);
  if (dim == kDim16 && !observed)
    out_buf_.resize(dim * dim);
  else
    out_buf_.assign(dim * dim, 0);
  const int8_t* a = in_place ? ctx_.sp.row(c.addr1.row()).data() : a_buf_.data();
  int32_t* out = out_buf_.data();  // (locals: the loops below then need no reloads)
  if (!in_place && !c.addr1.is_garbage()) {
    int8_t* ab = a_buf_.data();
    for (uint32_t r = 0; r < c.rows1; ++r) {
      const int8_t* src = ctx_.sp.row(c.addr1.row() + r).data();
      if (transpose) {
        for (uint32_t j = 0; j < c.cols1; ++j) ab[j * dim + r] = src[j];
      } else {
        std::memcpy(ab + r * dim, src, c.cols1);
      }
    }
  }
  // The mesh's product, out = a x active ([i][k] x [k][j]), for the output rows that are written. A direct
  // DIM x DIM x DIM loop (j innermost, vectorized) instead of the packed general GEMM: the sums are exact
  // either way (|sum| <= DIM * 2^14 fits int32).
  const int8_t* w = mesh.active.data();
  const size_t rows = observed ? dim : std::min<size_t>(c_rows_, dim);
  if (dim == kDim16) {
    if (!observed && to_acc && c_cols_ == dim) {  // whole accumulator rows (contiguous): the kernel writes them
      product16(a, rows, ctx_.acc.row(c_addr_.row()).data(), accumulate);
      return;
    }
    product16(a, rows, out, false);
  } else {
    for (size_t i = 0; i < rows; ++i) {
      int32_t* o = out + i * dim;
      const int8_t* ai = a + i * dim;
      for (size_t k = 0; k < dim; ++k) {
        const int32_t x = ai[k];
        if (x == 0) continue;  // zero padding (and zero data) adds nothing
        const int8_t* wk = w + k * dim;
        for (size_t j = 0; j < dim; ++j) o[j] += x * int32_t(wk[j]);
      }
    }
  }
  if (c_addr_.is_garbage()) return;
  const uint32_t cols = c_cols_;
  if (to_acc && cols == dim) {  // whole rows: accumulator rows are contiguous, one run of c_rows_ * DIM values
    int32_t* __restrict dst = ctx_.acc.row(c_addr_.row()).data();
    const int32_t* __restrict o = out;
    const size_t n = size_t(c_rows_) * dim;
    if (accumulate) {
      for (size_t e = 0; e < n; ++e) dst[e] += o[e];
    } else {
      std::memcpy(dst, o, n * sizeof(int32_t));
    }
    return;
  }
  for (uint32_t r = 0; r < c_rows_; ++r) {
    const int32_t* o = out + r * dim;
    if (to_acc) {
      int32_t* dst = ctx_.acc.row(c_addr_.row() + r).data();
      if (accumulate) {
        for (uint32_t j = 0; j < cols; ++j) dst[j] += o[j];
      } else {
        for (uint32_t j = 0; j < cols; ++j) dst[j] = o[j];
      }
    } else {
      int8_t* dst = ctx_.sp.row(c_addr_.row() + r).data();
      for (uint32_t j = 0; j < cols; ++j) dst[j] = static_cast<int8_t>(std::clamp(o[j], -128, 127));
    }
  }
}

// DIM = 16 (Gemmini's mesh): out = a x active through the models/ tile kernel (models::tile16_i8: pmaddwd on
// int16 pairs, SSE2 or AVX2; exact int32 sums, so the same results on every path), with the active weights
// packed once per flip.
void ExecuteController::product16(const int8_t* a, size_t rows, int32_t* out, bool accumulate) {
  if (!wt_valid_) {
    models::pack_tile16(ctx_.mesh.active.data(), wt_.data());
    wt_valid_ = true;
  }
  models::tile16_i8(wt_.data(), a, static_cast<int64_t>(rows), out, accumulate);
}

}  // namespace coda::engine
