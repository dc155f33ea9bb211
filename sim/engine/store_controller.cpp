#include "sim/engine/store_controller.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "models/ibert.h"

namespace coda::engine {

using isa::Activation;
using isa::NormCmd;

void StoreController::gather(const isa::Command& c, uint32_t r, uint32_t cols) {
  const auto dim = static_cast<uint32_t>(ctx_.dim);
  row_.resize(cols);
  for (uint32_t b = 0; b * dim < cols; ++b) {
    auto src = ctx_.acc.row(c.addr1.row() + b * dim + r);
    const uint32_t n = std::min(dim, cols - b * dim);
    std::copy_n(src.begin(), n, row_.begin() + b * dim);
  }
}

Timing StoreController::normalize(const isa::Command& c, uint64_t start) {
  const auto dim = static_cast<uint32_t>(ctx_.dim);
  const auto norm = static_cast<NormCmd>(c.addr1.norm_cmd());
  const uint32_t slot = c.stream;
  const uint32_t blocks = (c.cols1 + dim - 1) / dim;
  const OpNumerics* num = ctx_.functional ? ctx_.numerics_of(c.op) : nullptr;
  // The normalizer's and apply step's accumulator reads stream one block per cycle behind the store
  // controller; they are not booked on the accumulator's read-port calendar (the store controller is its
  // only other reader and is busy with them). acc read counters still count every block.
  const uint64_t data = start + ctx_.acc.read_latency();
  ctx_.counters.acc_reads[ctx_.acc.bank_of(c.addr1.row())] += uint64_t(blocks) * c.rows1;
  ctx_.count_acc(c.op, uint64_t(blocks) * c.rows1, 0);
  if (norm != NormCmd::Reset) {
    if (c.rows1 != 1) throw std::logic_error("store controller: a normalizer pass covers one row");
    // Softmax passes see only the valid (unmasked) columns.
    const bool softmax_pass = norm == NormCmd::Max || norm == NormCmd::SumExp || norm == NormCmd::InvSumExp;
    const uint32_t cols = softmax_pass && c.cols2 ? std::min<uint32_t>(c.cols2, c.cols1) : c.cols1;
    const uint64_t exp = (norm == NormCmd::SumExp || norm == NormCmd::InvSumExp) ? ctx_.activation.stream(data, cols).busy : 0;
    const Normalizer::PassTiming t = ctx_.normalizer.pass(norm, slot, data, cols, exp);
    ctx_.count_norm(c.op, cols);
    if (exp) ctx_.count_activation(c.op, cols);
    free_ = t.lanes_end;
    ctx_.counters.busy_cycles[2] += free_ - start;
    ctx_.counters.normalizer_busy_cycles += t.lanes_end - t.lanes_start;
    if (ctx_.functional) {
      gather(c, 0, cols);
      ctx_.normalizer.compute(norm, slot, row_, num ? num->softmax : nullptr);
    }
    return {start, t.stat_ready};
  }
  // Apply: LayerNorm or softmax with the slot's statistics, int8 out.
  const uint64_t ready = std::max(data, ctx_.normalizer.slot(slot).ready);
  const uint64_t elems = uint64_t(c.rows1) * c.cols1;
  const ActivationUnits::Stream s = ctx_.activation.stream(ready, elems);
  ctx_.count_activation(c.op, elems);
  ctx_.count_dma(c.op, true, elems);
  ctx_.counters.activation_busy_cycles += s.busy;
  const uint32_t bus = static_cast<uint32_t>(std::max<int64_t>(1, ctx_.hw.dma.bus_bits / 8));
  uint64_t t = s.start, end = start + 1;
  for (uint32_t r = 0; r < c.rows1; ++r) {
    // A row's write starts once enough of it has left the units that the DMA does not overtake them.
    const uint64_t row_done = s.done_after(uint64_t(r + 1) * c.cols1);
    const uint64_t dma_cycles = (c.cols1 + bus - 1) / bus;
    const uint64_t issue = row_done > dma_cycles ? row_done - dma_cycles : 0;
    const RowTiming rt = ctx_.dma_write.row(std::max(t, issue), c.dram_addr + uint64_t(r) * stride_, c.cols1);
    t = rt.last_issue + 1;
    end = std::max(end, rt.done);
  }
  free_ = std::max(t, s.start + s.busy);
  ctx_.counters.busy_cycles[2] += free_ - start;
  if (ctx_.functional) {
    if (!num || (act_ == Activation::LayerNorm && !num->layernorm) || (act_ == Activation::Softmax && !num->softmax))
      throw std::logic_error("store controller: LayerNorm/softmax apply without kernel parameters");
    Normalizer::Slot& st = ctx_.normalizer.slot(slot);
    for (uint32_t r = 0; r < c.rows1; ++r) {
      gather(c, r, c.cols1);
      const uint64_t addr = c.dram_addr + uint64_t(r) * stride_;
      auto* dst = reinterpret_cast<int8_t*>(ctx_.dram_write_buffer(addr, c.cols1));
      if (act_ == Activation::LayerNorm) {
        for (uint32_t j = 0; j < c.cols1; ++j) dst[j] = models::ibert::layernorm_apply(row_[j], j, st.stats, *num->layernorm);
      } else {
        const uint32_t valid = c.cols2 ? std::min<uint32_t>(c.cols2, c.cols1) : c.cols1;
        for (uint32_t j = 0; j < c.cols1; ++j)
          dst[j] = j < valid ? models::ibert::softmax_apply(row_[j], st.max, st.inverse, *num->softmax) : int8_t{0};
      }
      ctx_.dram_write_commit(addr, c.cols1);
    }
  }
  ctx_.normalizer.reset(slot);
  return {start, end};
}

Timing StoreController::simulate(const Pending& p, uint64_t earliest) {
  const isa::Command& c = p.cmd;
  const uint64_t start = std::max(earliest, free_);
  if (c.opcode == isa::Opcode::ConfigSt) {
    stride_ = c.stride;
    act_ = c.act;
    scale_mult_ = c.scale_mult;
    scale_shift_ = c.scale_shift;
    free_ = start + 1;
    return {start, start + 1};
  }
  if (c.opcode == isa::Opcode::ConfigNorm) {
    free_ = start + 1;
    return {start, start + 1};
  }
  const bool from_acc = c.addr1.is_acc();
  if (from_acc && (c.addr1.norm_cmd() != 0 || act_ == Activation::LayerNorm || act_ == Activation::Softmax))
    return normalize(c, start);
  const bool full = from_acc && c.addr1.full_row();
  const bool gelu = from_acc && act_ == Activation::IGelu;
  const uint32_t out_bytes = full ? 4 : 1;
  const uint32_t row_bytes = uint32_t(c.cols1) * out_bytes;
  uint64_t read_start, lat;
  if (from_acc) {
    read_start = ctx_.acc.reserve_read(c.addr1.row(), start, c.rows1);
    lat = ctx_.acc.read_latency() + (full ? 0 : ctx_.acc.scale_latency());
  } else {
    read_start = ctx_.sp.reserve_read(c.addr1.row(), start, c.rows1);
    lat = ctx_.sp.read_latency();
  }
  // i-GELU: the rows stream through the activation units before the scale.
  ActivationUnits::Stream act;
  if (gelu) {
    act = ctx_.activation.stream(read_start + ctx_.acc.read_latency(), uint64_t(c.rows1) * c.cols1);
    ctx_.count_activation(c.op, uint64_t(c.rows1) * c.cols1);
    ctx_.counters.activation_busy_cycles += act.busy;
  }
  uint64_t t = read_start;
  uint64_t end = start + 1;
  for (uint32_t r = 0; r < c.rows1; ++r) {
    uint64_t ready = read_start + r + lat;
    if (gelu) ready = std::max(ready, act.done_after(uint64_t(r + 1) * c.cols1) + (full ? 0 : ctx_.acc.scale_latency()));
    const RowTiming rt = ctx_.dma_write.row(std::max(t, ready), c.dram_addr + uint64_t(r) * stride_, row_bytes);
    t = rt.last_issue + 1;
    end = std::max(end, rt.done);
  }
  free_ = t;
  ctx_.counters.busy_cycles[2] += t - start;
  ctx_.count_dma(c.op, true, uint64_t(c.rows1) * row_bytes);
  from_acc ? ctx_.count_acc(c.op, c.rows1, 0) : ctx_.count_sp(c.op, c.rows1, 0);

  if (ctx_.functional) {
    const models::Dyadic scale{scale_mult_, scale_shift_};
    const OpNumerics* num = gelu ? ctx_.numerics_of(c.op) : nullptr;
    if (gelu && (!num || !num->gelu)) throw std::logic_error("store controller: i-GELU without kernel parameters");
    for (uint32_t r = 0; r < c.rows1; ++r) {
      const uint64_t addr = c.dram_addr + uint64_t(r) * stride_;
      uint8_t* dst = ctx_.dram_write_buffer(addr, row_bytes);
      if (!from_acc) {
        std::memcpy(dst, ctx_.sp.row(c.addr1.row() + r).data(), c.cols1);
        ctx_.dram_write_commit(addr, row_bytes);
        continue;
      }
      auto src = ctx_.acc.row(c.addr1.row() + r);
      for (uint32_t j = 0; j < c.cols1; ++j) {
        int32_t v = src[j];
        if (act_ == Activation::Relu && v < 0) v = 0;
        if (gelu) v = models::ibert::gelu(v, *num->gelu);
        if (full) {
          std::memcpy(dst + size_t(j) * 4, &v, 4);
        } else {
          const int8_t q = models::requantize_i8(v, scale);
          std::memcpy(dst + j, &q, 1);
        }
      }
      ctx_.dram_write_commit(addr, row_bytes);
    }
  }
  return {start, end};
}

}  // namespace coda::engine
