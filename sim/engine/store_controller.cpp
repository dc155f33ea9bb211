#include "sim/engine/store_controller.h"

#include <algorithm>
#include <cstring>

#include "models/ibert.h"

namespace coda::engine {

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
  const bool from_acc = c.addr1.is_acc();
  const bool full = from_acc && c.addr1.full_row();
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
  uint64_t t = read_start;
  uint64_t end = start + 1;
  for (uint32_t r = 0; r < c.rows1; ++r) {
    const uint64_t ready = read_start + r + lat;
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
    for (uint32_t r = 0; r < c.rows1; ++r) {
      uint8_t* dst = ctx_.memory.data() + c.dram_addr + uint64_t(r) * stride_;
      if (!from_acc) {
        std::memcpy(dst, ctx_.sp.row(c.addr1.row() + r).data(), c.cols1);
        continue;
      }
      auto src = ctx_.acc.row(c.addr1.row() + r);
      for (uint32_t j = 0; j < c.cols1; ++j) {
        int32_t v = src[j];
        if (act_ == isa::Activation::Relu && v < 0) v = 0;
        if (full) {
          std::memcpy(dst + size_t(j) * 4, &v, 4);
        } else {
          const int8_t q = models::requantize_i8(v, scale);
          std::memcpy(dst + j, &q, 1);
        }
      }
    }
  }
  return {start, end};
}

}  // namespace coda::engine
