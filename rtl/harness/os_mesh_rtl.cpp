#include "rtl/harness/os_mesh_rtl.h"

#include <verilated.h>
#include <verilated_vcd_c.h>

#include <stdexcept>

#include "Vosmesh16.h"
#include "Vosmesh4.h"
#include "Vosmesh8.h"

namespace coda::rtl {

namespace {

// DIM int8 values into a Verilated port (a C integer of <= 64 bits, or a VlWide of 32-bit words).
template <class T>
void put_i8(T& port, const int8_t* row, int dim) {
  if constexpr (std::is_integral_v<T>) {
    T v = 0;
    for (int j = 0; j < dim && row; ++j) v |= T(uint8_t(row[j])) << (8 * j);
    port = v;
  } else {
    for (int w = 0; w < (dim + 3) / 4; ++w) {
      uint32_t v = 0;
      for (int b = 0; b < 4 && row; ++b) v |= uint32_t(uint8_t(row[4 * w + b])) << (8 * b);
      port.at(size_t(w)) = v;
    }
  }
}

// DIM int32 values into a VlWide (DIM >= 4: always wider than 64 bits).
template <class T>
void put_i32(T& port, const int32_t* row, int dim) {
  for (int j = 0; j < dim; ++j) port.at(size_t(j)) = row ? uint32_t(row[j]) : 0u;
}

template <class V, int Dim>
class OsMeshRtlImpl final : public OsMeshRtl {
 public:
  OsMeshRtlImpl() : ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->traceEverOn(true);
    top_ = std::make_unique<V>(ctx_.get(), "os_mesh");
    reset();
  }
  ~OsMeshRtlImpl() override {
    if (vcd_) vcd_->close();
    top_->final();
  }
  int dim() const override { return Dim; }

  void reset() override {
    set_a(false, nullptr, false, false, false, 1);
    set_b(false, nullptr, false, false);
    set_d(false, nullptr, false, false);
    top_->rst = 1;
    for (int i = 0; i < 2; ++i) tick();
    top_->rst = 0;
    top_->eval();
    cycle_ = 0;
    time_ = 0;
  }

  void open_vcd(const std::string& path) override {
    vcd_ = std::make_unique<VerilatedVcdC>();
    top_->trace(vcd_.get(), 99);
    vcd_->open(path.c_str());
    if (!vcd_->isOpen()) {
      vcd_.reset();
      throw std::runtime_error("cannot open VCD file " + path);
    }
  }

  void set_a(bool valid, const int8_t* column, bool first, bool flip, bool last, int rows) override {
    top_->a_valid = valid;
    put_i8(top_->a_data, column, Dim);
    top_->a_first = first;
    top_->a_flip = flip;
    top_->a_last = last;
    top_->a_rows = uint8_t(rows < 1 ? 1 : rows > 255 ? 255 : rows);
  }
  void set_b(bool valid, const int8_t* row, bool first, bool last) override {
    top_->b_valid = valid;
    put_i8(top_->b_data, row, Dim);
    top_->b_first = first;
    top_->b_last = last;
  }
  void set_d(bool valid, const int32_t* row, bool first, bool last) override {
    top_->d_valid = valid;
    put_i32(top_->d_data, row, Dim);
    top_->d_first = first;
    top_->d_last = last;
  }
  void settle() override { top_->eval(); }
  bool a_ready() const override { return top_->a_ready; }
  bool b_ready() const override { return top_->b_ready; }
  bool out_valid() const override { return top_->out_valid; }
  int32_t out(int j) const override { return static_cast<int32_t>(top_->out_data.at(size_t(j))); }

  void tick() override {
    top_->clk = 0;
    top_->eval();
    if (vcd_) vcd_->dump(time_);
    ++time_;
    top_->clk = 1;
    top_->eval();
    if (vcd_) vcd_->dump(time_);
    ++time_;
    ++cycle_;
  }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<V> top_;
  std::unique_ptr<VerilatedVcdC> vcd_;
  uint64_t time_ = 0;
};

}  // namespace

std::unique_ptr<OsMeshRtl> OsMeshRtl::create(int dim) {
  switch (dim) {
    case 4: return std::make_unique<OsMeshRtlImpl<Vosmesh4, 4>>();
    case 8: return std::make_unique<OsMeshRtlImpl<Vosmesh8, 8>>();
    case 16: return std::make_unique<OsMeshRtlImpl<Vosmesh16, 16>>();
    default:
      throw std::invalid_argument("the RTL OS mesh is Verilated for DIM 4, 8 and 16 only, not DIM " +
                                  std::to_string(dim));
  }
}

}  // namespace coda::rtl
