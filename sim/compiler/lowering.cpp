#include "sim/compiler/lowering.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace coda::compiler {

using isa::Command;
using isa::LocalAddr;
using isa::NormCmd;
using isa::Opcode;
using models::DType;
using models::Op;
using models::OpKind;

const char* placement_name(Placement p) {
  switch (p) {
    case Placement::Accelerator: return "accelerator";
    case Placement::Fused: return "fused";
    case Placement::Pass: return "pass";
    case Placement::Host: return "host";
  }
  return "?";
}

OpPlan::Bases OpPlan::bases(int64_t batch) const {
  const auto outer = uint64_t(batch / heads), head = uint64_t(batch % heads);
  const uint64_t c_elem = c_full ? 4 : 1;
  return {a.addr + outer * a_outer_offset + head * a_batch_offset, b.addr + outer * b_outer_offset + head * b_batch_offset,
          c.addr + (outer * c_outer_offset + head * c_batch_offset) * c_elem};
}

Lowering::Lowering(const models::OpGraph& graph, const config::HwConfig& hw, LoweringOptions options)
    : graph_(graph), hw_(hw), options_(std::move(options)), tiling_(make_tiling(options_.tiling)) {
  pending_.reserve(1024);
  plan();
}

uint64_t Lowering::alloc(uint64_t bytes) {
  const uint64_t addr = memory_bytes_;
  memory_bytes_ += (bytes + 63) & ~uint64_t(63);
  return addr;
}

TensorRef Lowering::new_tensor(int64_t rows, int64_t cols, DType type) {
  const int bytes = models::dtype_bytes(type);
  TensorRef t{0, uint64_t(cols) * uint64_t(bytes), rows, cols, type, false};
  t.addr = alloc(uint64_t(rows) * uint64_t(cols) * uint64_t(bytes));
  return t;
}

// The host core runs the CPU-fallback loops over DRAM tensors: int32 inputs are dequantized to float, the
// function runs in float, results are quantized back to int8 where the graph stores int8 (docs/host-model.md).
uint64_t Lowering::host_cost(const Op& op) const {
  const auto& h = hw_.host;
  double per = 0;
  switch (op.kind) {
    case OpKind::Softmax: per = h.dequantize_cycles_per_element + h.softmax_cycles_per_element + h.quantize_cycles_per_element; break;
    case OpKind::LayerNorm: per = h.dequantize_cycles_per_element + h.layernorm_cycles_per_element + h.quantize_cycles_per_element; break;
    case OpKind::Gelu: per = h.dequantize_cycles_per_element + h.gelu_cycles_per_element; break;
    case OpKind::ResidualAdd: per = 2 * h.dequantize_cycles_per_element + h.resadd_cycles_per_element; break;
    case OpKind::Requantize: per = h.requantize_cycles_per_element; break;
    case OpKind::Quantize: per = h.quantize_cycles_per_element; break;
    case OpKind::Dequantize: per = h.dequantize_cycles_per_element; break;
    case OpKind::MatMul: throw std::logic_error("lowering: MatMuls run on the accelerator, not the host");
  }
  const double compute = per * double(op.elements());
  const double memory = double(op.bytes_in() + op.bytes_out()) / h.bytes_per_cycle;
  return static_cast<uint64_t>(std::ceil(compute + memory));
}

int64_t Lowering::row_group_acc_rows(int64_t cols) const {
  const int64_t dim = hw_.dim();
  return (cols + dim - 1) / dim * dim;
}

void Lowering::decide(FusionPoint p, bool applied, const std::string& reason) {
  auto& d = decisions_[size_t(p)];
  const bool requested = options_.schedule.is_fused(p);
  if (!seen_[size_t(p)]) {
    seen_[size_t(p)] = true;
    d = FusionDecision{requested, applied, reason};
    return;
  }
  d.applied = d.applied && applied;
  if (d.reason.empty()) d.reason = reason;
}

void Lowering::set_scale(uint32_t op, models::Dyadic scale) {
  OpPlan& p = plans_.at(op);
  p.scale = scale;
  if (graph_.ops[op].kind == OpKind::Requantize && p.placement == Placement::Fused && p.fused_into != kNoOp)
    plans_[p.fused_into].scale = scale;
}

