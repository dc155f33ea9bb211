#include "sim/compiler/lowering.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace coda::compiler {

using models::DType;
using models::Op;
using models::OpKind;

OpPlan::Bases OpPlan::bases(int64_t batch) const {
  const auto outer = uint64_t(batch / heads), head = uint64_t(batch % heads);
  const uint64_t c_elem = c_full ? 4 : 1;
  return {a.addr + outer * a_outer_offset + head * a_batch_offset, b.addr + outer * b_outer_offset + head * b_batch_offset,
          c.addr + (outer * c_outer_offset + head * c_batch_offset) * c_elem};
}

Lowering::Lowering(const models::OpGraph& graph, const config::HwConfig& hw, LoweringOptions options)
    : graph_(graph), hw_(hw), options_(std::move(options)), tiling_(make_tiling(options_.tiling)) {
  plan();
}

uint64_t Lowering::alloc(uint64_t bytes) {
  const uint64_t addr = memory_bytes_;
  memory_bytes_ += (bytes + 63) & ~uint64_t(63);
  return addr;
}

uint64_t Lowering::host_cost(const Op& op) const {
  const auto& h = hw_.host;
  double per = 0;
  switch (op.kind) {
    case OpKind::Softmax: per = h.softmax_cycles_per_element; break;
    case OpKind::LayerNorm: per = h.layernorm_cycles_per_element; break;
    case OpKind::Gelu: per = h.gelu_cycles_per_element; break;
    case OpKind::ResidualAdd: per = h.resadd_cycles_per_element; break;
    case OpKind::Requantize: per = h.requantize_cycles_per_element; break;
    case OpKind::Quantize: per = h.quantize_cycles_per_element; break;
    case OpKind::Dequantize: per = h.dequantize_cycles_per_element; break;
    case OpKind::MatMul: throw std::logic_error("lowering: MatMuls run on the accelerator, not the host");
  }
  const double compute = per * double(op.elements());
  const double memory = double(op.bytes_in() + op.bytes_out()) / h.bytes_per_cycle;
  return static_cast<uint64_t>(std::ceil(compute + memory));
}

