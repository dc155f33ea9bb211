// The implementation MeshRtlImpl (mesh_rtl.cpp) and OsMeshRtlImpl (os_mesh_rtl.cpp) share: a Verilated mesh
// model V (context, top module, optional VCD) driving the MeshRtlDriver ports, clocking, reset and VCD.
// Private to the harness: it includes the Verilator headers, so only the harness's .cpp files include it.
#pragma once

#include <verilated.h>
#include <verilated_vcd_c.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace coda::rtl::detail {

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

// Implements the MeshRtlDriver part of Base (MeshRtl or OsMeshRtl) for the Verilated model V of DIM Dim. The
// final class adds set_a (and set_d), and its reset() sets its own idle inputs, then calls reset_model().
template <class Base, class V, int Dim>
class VerilatedMesh : public Base {
 public:
  explicit VerilatedMesh(const char* name) : ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->traceEverOn(true);
    top_ = std::make_unique<V>(ctx_.get(), name);
  }
  ~VerilatedMesh() override {
    if (vcd_) vcd_->close();
    top_->final();
  }
  VerilatedMesh(const VerilatedMesh&) = delete;
  VerilatedMesh& operator=(const VerilatedMesh&) = delete;

  int dim() const override { return Dim; }

  void open_vcd(const std::string& path) override {
    vcd_ = std::make_unique<VerilatedVcdC>();
    top_->trace(vcd_.get(), 99);
    vcd_->open(path.c_str());
    if (!vcd_->isOpen()) {
      vcd_.reset();
      throw std::runtime_error("cannot open VCD file " + path);
    }
  }

  void set_b(bool valid, const int8_t* row, bool first, bool last) override {
    top_->b_valid = valid;
    put_i8(top_->b_data, row, Dim);
    top_->b_first = first;
    top_->b_last = last;
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
    ++this->cycle_;
  }

 protected:
  // With the inputs idle: holds reset for two cycles; the cycle counter and VCD time restart at 0.
  void reset_model() {
    set_b(false, nullptr, false, false);
    top_->rst = 1;
    for (int i = 0; i < 2; ++i) tick();
    top_->rst = 0;
    top_->eval();
    this->cycle_ = 0;
    time_ = 0;
  }
  V& top() { return *top_; }

 private:
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<V> top_;
  std::unique_ptr<VerilatedVcdC> vcd_;
  uint64_t time_ = 0;
};

}  // namespace coda::rtl::detail
