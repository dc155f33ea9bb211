#include "sim/engine/loop_unroller.h"

#include <algorithm>

namespace coda::engine {

using isa::Command;
using isa::LocalAddr;
using isa::Opcode;

LoopUnroller::LoopUnroller(const config::HwConfig& hw, CommandSource& inner)
    : inner_(inner),
      dim_(hw.dim()),
      block_len_(static_cast<uint32_t>(std::max<int64_t>(1, hw.dma.max_request_bytes / hw.sp_row_bytes()))),
      bus_bytes_(static_cast<uint32_t>(std::max<int64_t>(1, hw.dma.bus_bits / 8))) {
  buf_.reserve(4096);
  stores_.reserve(4096);
}

void LoopUnroller::flush_stores() {
  for (; store_pos_ < stores_.size(); ++store_pos_) buf_.push_back(stores_[store_pos_]);
  stores_.clear();
  store_pos_ = 0;
}

void LoopUnroller::maybe_store() {
  if (store_pos_ >= stores_.size()) return;
  if (++pairs_ % store_interval_ != 0 && store_pos_ > 0) return;
  buf_.push_back(stores_[store_pos_++]);
  if (store_pos_ < stores_.size() && stores_[store_pos_ - 1].opcode == isa::Opcode::ConfigSt)
    buf_.push_back(stores_[store_pos_++]);
  if (store_pos_ == stores_.size()) {
    stores_.clear();
    store_pos_ = 0;
  }
}

bool LoopUnroller::next(Command& cmd) {
  while (pos_ >= buf_.size()) {
    if (!refill()) return false;
  }
  cmd = buf_[pos_++];
  return true;
}

// Reads the next command of the inner stream once; a LOOP_WS becomes the next loop (its prologue is emitted
// now), anything else is held until this loop is done.
void LoopUnroller::lookahead() {
  if (has_nxt_ || has_held_ || inner_done_) return;
  Command c;
  if (!inner_.next(c)) {
    inner_done_ = true;
  } else if (c.opcode == Opcode::LoopWs) {
    nxt_ = Loop{inner_.loop_args(c.loop), c.op, 0};
    has_nxt_ = true;
    prologue(nxt_);
  } else {
    held_ = c;
    has_held_ = true;
  }
}

// Fills buf_ with the next phase.
bool LoopUnroller::refill() {
  buf_.clear();
  pos_ = 0;
  if (has_cur_) {
    if (!cur_prologue_done_) {
      prologue(cur_);
      cur_prologue_done_ = true;
      return true;
    }
    if (cur_.k < cur_.a.k_blocks) {
      // Before the last k-step, read ahead so that the next loop's prologue (bias and first loads) overlaps
      // this loop's last computes, as the second loop unit would.
      if (cur_.k + 1 == cur_.a.k_blocks) lookahead();
      body(cur_);
      return true;
    }
    lookahead();
    epilogue(cur_);
    has_cur_ = false;
    if (has_nxt_) {
      cur_ = nxt_;
      has_nxt_ = false;
      has_cur_ = true;
      cur_prologue_done_ = true;
    }
    return true;
  }
  Command c;
  if (has_held_) {
    c = held_;
    has_held_ = false;
  } else {
    if (inner_done_ || !inner_.next(c)) {
      inner_done_ = true;
      if (store_pos_ < stores_.size()) {
        flush_stores();
        return true;
      }
      return false;
    }
  }
  flush_stores();
  if (c.opcode == Opcode::LoopWs) {
    cur_ = Loop{inner_.loop_args(c.loop), c.op, 0};
    has_cur_ = true;
    cur_prologue_done_ = false;
    return true;
  }
  buf_.push_back(c);
  return true;
}

void LoopUnroller::load(uint32_t op, Opcode opcode, uint64_t dram, LocalAddr local, uint32_t rows, uint32_t cols) {
  Command m;
  m.op = op;
  m.opcode = opcode;
  m.dram_addr = dram;
  m.addr1 = local;
  m.rows1 = uint16_t(rows);
  m.cols1 = uint16_t(cols);
  buf_.push_back(m);
}

void LoopUnroller::prologue(const Loop& l) {
  const isa::LoopWsArgs& a = l.a;
  Command c;
  c.op = l.op;
  c.opcode = Opcode::ConfigLd;
  c.stream = 0, c.stride = a.a_stride;
  buf_.push_back(c);
  c.stream = 1, c.stride = a.b_stride;
  buf_.push_back(c);
  c.stream = 2, c.stride = a.d_stride;
  buf_.push_back(c);
  const auto dim = uint32_t(dim_);
  if (a.has_bias && !a.accumulate) {
    for (uint32_t i = 0; i < a.i_blocks; ++i)
      for (uint32_t j = 0; j < a.j_blocks; ++j)
        load(l.op, Opcode::Mvin3, a.d_addr + uint64_t(i) * dim * a.d_stride + uint64_t(j) * dim * 4,
             LocalAddr::acc(a.acc_row + (i * a.j_blocks + j) * dim), bsize(i, a.i_blocks, a.pad_i),
             bsize(j, a.j_blocks, a.pad_j));
  }
  loads_for_k(l, 0);
}

// Columns covered by blocks [first, first + n) of a dimension with `count` blocks and `pad` missing elements.
uint32_t LoopUnroller::span(uint32_t first, uint32_t n, uint32_t count, uint16_t pad) const {
  uint32_t cols = 0;
  for (uint32_t b = first; b < first + n; ++b) cols += bsize(b, count, pad);
  return cols;
}

void LoopUnroller::loads_for_k(const Loop& l, uint32_t k) {
  const isa::LoopWsArgs& a = l.a;
  const auto dim = uint32_t(dim_);
  const uint32_t kb = bsize(k, a.k_blocks, a.pad_k);
  // A: row-major A is loaded block_len blocks wide along k, once per group of k-steps; a transposed A
  // (stored [k][m]) one block per mvin.
  if (a.a_transpose) {
    for (uint32_t i = 0; i < a.i_blocks; ++i)
      load(l.op, Opcode::Mvin, a.a_addr + uint64_t(k) * dim * a.a_stride + uint64_t(i) * dim,
           LocalAddr::sp(a.sp_a_row + (i * a.k_blocks + k) * dim), kb, bsize(i, a.i_blocks, a.pad_i));
  } else if (k % block_len_ == 0) {
    const uint32_t cols = span(k, std::min(block_len_, uint32_t(a.k_blocks) - k), a.k_blocks, a.pad_k);
    for (uint32_t i = 0; i < a.i_blocks; ++i)
      load(l.op, Opcode::Mvin, a.a_addr + uint64_t(i) * dim * a.a_stride + uint64_t(k) * dim,
           LocalAddr::sp(a.sp_a_row + (i * a.k_blocks + k) * dim), bsize(i, a.i_blocks, a.pad_i), cols);
  }
  // B blocks of row k: block_len wide along j; a transposed B (stored [n][k]) one block per mvin.
  if (a.b_transpose) {
    for (uint32_t j = 0; j < a.j_blocks; ++j)
      load(l.op, Opcode::Mvin2, a.b_addr + uint64_t(j) * dim * a.b_stride + uint64_t(k) * dim,
           LocalAddr::sp(a.sp_b_row + (k * a.j_blocks + j) * dim), bsize(j, a.j_blocks, a.pad_j), kb);
  } else {
    for (uint32_t j = 0; j < a.j_blocks; j += block_len_)
      load(l.op, Opcode::Mvin2, a.b_addr + uint64_t(k) * dim * a.b_stride + uint64_t(j) * dim,
           LocalAddr::sp(a.sp_b_row + (k * a.j_blocks + j) * dim), kb,
           span(j, std::min(block_len_, uint32_t(a.j_blocks) - j), a.j_blocks, a.pad_j));
  }
}

void LoopUnroller::body(Loop& l) {
  const isa::LoopWsArgs& a = l.a;
  const auto dim = uint32_t(dim_);
  const uint32_t k = l.k++;
  if (k + 1 < a.k_blocks) loads_for_k(l, k + 1);
  const uint32_t kb = bsize(k, a.k_blocks, a.pad_k);
  const bool acc_in = a.accumulate || a.has_bias || k > 0;
  for (uint32_t j = 0; j < a.j_blocks; ++j) {
    const uint32_t jb = bsize(j, a.j_blocks, a.pad_j);
    for (uint32_t i = 0; i < a.i_blocks; ++i) {
      const uint32_t ib = bsize(i, a.i_blocks, a.pad_i);
      Command p;
      p.op = l.op;
      p.opcode = Opcode::Preload;
      if (i == 0) {
        p.addr1 = LocalAddr::sp(a.sp_b_row + (k * a.j_blocks + j) * dim);
        p.rows1 = uint16_t(a.b_transpose ? jb : kb);
        p.cols1 = uint16_t(a.b_transpose ? kb : jb);
      } else {
        p.addr1 = LocalAddr::garbage();
      }
      p.addr2 = LocalAddr::acc(a.acc_row + (i * a.j_blocks + j) * dim, acc_in);
      p.rows2 = uint16_t(ib);
      p.cols2 = uint16_t(jb);
      buf_.push_back(p);
      Command c;
      c.op = l.op;
      c.opcode = i == 0 ? Opcode::ComputePreloaded : Opcode::ComputeAccumulated;
      c.addr1 = LocalAddr::sp(a.sp_a_row + (i * a.k_blocks + k) * dim);
      c.rows1 = uint16_t(a.a_transpose ? kb : ib);
      c.cols1 = uint16_t(a.a_transpose ? ib : kb);
      c.addr2 = LocalAddr::garbage();
      c.rows2 = uint16_t(ib);
      c.cols2 = uint16_t(jb);
      buf_.push_back(c);
      maybe_store();
    }
  }
}

void LoopUnroller::epilogue(const Loop& l) {
  const isa::LoopWsArgs& a = l.a;
  flush_stores();
  if (!a.store_c) return;
  const auto dim = uint32_t(dim_);
  std::vector<Command>& out = stores_;
  pairs_ = 0;
  Command s;
  s.op = l.op;
  s.opcode = Opcode::ConfigSt;
  s.stride = a.c_stride;
  s.act = a.act;
  s.scale_mult = a.scale_mult;
  s.scale_shift = a.scale_shift;
  out.push_back(s);
  const uint32_t elem = a.c_full ? 4 : 1;
  const uint32_t mvout_cycles = (uint32_t(dim) * dim * elem + bus_bytes_ - 1) / bus_bytes_;
  store_interval_ = std::max<uint32_t>(1, (mvout_cycles + dim - 1) / dim);
  for (uint32_t i = 0; i < a.i_blocks; ++i) {
    for (uint32_t j = 0; j < a.j_blocks; ++j) {
      Command m;
      m.op = l.op;
      m.opcode = Opcode::Mvout;
      m.dram_addr = a.c_addr + uint64_t(i) * dim * a.c_stride + uint64_t(j) * dim * elem;
      m.addr1 = LocalAddr::acc(a.acc_row + (i * a.j_blocks + j) * dim, false, a.c_full);
      m.rows1 = uint16_t(bsize(i, a.i_blocks, a.pad_i));
      m.cols1 = uint16_t(bsize(j, a.j_blocks, a.pad_j));
      out.push_back(m);
    }
  }
}

}  // namespace coda::engine