void Lowering::plan() {
  const auto& ops = graph_.ops;
  plans_.assign(ops.size(), OpPlan{});
  std::vector<TensorRef> out(ops.size());
  // Heads of the layer an op belongs to (attention matmuls are batched over batch x heads).
  auto heads_of = [&](const Op& op) -> int64_t {
    if (op.layer < 0 || graph_.spec.heads.empty()) return 1;
    return graph_.spec.heads.at(static_cast<size_t>(op.layer));
  };
  for (size_t idx = 0; idx < ops.size(); ++idx) {
    const Op& op = ops[idx];
    OpPlan& p = plans_[idx];
    if (op.kind != OpKind::MatMul) {
      // Requantization directly after a MatMul that feeds only it runs on the accumulator's scale path.
      if (options_.fuse_requant && op.kind == OpKind::Requantize && op.inputs.size() == 1) {
        const Op& prod = ops[op.inputs[0]];
        if (prod.kind == OpKind::MatMul && prod.consumers.size() == 1 && plans_[prod.id].placement == Placement::Accelerator) {
          // The producer stores packed int8 rows through the accumulator's scale. The scale is a deterministic
          // dyadic that keeps random int8 products in range (calibrated I-BERT scales come with whole-layer
          // execution); timing does not depend on its value.
          OpPlan& pp = plans_[prod.id];
          pp.c_full = false;
          pp.c.type = DType::Int8;
          pp.c.stride = uint64_t(pp.c.cols);
          pp.scale = models::make_dyadic(1.0 / (64.0 * std::sqrt(std::max(1.0, double(prod.mm.k)))));
          p.placement = Placement::Fused;
          out[idx] = pp.c;
          continue;
        }
      }
      p.placement = Placement::Host;
      p.host_cycles = host_cost(op);
      const int bytes = models::dtype_bytes(op.out_type);
      out[idx] = TensorRef{0, uint64_t(op.cols) * bytes, op.rows, op.cols, op.out_type, false};
      out[idx].addr = alloc(uint64_t(op.rows) * op.cols * bytes);
      p.c = out[idx];
      continue;
    }
    p.placement = Placement::Accelerator;
    const auto& mm = op.mm;
    const bool qk = op.name.ends_with(".qk"), attn_v = op.name.ends_with(".attn_v");
    const bool attention = (qk || attn_v) && op.inputs.size() == 2;
    p.heads = attention ? heads_of(op) : 1;
    if (p.heads < 1 || mm.batch % p.heads != 0) p.heads = 1;
    const int64_t outer = mm.batch / p.heads;
    auto operand = [&](int which, int64_t rows, int64_t cols) -> TensorRef {
      if (which < int(op.inputs.size())) return out[op.inputs[size_t(which)]];
      TensorRef r{0, uint64_t(cols), rows, cols, DType::Int8, true};
      r.addr = alloc(uint64_t(rows) * uint64_t(cols) * uint64_t(mm.batch));
      return r;
    };
    // A: [m][k] (or [k][m]); B: [k][n] (or [n][k]).
    const int64_t a_rows = mm.transpose_a ? mm.k : mm.m, a_cols = mm.transpose_a ? mm.m : mm.k;
    const int64_t b_rows = mm.transpose_b ? mm.n : mm.k, b_cols = mm.transpose_b ? mm.k : mm.n;
    p.a = operand(0, a_rows, a_cols);
    p.b = operand(1, b_rows, b_cols);
    if (attention) {
      // Q, K and V are head-sliced projections: head h starts h * head_dim columns in, and the next sequence
      // of the batch seq rows down. The probabilities (attn_v's A) are stored [batch][head][seq][seq].
      p.a_batch_offset = qk ? uint64_t(a_cols) : uint64_t(a_rows) * p.a.stride;
      p.a_outer_offset = qk ? uint64_t(a_rows) * p.a.stride : uint64_t(p.heads * a_rows) * p.a.stride;
      p.b_batch_offset = uint64_t(b_cols);
      p.b_outer_offset = uint64_t(b_rows) * p.b.stride;
    } else {
      p.a_batch_offset = p.a.external ? uint64_t(a_rows) * p.a.stride : 0;
      p.b_batch_offset = p.b.external ? uint64_t(b_rows) * p.b.stride : 0;
      p.a_outer_offset = p.a_batch_offset * uint64_t(p.heads);
      p.b_outer_offset = p.b_batch_offset * uint64_t(p.heads);
    }
    if (mm.has_bias) {
      p.d = TensorRef{0, 0, 1, mm.n, DType::Int32, true};
      p.d.addr = alloc(uint64_t(mm.n) * 4);
    }
    // Output: int32 unless a following requantization is fused (decided when that op is planned).
    // attention x V writes each head's columns into the concatenated [seq][heads * head_dim] context.
    const bool concat = attention && attn_v;
    const int64_t c_cols = concat ? mm.n * p.heads : mm.n;
    const int64_t c_rows = concat ? mm.m * outer : mm.m * mm.batch;
    p.c = TensorRef{0, uint64_t(c_cols) * 4, c_rows, c_cols, DType::Int32, false};
    p.c.addr = alloc(uint64_t(c_rows) * uint64_t(c_cols) * 4);
    if (concat) {
      p.c_batch_offset = uint64_t(mm.n);
      p.c_outer_offset = uint64_t(mm.m) * uint64_t(c_cols);
    } else {
      p.c_batch_offset = uint64_t(mm.m) * uint64_t(mm.n);
      p.c_outer_offset = p.c_batch_offset * uint64_t(p.heads);
    }
    p.tile = tiling_->choose(mm, hw_, false);
    out[idx] = p.c;
  }
  rewind();
}

void Lowering::rewind() {
  op_ = 0;
  op_started_ = false;
  sp_half_ = acc_half_ = 0;
}