void Lowering::plan() {
  const auto& ops = graph_.ops;
  plans_.assign(ops.size(), OpPlan{});
  std::vector<TensorRef> out(ops.size());
  const int64_t dim = hw_.dim();
  const bool act_ok = hw_.activation_units.enabled;
  const bool norm_ok = hw_.normalizer.enabled && act_ok;
  const int64_t acc_rows = hw_.acc_rows(), sp_rows = hw_.sp_rows();
  const std::string no_units = "no normalizer and activation units: runs on the host";
  const auto& spec = graph_.spec;
  if (spec.layers > 0 && spec.vocab == 0) {
    input_ = new_tensor(spec.batch * spec.seq_len, spec.hidden, DType::Int8);
    input_.external = true;
  }
  // Heads of the layer an op belongs to (attention matmuls are batched over batch x heads).
  auto heads_of = [&](const Op& op) -> int64_t {
    if (op.layer < 0 || spec.heads.empty()) return 1;
    return spec.heads.at(static_cast<size_t>(op.layer));
  };
  // The tensor an op reads as input `which`: its producer's output, or the graph input.
  auto input_of = [&](const Op& op, size_t which) -> TensorRef {
    if (which < op.inputs.size()) return out[op.inputs[which]];
    return input_;
  };
  // Whole output rows of `cols` columns in the accumulator (tile_I = 1, tile_J = cols / DIM, tile_K = 1):
  // B's k-block row and A's block must fit half the scratchpad; the rows must fit the accumulator, in half of it
  // for double buffering. Returns an empty string when feasible.
  auto whole_rows = [&](int64_t cols, bool& single) -> std::string {
    const int64_t need = row_group_acc_rows(cols);
    if (need + dim > sp_rows / 2)
      return fmt::format("whole rows of {} columns need {} scratchpad rows, {} available", cols, need + dim, sp_rows / 2);
    if (need > acc_rows)
      return fmt::format("whole rows of {} columns need {} accumulator rows, {} available", cols, need, acc_rows);
    single = need > acc_rows / 2;
    return {};
  };
  auto pass_fits = [&](int64_t cols) { return row_group_acc_rows(cols) <= acc_rows; };
  auto sole_matmul = [&](uint32_t id) {
    return ops[id].kind == OpKind::MatMul && plans_[id].placement == Placement::Accelerator &&
           ops[id].consumers.size() == 1 && plans_[id].row_op == kNoOp && !plans_[id].gelu;
  };
  // Where a LayerNorm runs (and why not fused, in `why`).
  enum class Where { Fused, Pass, Host };
  auto layernorm_where = [&](const Op& ln, std::string& why, bool& single) -> Where {
    if (!norm_ok) {
      why = no_units;
      return Where::Host;
    }
    const uint32_t res = ln.inputs.size() == 1 && ops[ln.inputs[0]].kind == OpKind::ResidualAdd ? ln.inputs[0] : kNoOp;
    const uint32_t branch = res != kNoOp && !ops[res].inputs.empty() ? ops[res].inputs[0] : kNoOp;
    const bool out_proj = branch != kNoOp && ops[branch].name.ends_with(".out_proj");
    const FusionPoint fp = out_proj ? FusionPoint::OutProjLayerNorm : FusionPoint::Ffn2LayerNorm;
    if (options_.schedule.is_fused(fp)) {
      if (branch == kNoOp || !sole_matmul(branch) || ops[res].consumers.size() != 1) {
        why = "the LayerNorm's input is not a matmul's sole output";
      } else {
        why = whole_rows(ln.cols, single);
        if (why.empty()) return Where::Fused;
      }
    }
    if (pass_fits(ln.cols)) return Where::Pass;
    why = fmt::format("rows of {} columns need {} accumulator rows, {} available: runs on the host", ln.cols,
                      row_group_acc_rows(ln.cols), acc_rows);
    return Where::Host;
  };

  for (size_t idx = 0; idx < ops.size(); ++idx) {
    const Op& op = ops[idx];
    OpPlan& p = plans_[idx];
    switch (op.kind) {
      case OpKind::MatMul: break;
      case OpKind::Requantize: {
        // Requantization of a matmul's sole output (or of an accelerator GELU) runs on the mvout scale path.
        if (options_.fuse_requant && op.inputs.size() == 1) {
          const uint32_t in = op.inputs[0];
          const Op& prod = ops[in];
          const OpPlan& pp = plans_[in];
          const bool after_mm = sole_matmul(in);
          const bool after_gelu = prod.kind == OpKind::Gelu && prod.consumers.size() == 1 &&
                                  (pp.placement == Placement::Fused || pp.placement == Placement::Pass);
          if (after_mm || after_gelu) {
            const uint32_t target = after_gelu && pp.placement == Placement::Fused ? pp.fused_into : in;
            OpPlan& tp = plans_[target];
            tp.c_full = false;
            tp.c.type = DType::Int8;
            tp.c.stride = uint64_t(tp.c.cols);
            // Timing does not depend on the scale's value; functional mode sets the calibrated one (set_scale).
            const int64_t k = after_mm ? prod.mm.k : 64;
            p.scale = models::make_dyadic(1.0 / (64.0 * std::sqrt(std::max<double>(1.0, double(k)))));
            tp.scale = p.scale;
            p.placement = Placement::Fused;
            p.fused_into = target;
            p.a = input_of(op, 0);
            p.c = tp.c;
            out[idx] = tp.c;
            plans_[in].c_in_dram = false;  // the int32 values never reach DRAM
            continue;
          }
        }
        break;
      }
      case OpKind::Softmax: {
        const uint32_t qk = op.inputs.empty() ? kNoOp : op.inputs[0];
        p.causal = spec.causal;
        p.a = input_of(op, 0);
        if (!norm_ok) {
          decide(FusionPoint::QkSoftmax, false, no_units);
          break;
        }
        std::string why;
        bool single = false;
        if (options_.schedule.is_fused(FusionPoint::QkSoftmax)) {
          if (qk == kNoOp || !sole_matmul(qk)) {
            why = "the softmax's input is not a matmul's sole output";
          } else if ((why = whole_rows(op.cols, single)).empty()) {
            OpPlan& pp = plans_[qk];
            pp.row_op = uint32_t(idx);
            pp.acc_single = single;
            pp.c_in_dram = false;
            pp.tile = TileShape{1, (ops[qk].mm.n + dim - 1) / dim, 1};
            p.placement = Placement::Fused;
            p.fused_into = qk;
            p.c = out[idx] = new_tensor(op.rows, op.cols, DType::Int8);
            decide(FusionPoint::QkSoftmax, true, "");
            continue;
          }
        }
        if (pass_fits(op.cols)) {
          decide(FusionPoint::QkSoftmax, false, why);
          p.placement = Placement::Pass;
          p.c = out[idx] = new_tensor(op.rows, op.cols, DType::Int8);
          continue;
        }
        decide(FusionPoint::QkSoftmax, false,
               fmt::format("rows of {} columns need {} accumulator rows, {} available: runs on the host", op.cols,
                           row_group_acc_rows(op.cols), acc_rows));
        break;
      }
      case OpKind::ResidualAdd: {
        // With the units, a residual add before a LayerNorm is an accumulating, rescaled load of the skip operand
        // into the accumulator rows the LayerNorm reads (after the producing matmul, or in the LayerNorm's pass).
        p.a = input_of(op, 0);
        p.b = input_of(op, 1);
        p.scale = models::make_dyadic(1.0);
        if (op.consumers.size() == 1 && ops[op.consumers[0]].kind == OpKind::LayerNorm && p.b.rows > 0) {
          std::string why;
          bool single = false;
          if (layernorm_where(ops[op.consumers[0]], why, single) != Where::Host) {
            p.placement = Placement::Fused;
            p.fused_into = op.consumers[0];  // refined when the LayerNorm is planned
            p.c_in_dram = false;
            p.c = out[idx] = p.a;
            continue;
          }
        }
        break;
      }
      case OpKind::LayerNorm: {
        p.a = input_of(op, 0);
        std::string why;
        bool single = false;
        const Where w = layernorm_where(op, why, single);
        const uint32_t res = op.inputs.size() == 1 && ops[op.inputs[0]].kind == OpKind::ResidualAdd &&
                                     plans_[op.inputs[0]].placement == Placement::Fused
                                 ? op.inputs[0]
                                 : kNoOp;
        const uint32_t branch = res != kNoOp ? ops[res].inputs[0] : kNoOp;
        const FusionPoint fp = branch != kNoOp && ops[branch].name.ends_with(".out_proj") ? FusionPoint::OutProjLayerNorm
                                                                                        : FusionPoint::Ffn2LayerNorm;
        if (w == Where::Host) {
          decide(fp, false, why);
          break;
        }
        p.c = out[idx] = new_tensor(op.rows, op.cols, DType::Int8);
        p.res_op = res;
        if (w == Where::Fused) {
          OpPlan& bp = plans_[branch];
          bp.row_op = uint32_t(idx);
          bp.res_op = res;
          bp.acc_single = single;
          bp.c_in_dram = false;
          bp.tile = TileShape{1, (ops[branch].mm.n + dim - 1) / dim, 1};
          p.placement = Placement::Fused;
          p.fused_into = branch;
          plans_[res].fused_into = branch;
          decide(fp, true, "");
        } else {
          p.placement = Placement::Pass;
          if (res != kNoOp) {
            p.a = plans_[res].a;  // the branch (matmul output, int32); the pass adds the skip operand itself
            plans_[res].fused_into = uint32_t(idx);
          }
          decide(fp, false, why);
        }
        continue;
      }
      case OpKind::Gelu: {
        p.a = input_of(op, 0);
        if (!act_ok) {
          decide(FusionPoint::Ffn1Gelu, false, "no activation units: runs on the host");
          break;
        }
        const uint32_t in = op.inputs.empty() ? kNoOp : op.inputs[0];
        std::string why;
        if (options_.schedule.is_fused(FusionPoint::Ffn1Gelu)) {
          if (in != kNoOp && sole_matmul(in)) {
            OpPlan& pp = plans_[in];
            pp.gelu = true;
            pp.c_in_dram = false;
            p.placement = Placement::Fused;
            p.fused_into = in;
            p.c = out[idx] = pp.c;
            decide(FusionPoint::Ffn1Gelu, true, "");
            continue;
          }
          why = "the GELU's input is not a matmul's sole output";
        }
        decide(FusionPoint::Ffn1Gelu, false, why);
        p.placement = Placement::Pass;
        p.gelu = true;
        p.c = out[idx] = new_tensor(op.rows, op.cols, DType::Int32);
        continue;
      }
      default: break;
    }
    if (op.kind != OpKind::MatMul) {
      p.placement = Placement::Host;
      if (p.a.rows == 0 && !op.inputs.empty()) p.a = input_of(op, 0);
      if (op.inputs.size() > 1 || (op.kind == OpKind::ResidualAdd && input_.rows > 0)) p.b = input_of(op, 1);
      p.host_cycles = host_cost(op);
      p.c = out[idx] = new_tensor(op.rows, op.cols, op.out_type);
      continue;
    }
    p.placement = Placement::Accelerator;
    const auto& mm = op.mm;
    const bool qk = op.name.ends_with(".qk"), attn_v = op.name.ends_with(".attn_v");
    const bool attention = (qk || attn_v) && op.inputs.size() == 2;
    p.heads = attention ? heads_of(op) : 1;
    if (p.heads < 1 || mm.batch % p.heads != 0) p.heads = 1;
    const int64_t outer = mm.batch / p.heads;
    // A: [m][k] (or [k][m]); B: [k][n] (or [n][k]).
    const int64_t a_rows = mm.transpose_a ? mm.k : mm.m, a_cols = mm.transpose_a ? mm.m : mm.k;
    const int64_t b_rows = mm.transpose_b ? mm.n : mm.k, b_cols = mm.transpose_b ? mm.k : mm.n;
    auto operand = [&](size_t which, int64_t rows, int64_t cols) -> TensorRef {
      if (which < op.inputs.size()) return out[op.inputs[which]];
      if (which == 0 && input_.rows == rows && input_.cols == cols && op.layer == 0 && mm.batch == 1) return input_;
      TensorRef r{0, uint64_t(cols), rows, cols, DType::Int8, true};
      r.addr = alloc(uint64_t(rows) * uint64_t(cols) * uint64_t(mm.batch));
      return r;
    };
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
  // Fusion points the graph never reached (e.g. a lone GEMM) report what was requested, not applied.
  for (int i = 0; i < kNumFusionPoints; ++i)
    if (!seen_[size_t(i)]) decisions_[size_t(i)] = FusionDecision{options_.schedule.fused[size_t(i)], false, "no such op in the workload"};
  rewind();
}

void Lowering::rewind() {
  op_ = 0;
  op_started_ = false;
  fenced_ = false;
  sp_half_ = acc_half_ = 0;
  pending_.clear();
  pending_pos_ = 0;
}

// Per-row normalizer passes over the accumulator rows [acc_base, acc_base + rows) of a whole-row group (row r's
// block b at acc_base + b * DIM + r), two rows at a time in the two statistic slots, then the apply step writing
// int8 rows out_row0.. of the row op's output. A residual add first accumulates its rescaled skip rows.
void Lowering::emit_row_op(uint32_t row_op, uint32_t res_op, uint32_t acc_base, int64_t out_row0, int64_t rows,
                           int64_t row_in_head) {
  const Op& rop = graph_.ops[row_op];
  const OpPlan& rp = plans_[row_op];
  const int64_t n = rop.cols;
  const bool softmax = rop.kind == OpKind::Softmax;
  if (res_op != kNoOp) {
    const OpPlan& res = plans_[res_op];
    load_acc(res_op, res.b, out_row0, 0, rows, n, acc_base, true, &res.scale);
  }
  Command s;
  s.op = row_op;
  s.opcode = Opcode::ConfigSt;
  s.stride = uint32_t(rp.c.stride);
  s.act = softmax ? isa::Activation::Softmax : isa::Activation::LayerNorm;
  push(s);
  const NormCmd passes[2] = {softmax ? NormCmd::Max : NormCmd::Mean, softmax ? NormCmd::InvSumExp : NormCmd::InvStddev};
  const int64_t slots = std::max<int64_t>(1, hw_.normalizer.slots);
  for (int64_t r0 = 0; r0 < rows; r0 += slots) {
    const int64_t pair = std::min(slots, rows - r0);
    auto mvout = [&](int64_t r, NormCmd norm) {
      Command m;
      m.op = row_op;
      m.opcode = Opcode::Mvout;
      m.addr1 = LocalAddr::acc(acc_base + uint32_t(r)).with_norm(norm);
      m.rows1 = 1;
      m.cols1 = uint16_t(n);
      m.stream = uint8_t(r - r0);
      // Causal softmax: row i of a head sees columns [0, i + 1 + (cols - rows)).
      if (softmax && rp.causal) m.cols2 = uint16_t(std::min<int64_t>(n, row_in_head + r + 1));
      if (norm == NormCmd::Reset) m.dram_addr = rp.c.addr + uint64_t(out_row0 + r) * rp.c.stride;
      push(m);
    };
    for (NormCmd pass : passes)
      for (int64_t r = r0; r < r0 + pair; ++r) mvout(r, pass);
    for (int64_t r = r0; r < r0 + pair; ++r) mvout(r, NormCmd::Reset);
  }
}

// Loads rows [row0, row0 + rows) x columns [col0, col0 + cols) of a DRAM tensor into the accumulator at
// acc_row (block b of row r at acc_row + b * DIM + r) through load stream 3: int32 rows as they are, int8 rows
// widened by `int8_scale` (the mvin scale), overwriting or accumulating.
void Lowering::load_acc(uint32_t op, const TensorRef& t, int64_t row0, int64_t col0, int64_t rows, int64_t cols,
                        uint32_t acc_row, bool accumulate, const models::Dyadic* int8_scale) {
  Command c;
  c.op = op;
  c.opcode = Opcode::ConfigLd;
  c.stream = 2;
  c.stride = uint32_t(t.stride);
  if (int8_scale) {
    c.int8_in = true;
    c.scale_mult = int8_scale->multiplier;
    c.scale_shift = uint8_t(int8_scale->shift);
  }
  push(c);
  Command m;
  m.op = op;
  m.opcode = Opcode::Mvin3;
  m.dram_addr = t.addr + uint64_t(row0) * t.stride + uint64_t(col0) * uint64_t(models::dtype_bytes(t.type));
  m.addr1 = LocalAddr::acc(acc_row, accumulate);
  m.rows1 = uint16_t(rows);
  m.cols1 = uint16_t(cols);
  push(m);
}

// GELU passes: groups of DIM rows x as many columns as half the accumulator holds.
int64_t Lowering::gelu_chunk(const Op& op) const {
  const int64_t dim = hw_.dim();
  return std::max<int64_t>(dim, std::min<int64_t>(row_group_acc_rows(op.cols), hw_.acc_rows() / 2 / dim * dim));
}

// Softmax rows come per head ([batch * heads][seq][seq]), so that the causal row index is known; LayerNorm rows
// are one segment of tokens.
int64_t Lowering::pass_segment(const Op& op) const { return op.kind == OpKind::Softmax ? op.cols : op.rows; }

int64_t Lowering::pass_groups(const Op& op) const {
  const int64_t dim = hw_.dim();
  if (op.kind == OpKind::Gelu) return (op.rows + dim - 1) / dim * ((op.cols + gelu_chunk(op) - 1) / gelu_chunk(op));
  const int64_t seg = pass_segment(op);
  return op.rows / seg * ((seg + dim - 1) / dim);
}

// One row group of a separate accelerator pass: the producer's int32 rows come back from DRAM into the
// accumulator, then softmax/LayerNorm (normalizer passes) or i-GELU (mvout through the activation units).
void Lowering::emit_pass_group() {
  const Op& op = graph_.ops[op_];
  const OpPlan& p = plans_[op_];
  const int64_t dim = hw_.dim();
  const uint32_t half = uint32_t(hw_.acc_rows() / 2);
  auto base_for = [&](int64_t acc_need) {
    if (acc_need > int64_t(half)) return uint32_t(0);
    const uint32_t b = acc_half_ * half;
    acc_half_ ^= 1;
    return b;
  };
  if (op.kind == OpKind::Gelu) {
    const int64_t chunk = gelu_chunk(op);
    const int64_t col_groups = (op.cols + chunk - 1) / chunk;
    const int64_t row0 = group_ / col_groups * dim, col0 = group_ % col_groups * chunk;
    const int64_t rows = std::min(dim, op.rows - row0), cols = std::min(chunk, op.cols - col0);
    const uint32_t base = base_for(row_group_acc_rows(cols));
    load_acc(uint32_t(op_), p.a, row0, col0, rows, cols, base, false, nullptr);
    Command s;
    s.op = uint32_t(op_);
    s.opcode = Opcode::ConfigSt;
    s.stride = uint32_t(p.c.stride);
    s.act = isa::Activation::IGelu;
    s.scale_mult = p.scale.multiplier;
    s.scale_shift = uint8_t(p.scale.shift);
    push(s);
    const uint64_t elem = p.c_full ? 4 : 1;
    for (int64_t b = 0; b * dim < cols; ++b) {
      Command m;
      m.op = uint32_t(op_);
      m.opcode = Opcode::Mvout;
      m.dram_addr = p.c.addr + uint64_t(row0) * p.c.stride + uint64_t(col0 + b * dim) * elem;
      m.addr1 = LocalAddr::acc(base + uint32_t(b * dim), false, p.c_full);
      m.rows1 = uint16_t(rows);
      m.cols1 = uint16_t(std::min(dim, cols - b * dim));
      push(m);
    }
    ++group_;
    return;
  }
  const int64_t seg = pass_segment(op);
  const int64_t per_seg = (seg + dim - 1) / dim;
  const int64_t s_idx = group_ / per_seg, in_seg = group_ % per_seg * dim;
  const int64_t row0 = s_idx * seg + in_seg, rows = std::min(dim, seg - in_seg);
  const uint32_t base = base_for(row_group_acc_rows(op.cols));
  load_acc(uint32_t(op_), p.a, row0, 0, rows, op.cols, base, false, nullptr);
  emit_row_op(uint32_t(op_), p.res_op, base, row0, rows, in_seg);
  ++group_;
}

bool Lowering::emit_loop(Command& cmd) {
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
    cmd = Command{};
    cmd.opcode = Opcode::ConfigEx;
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
  const bool last_k = k0_ + 1 == tk_;

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
  // With a fused softmax/LayerNorm the rows stay in the accumulator for the normalizer: no C store.
  a.store_c = last_k && p.row_op == kNoOp;
  a.c_full = p.c_full;
  a.act = p.gelu ? isa::Activation::IGelu : isa::Activation::None;
  a.c_stride = uint32_t(p.c.stride);
  a.c_addr = c_base + uint64_t(row0) * a.c_stride + uint64_t(col0) * c_elem;
  a.scale_mult = p.scale.multiplier;
  a.scale_shift = uint8_t(p.scale.shift);
  const uint32_t sp_half_rows = uint32_t(hw_.sp_rows() / 2), acc_half_rows = uint32_t(hw_.acc_rows() / 2);
  a.sp_a_row = sp_half_ * sp_half_rows;
  a.sp_b_row = a.sp_a_row + uint32_t(ib * kb * dim);
  a.acc_row = p.acc_single ? 0 : acc_half_ * acc_half_rows;
  sp_half_ ^= 1;

  cmd = Command{};
  cmd.opcode = Opcode::LoopWs;
  cmd.op = op.id;
  cmd.loop = 0;
  if (last_k && p.row_op != kNoOp) {
    // The tile holds whole output rows (tile_I = 1): normalize them now, behind the loop.
    const int64_t rows = std::min(dim, mm.m - row0);
    emit_row_op(p.row_op, p.res_op, a.acc_row, batch_ * mm.m + row0, rows, row0);
  }
  // Advance: k0 innermost (accumulating in place), then j0, i0, batch.
  if (++k0_ == tk_) {
    k0_ = 0;
    if (!p.acc_single) acc_half_ ^= 1;
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

bool Lowering::next(Command& cmd) {
  for (;;) {
    if (pending_pos_ < pending_.size()) {
      cmd = pending_[pending_pos_++];
      return true;
    }
    pending_.clear();
    pending_pos_ = 0;
    if (op_ >= graph_.ops.size()) return false;
    const Op& op = graph_.ops[op_];
    const OpPlan& p = plans_[op_];
    // An op that reads another op's output from DRAM starts behind a fence, as gemmini.h's tiled_matmul and
    // friends end with gemmini_fence(): the reservation station tracks scratchpad and accumulator hazards,
    // not DRAM ones. (Host ops fence by themselves; fused ops read the accumulator.)
    if (!op_started_ && !fenced_ && !op.inputs.empty() &&
        (p.placement == Placement::Accelerator || p.placement == Placement::Pass)) {
      fenced_ = true;
      cmd = Command{};
      cmd.opcode = Opcode::Fence;
      cmd.op = op.id;
      return true;
    }
    if (p.placement == Placement::Accelerator) {
      if (emit_loop(cmd)) return true;
    } else if (p.placement == Placement::Pass) {
      if (!op_started_) {
        op_started_ = true;
        group_ = 0;
      }
      if (group_ < pass_groups(op)) {
        emit_pass_group();
        continue;
      }
    } else if (p.placement == Placement::Host && !op_started_) {
      op_started_ = true;
      cmd = Command{};
      cmd.opcode = Opcode::HostOp;
      cmd.op = op.id;
      cmd.host_cycles = p.host_cycles;
      return true;
    }
    ++op_;
    op_started_ = false;
    fenced_ = false;
  }
}

}  // namespace coda::compiler
