#include "sim/engine/load_controller.h"

#include <algorithm>
#include <cstring>

#include "models/ibert.h"

namespace coda::engine {

Timing LoadController::simulate(const Pending& p, uint64_t earliest) {
  const isa::Command& c = p.cmd;
  const uint64_t start = std::max(earliest, free_);
  if (c.opcode == isa::Opcode::ConfigLd) {
    stride_[c.stream % 3] = c.stride;
    int8_in_[c.stream % 3] = c.int8_in;
    scale_[c.stream % 3] = models::Dyadic{c.scale_mult, c.scale_shift};
    free_ = start + 1;
    return {start, start + 1};
  }
  const int stream = c.opcode == isa::Opcode::Mvin ? 0 : c.opcode == isa::Opcode::Mvin2 ? 1 : 2;
  const uint32_t stride = stride_[stream];
  const bool to_acc = c.addr1.is_acc();
  const bool widen = to_acc && int8_in_[stream];  // int8 DRAM rows widened into the accumulator by the mvin scale
  const uint32_t elem = to_acc && !widen ? 4 : 1;
  const uint32_t row_bytes = uint32_t(c.cols1) * elem;
  const auto dim = static_cast<uint32_t>(ctx_.dim);
  const uint32_t blocks = (c.cols1 + dim - 1) / dim;
  const uint64_t wlat = to_acc ? ctx_.acc.write_latency() + (widen ? uint64_t(ctx_.hw.dma.mvin_scale_latency_cycles) : 0)
                               : ctx_.sp.write_latency() + uint64_t(ctx_.hw.dma.mvin_scale_latency_cycles);
  uint64_t t = start;
  uint64_t end = start + 1;
  // All rows' blocks within one bank's range: every row's first and last block share a bank (no per-row test).
  const uint32_t lo = c.addr1.row(), hi = lo + (c.rows1 ? c.rows1 - 1u : 0u) + (blocks - 1) * dim;
  const bool all_one_bank = to_acc ? ctx_.acc.one_bank(lo, hi) : ctx_.sp.one_bank(lo, hi);
  for (uint32_t r = 0; r < c.rows1; ++r) {
    const RowTiming rt = ctx_.dma_read.row(t, c.dram_addr + uint64_t(r) * stride, row_bytes);
    t = rt.last_issue + 1;
    // A row's blocks land in consecutive DIM-row groups: when they share a bank, the bank's write port is
    // busy for `blocks` consecutive cycles; otherwise each bank takes its own row.
    const uint32_t first = c.addr1.row() + r, last = first + (blocks - 1) * dim;
    const bool one_bank = all_one_bank || (to_acc ? ctx_.acc.bank_of(first) == ctx_.acc.bank_of(last)
                                                  : ctx_.sp.bank_of(first) == ctx_.sp.bank_of(last));
    if (one_bank) {
      const uint64_t w = to_acc ? ctx_.acc.reserve_write(first, rt.done, blocks, c.addr1.accumulate())
                                : ctx_.sp.reserve_write(first, rt.done, blocks);
      end = std::max(end, w + blocks - 1 + wlat);
    } else {
      for (uint32_t b = 0; b < blocks; ++b) {
        const uint32_t row = first + b * dim;
        const uint64_t w =
            to_acc ? ctx_.acc.reserve_write(row, rt.done, 1, c.addr1.accumulate()) : ctx_.sp.reserve_write(row, rt.done, 1);
        end = std::max(end, w + wlat);
      }
    }
  }
  free_ = t;
  ctx_.counters.busy_cycles[0] += t - start;
  ctx_.count_dma(c.op, false, uint64_t(c.rows1) * row_bytes);
  to_acc ? ctx_.count_acc(c.op, 0, uint64_t(c.rows1) * blocks) : ctx_.count_sp(c.op, 0, uint64_t(c.rows1) * blocks);

  if (ctx_.functional) {
    for (uint32_t r = 0; r < c.rows1; ++r) {
      const uint8_t* src = ctx_.dram_read(c.dram_addr + uint64_t(r) * stride, row_bytes);
      for (uint32_t b = 0; b < blocks; ++b) {
        const uint32_t row = c.addr1.row() + b * dim + r;
        const uint32_t n = std::min<uint32_t>(dim, c.cols1 - b * dim);
        if (to_acc) {
          auto dst = ctx_.acc.row(row);
          for (uint32_t j = 0; j < n; ++j) {
            int32_t v;
            if (widen) {
              v = models::requantize_i32(static_cast<int8_t>(src[size_t(b) * dim + j]), scale_[stream]);
            } else {
              std::memcpy(&v, src + (size_t(b) * dim + j) * 4, 4);
            }
            // Accumulating loads add with saturation (the residual add of I-BERT).
            dst[j] = c.addr1.accumulate() ? models::saturate_i32(int64_t(dst[j]) + v) : v;
          }
          if (!c.addr1.accumulate()) std::fill(dst.begin() + n, dst.end(), 0);
        } else {
          auto dst = ctx_.sp.row(row);
          std::memcpy(dst.data(), src + size_t(b) * dim, n);
          std::fill(dst.begin() + n, dst.end(), int8_t{0});
        }
      }
    }
  }
  return {start, end};
}

}  // namespace coda::engine