bool Lowering::emit_loop(isa::Command& cmd) {
  const Op& op = graph_.ops[op_];
  const OpPlan& p = plans_[op_];
  const auto& mm = op.mm;
  const int64_t dim = hw_.dim();
  const int64_t bi = (mm.m + dim - 1) / dim, bj = (mm.n + dim - 1) / dim, bk = (mm.k + dim - 1) / dim;
  if (!op_started_) {
    op_started_ = true;
    batch_ = i0_ = j0_ = k0_ = 0;
    ti_ = (bi + p.tile.i - 1) / p.tile.i;
    tj_ = (bj + p.tile.j - 1) / p.tile.j;
    tk_ = (bk + p.tile.k - 1) / p.tile.k;
    // Every MatMul configures the execute pipeline (dataflow and operand transposes).
    cmd = isa::Command{};
    cmd.opcode = isa::Opcode::ConfigEx;
    cmd.op = op.id;
    cmd.dataflow = options_.dataflow;
    cmd.a_transpose = mm.transpose_a;
    cmd.b_transpose = mm.transpose_b;
    return true;
  }
  if (batch_ >= mm.batch) return false;
  const int64_t ib = std::min(p.tile.i, bi - i0_ * p.tile.i);
  const int64_t jb = std::min(p.tile.j, bj - j0_ * p.tile.j);
  const int64_t kb = std::min(p.tile.k, bk - k0_ * p.tile.k);
  const int64_t row0 = i0_ * p.tile.i * dim, col0 = j0_ * p.tile.j * dim, k_0 = k0_ * p.tile.k * dim;
  const OpPlan::Bases base = p.bases(batch_);
  const uint64_t a_base = base.a, b_base = base.b, c_base = base.c;
  const uint64_t c_elem = p.c_full ? 4 : 1;

  isa::LoopWsArgs& a = loop_;
  a = isa::LoopWsArgs{};
  a.i_blocks = uint16_t(ib);
  a.j_blocks = uint16_t(jb);
  a.k_blocks = uint16_t(kb);
  a.pad_i = uint16_t(std::max<int64_t>(0, (row0 + ib * dim) - mm.m));
  a.pad_j = uint16_t(std::max<int64_t>(0, (col0 + jb * dim) - mm.n));
  a.pad_k = uint16_t(std::max<int64_t>(0, (k_0 + kb * dim) - mm.k));
  a.a_transpose = mm.transpose_a;
  a.b_transpose = mm.transpose_b;
  a.a_stride = uint32_t(p.a.stride);
  a.b_stride = uint32_t(p.b.stride);
  a.a_addr = mm.transpose_a ? a_base + uint64_t(k_0) * p.a.stride + uint64_t(row0)
                            : a_base + uint64_t(row0) * p.a.stride + uint64_t(k_0);
  a.b_addr = mm.transpose_b ? b_base + uint64_t(col0) * p.b.stride + uint64_t(k_0)
                            : b_base + uint64_t(k_0) * p.b.stride + uint64_t(col0);
  a.has_bias = mm.has_bias;
  a.d_addr = p.d.addr + uint64_t(col0) * 4;
  a.d_stride = 0;  // the bias row is broadcast over the output rows
  a.accumulate = k0_ > 0;
  a.store_c = k0_ + 1 == tk_;
  a.c_full = p.c_full;
  a.c_stride = uint32_t(p.c.stride);
  a.c_addr = c_base + uint64_t(row0) * a.c_stride + uint64_t(col0) * c_elem;
  a.scale_mult = p.scale.multiplier;
  a.scale_shift = uint8_t(p.scale.shift);
  const uint32_t sp_half_rows = uint32_t(hw_.sp_rows() / 2), acc_half_rows = uint32_t(hw_.acc_rows() / 2);
  a.sp_a_row = sp_half_ * sp_half_rows;
  a.sp_b_row = a.sp_a_row + uint32_t(ib * kb * dim);
  a.acc_row = acc_half_ * acc_half_rows;
  sp_half_ ^= 1;

  cmd = isa::Command{};
  cmd.opcode = isa::Opcode::LoopWs;
  cmd.op = op.id;
  cmd.loop = 0;
  // Advance: k0 innermost (accumulating in place), then j0, i0, batch.
  if (++k0_ == tk_) {
    k0_ = 0;
    acc_half_ ^= 1;
    if (++j0_ == tj_) {
      j0_ = 0;
      if (++i0_ == ti_) {
        i0_ = 0;
        ++batch_;
      }
    }
  }
  return true;
}

bool Lowering::next(isa::Command& cmd) {
  while (op_ < graph_.ops.size()) {
    const OpPlan& p = plans_[op_];
    if (p.placement == Placement::Accelerator) {
      if (emit_loop(cmd)) return true;
    } else if (p.placement == Placement::Host && !op_started_) {
      op_started_ = true;
      cmd = isa::Command{};
      cmd.opcode = isa::Opcode::HostOp;
      cmd.op = graph_.ops[op_].id;
      cmd.host_cycles = p.host_cycles;
      return true;
    }
    ++op_;
    op_started_ = false;
  }
  return false;
}

}  // namespace coda::compiler
