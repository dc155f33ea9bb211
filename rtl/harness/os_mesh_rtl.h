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

class OsMeshRtl : public MeshRtlDriver {
 public:
  // DIMs with a Verilated model: 4, 8 and 16 (as MeshRtl).
  static bool supported(int dim) { return MeshRtl::supported(dim); }
  // Throws std::invalid_argument for an unsupported DIM.
  static std::unique_ptr<OsMeshRtl> create(int dim);

  // Cycles from a compute's last column entering to its first output row (result row DIM-1) leaving:
  // 2 * DIM + output delay. Beat m leaves m cycles later.
  uint64_t latency() const { return uint64_t(2 * dim() + MeshRtlParams::kOutputDelay); }

  // Rows are DIM values (nullptr = zeros). `rows` = K, the compute's number of columns (1 .. DIM).
  virtual void set_a(bool valid, const int8_t* column, bool first, bool flip, bool last, int rows) = 0;
  virtual void set_d(bool valid, const int32_t* row, bool first, bool last) = 0;
};

}  // namespace coda::rtl
