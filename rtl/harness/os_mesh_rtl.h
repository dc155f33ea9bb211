// A DIM-independent driver of the Verilated output-stationary mesh (rtl/mesh/os_mesh_with_delays.v), one model
// per supported DIM, driven like MeshRtl (mesh_rtl.h): set the port inputs -> settle() -> read a_ready() /
// b_ready() and out_valid()/out() -> tick(). Cycle numbers are those of the engine.
//
// Left port: A columns (element i = A[i][t]); the first column also carries K (`rows`). Top port: B rows
// (preload into the operand buffer). D port: bias rows (int32), captured by the PE rows and used by the next
// compute's first column; they must enter at least DIM cycles before it. Outputs: DIM rows per compute, bottom
// row first (beat m holds result row DIM-1-m).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "rtl/harness/mesh_rtl.h"

namespace coda::rtl {

class OsMeshRtl {
 public:
  // DIMs with a Verilated model: 4, 8 and 16 (as MeshRtl).
  static bool supported(int dim) { return MeshRtl::supported(dim); }
  // Throws std::invalid_argument for an unsupported DIM.
  static std::unique_ptr<OsMeshRtl> create(int dim);
  virtual ~OsMeshRtl() = default;

  virtual int dim() const = 0;
  // Cycles from a compute's last column entering to its first output row (result row DIM-1) leaving:
  // 2 * DIM + output delay. Beat m leaves m cycles later.
  uint64_t latency() const { return uint64_t(2 * dim() + MeshRtlParams::kOutputDelay); }
  uint64_t cycle() const { return cycle_; }

  virtual void reset() = 0;
  virtual void open_vcd(const std::string& path) = 0;

  // Rows are DIM values (nullptr = zeros). `rows` = K, the compute's number of columns (1 .. DIM).
  virtual void set_a(bool valid, const int8_t* column, bool first, bool flip, bool last, int rows) = 0;
  virtual void set_b(bool valid, const int8_t* row, bool first, bool last) = 0;
  virtual void set_d(bool valid, const int32_t* row, bool first, bool last) = 0;
  virtual void settle() = 0;
  virtual bool a_ready() const = 0;
  virtual bool b_ready() const = 0;
  virtual bool out_valid() const = 0;
  virtual int32_t out(int j) const = 0;
  virtual void tick() = 0;
  // As MeshRtl::skip_to: only exact when the mesh is idle and drained.
  void skip_to(uint64_t cycle) {
    if (cycle > cycle_) cycle_ = cycle;
  }

 protected:
  uint64_t cycle_ = 0;
};

}  // namespace coda::rtl
