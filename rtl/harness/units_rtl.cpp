#include "rtl/harness/units_rtl.h"

#include <verilated.h>

#include <stdexcept>

#include "Viexp.h"
#include "Vigelu.h"
#include "Visqrt.h"
#include "Vnorm_lanes.h"

namespace coda::rtl {

namespace {

template <class V>
struct Model {
  std::unique_ptr<VerilatedContext> ctx = std::make_unique<VerilatedContext>();
  std::unique_ptr<V> top = std::make_unique<V>(ctx.get(), "unit");
  ~Model() { top->final(); }
  void tick() {
    top->clk = 0;
    top->eval();
    top->clk = 1;
    top->eval();
  }
};

uint32_t u7(int v) { return static_cast<uint32_t>(v) & 0x7Fu; }

// Streams n inputs (set by `drive(i)`) and collects out_valid results; the latency is measured on element 0.
template <class V, class Drive>
StreamResult stream(Model<V>& m, size_t n, Drive drive) {
  StreamResult r;
  r.out.reserve(n);
  uint64_t cycle = 0, first_in = 0;
  bool seen = false;
  for (size_t i = 0; r.out.size() < n; ++cycle) {
    if (i < n) {
      m.top->in_valid = 1;
      drive(i);
      if (i == 0) first_in = cycle;
      ++i;
    } else {
      m.top->in_valid = 0;
    }
    m.top->eval();
    if (m.top->out_valid) {
      if (!seen) r.latency = cycle - first_in;
      seen = true;
      r.out.push_back(static_cast<int32_t>(m.top->out_q));
    }
    m.tick();
    if (cycle > n + 64) throw std::logic_error("rtl unit: results missing");
  }
  return r;
}

}  // namespace

StreamResult gelu_rtl(std::span<const int32_t> q, const models::ibert::GeluParams& p) {
  Model<Vigelu> m;
  m.top->pre_shift = static_cast<uint8_t>(static_cast<int8_t>(p.pre_shift));
  m.top->erf_q_b = static_cast<uint64_t>(p.erf.q_b);
  m.top->erf_q_c = static_cast<uint64_t>(p.erf.q_c);
  m.top->erf_clip = static_cast<uint64_t>(p.erf_clip);
  m.top->to_h_multiplier = static_cast<uint32_t>(p.to_h.multiplier);
  m.top->to_h_shift = u7(p.to_h.shift);
  m.top->out_extra_bits = u7(p.out_extra_bits);
  m.top->in_valid = 0;
  m.tick();
  m.tick();
  return stream(m, q.size(), [&](size_t i) { m.top->in_q = static_cast<uint32_t>(q[i]); });
}

StreamResult exp_rtl(std::span<const int64_t> q, const models::ibert::ExpParams& p) {
  Model<Viexp> m;
  m.top->to_log2_multiplier = static_cast<uint32_t>(p.to_log2.multiplier);
  m.top->to_log2_shift = u7(p.to_log2.shift);
  m.top->poly_q_b = static_cast<uint64_t>(p.poly.q_b);
  m.top->poly_q_c = static_cast<uint64_t>(p.poly.q_c);
  m.top->to_out_multiplier = static_cast<uint32_t>(p.to_out.multiplier);
  m.top->to_out_shift = u7(p.to_out.shift);
  m.top->in_valid = 0;
  m.tick();
  m.tick();
  return stream(m, q.size(), [&](size_t i) { m.top->in_q = static_cast<uint64_t>(q[i]); });
}

struct IsqrtRtl::Impl {
  Model<Visqrt> m;
};

IsqrtRtl::IsqrtRtl() : impl_(std::make_unique<Impl>()) {
  auto& t = *impl_->m.top;
  t.rst = 1;
  t.start = 0;
  impl_->m.tick();
  t.rst = 0;
}
IsqrtRtl::~IsqrtRtl() = default;

IsqrtRtl::Result IsqrtRtl::run(uint64_t n, int cycles_per_bit) {
  if (cycles_per_bit < 1 || cycles_per_bit > 255) throw std::invalid_argument("isqrt: cycles_per_bit in [1, 255]");
  auto& m = impl_->m;
  m.top->n = n;
  m.top->cycles_per_bit = static_cast<uint8_t>(cycles_per_bit);
  m.top->start = 1;
  m.top->eval();
  m.tick();  // start accepted at cycle 0
  m.top->start = 0;
  Result r;
  for (uint64_t cycle = 1;; ++cycle) {
    m.top->eval();
    if (m.top->done) {
      r.root = m.top->root;
      r.cycles = cycle;
      m.tick();  // the unit is idle again after this edge
      return r;
    }
    m.tick();
    if (cycle > 64u * 256u) throw std::logic_error("isqrt: no result");
  }
}

struct NormLanesRtl::Impl {
  Model<Vnorm_lanes> m;
};

NormLanesRtl::NormLanesRtl() : impl_(std::make_unique<Impl>()) {
  auto& t = *impl_->m.top;
  t.rst = 1;
  t.in_valid = 0;
  impl_->m.tick();
  t.rst = 0;
}
NormLanesRtl::~NormLanesRtl() = default;

NormLanesRtl::Result NormLanesRtl::sum_pass(std::span<const int32_t> row) { return pass(row, false, nullptr); }
NormLanesRtl::Result NormLanesRtl::squares_pass(std::span<const int32_t> row, const models::ibert::LayerNormCenter& c) {
  return pass(row, true, &c);
}

NormLanesRtl::Result NormLanesRtl::pass(std::span<const int32_t> row, bool squares,
                                        const models::ibert::LayerNormCenter* c) {
  if (row.empty()) throw std::invalid_argument("norm lanes: empty row");
  constexpr size_t kLanes = UnitRtlParams::kNormLanes;
  auto& m = impl_->m;
  auto& t = *m.top;
  t.mode = squares;
  t.origin = c ? static_cast<uint32_t>(c->origin) : 0u;
  t.shift = c ? static_cast<uint8_t>(static_cast<int8_t>(c->shift)) : 0;
  t.mean_rel = c ? static_cast<uint64_t>(c->mean_rel) : 0;
  const size_t beats = (row.size() + kLanes - 1) / kLanes;
  Result r;
  for (uint64_t cycle = 0;; ++cycle) {
    if (cycle < beats) {
      t.in_valid = 1;
      t.in_first = cycle == 0;
      t.in_last = cycle + 1 == beats;
      uint32_t mask = 0;
      for (size_t l = 0; l < kLanes; ++l) {
        const size_t i = cycle * kLanes + l;
        const bool v = i < row.size();
        mask |= uint32_t(v) << l;
        t.in_data.at(l) = v ? static_cast<uint32_t>(row[i]) : 0u;
      }
      t.in_mask = static_cast<uint8_t>(mask);
    } else {
      t.in_valid = 0;
      t.in_first = 0;
      t.in_last = 0;
    }
    t.eval();
    if (t.out_valid) {
      r.sums.count = static_cast<int64_t>(t.out_count);
      r.sums.sum = static_cast<int64_t>(t.out_sum);
      r.sums.min = static_cast<int32_t>(t.out_min);
      r.sums.max = static_cast<int32_t>(t.out_max);
      r.var_sum = t.out_var_sum;
      r.cycles = cycle;
      m.tick();
      return r;
    }
    m.tick();
    if (cycle > beats + 64) throw std::logic_error("norm lanes: no result");
  }
}

}  // namespace coda::rtl
