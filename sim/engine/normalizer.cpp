#include "sim/engine/normalizer.h"

#include <algorithm>
#include <stdexcept>

namespace coda::engine {

using isa::NormCmd;
namespace ib = models::ibert;

Normalizer::Normalizer(const config::HwConfig& hw)
    : lanes_(uint64_t(std::max<int64_t>(1, hw.normalizer.lanes))),
      latency_(uint64_t(hw.normalizer.latency_cycles)),
      isqrt_bit_(uint64_t(hw.normalizer.isqrt_cycles_per_bit)),
      divide_(uint64_t(hw.normalizer.divide_cycles)),
      slots_(size_t(std::max<int64_t>(1, hw.normalizer.slots))) {}

uint64_t Normalizer::finish_cycles(NormCmd cmd) const {
  switch (cmd) {
    case NormCmd::Mean: return divide_;                   // sum / n
    case NormCmd::InvStddev: return 32 * isqrt_bit_ + divide_;  // 32-bit root of the 64-bit variance sum, then 2^62 / root
    case NormCmd::InvSumExp: return divide_;              // 127 * 2^55 / sum
    default: return 0;                                    // SUM, VARIANCE, MAX, SUM_EXP only accumulate
  }
}

Normalizer::PassTiming Normalizer::pass(NormCmd cmd, uint32_t slot_id, uint64_t data_ready, uint64_t elements,
                                        uint64_t exp_cycles) {
  Slot& s = slot(slot_id);
  PassTiming t;
  t.lanes_start = std::max({data_ready, lanes_free_, s.ready});
  const uint64_t cycles = std::max<uint64_t>({1, (elements + lanes_ - 1) / lanes_, exp_cycles});
  t.lanes_end = t.lanes_start + cycles;
  lanes_free_ = t.lanes_end;
  t.stat_ready = t.lanes_end + latency_ + finish_cycles(cmd);
  s.ready = t.stat_ready;
  return t;
}

void Normalizer::compute(NormCmd cmd, uint32_t slot_id, std::span<const int32_t> row, const ib::SoftmaxParams* sm) {
  Slot& s = slot(slot_id);
  switch (cmd) {
    case NormCmd::Sum:
    case NormCmd::Mean:
      ib::layernorm_accumulate(row, s.sums);
      if (cmd == NormCmd::Mean) {
        s.center = ib::layernorm_center(s.sums);
        s.var_sum = 0;
      }
      break;
    case NormCmd::Variance:
    case NormCmd::InvStddev:
      ib::layernorm_accumulate_squares(row, s.center, s.var_sum);
      if (cmd == NormCmd::InvStddev) s.stats = ib::layernorm_finish(s.center, s.var_sum);
      break;
    case NormCmd::Max:
      s.max = ib::softmax_max(row);
      break;
    case NormCmd::SumExp:
    case NormCmd::InvSumExp:
      if (!sm) throw std::logic_error("normalizer: SUM_EXP without softmax parameters");
      s.exp_sum += ib::softmax_exp_sum(row, s.max, *sm);
      if (cmd == NormCmd::InvSumExp) s.inverse = ib::softmax_inverse(s.exp_sum);
      break;
    case NormCmd::Reset: break;
  }
}

void Normalizer::reset(uint32_t slot_id) {
  Slot& s = slot(slot_id);
  const uint64_t ready = s.ready;
  s = Slot{};
  s.ready = ready;
}

}  // namespace coda::engine
