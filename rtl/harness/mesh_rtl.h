// A DIM-independent driver of the Verilated weight-stationary mesh (rtl/mesh/mesh_with_delays.v), one model
// per supported DIM. The caller drives one cycle at a time:
//   set the port inputs -> settle() -> read a_ready()/b_ready() (did the rows enter this cycle?) and
//   out_valid()/out() (the row leaving this cycle) -> tick() (the rising edge; cycle() advances by one).
// Cycle numbers are those of the engine: an input presented in cycle t "enters at t" when its port is ready,
// an output read in cycle t "leaves at t".
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace coda::rtl {

// Parameters the mesh was Verilated with (rtl/CMakeLists.txt).
struct MeshRtlParams {
  static constexpr int kInputBits = 8;
  static constexpr int kPsumBits = 20;
  static constexpr int kAccBits = 32;
  static constexpr int kOutputDelay = 1;
  static constexpr int kTileLatency = 1;
  static constexpr int kMinRows = 4;
};

// The ports and clocking both Verilated meshes share (MeshRtl: weight-stationary; OsMeshRtl, os_mesh_rtl.h:
// output-stationary). Each adds its left port (set_a) and its latency.
class MeshRtlDriver {
 public:
  virtual ~MeshRtlDriver() = default;

  virtual int dim() const = 0;
  uint64_t cycle() const { return cycle_; }

  // Holds reset for two cycles; the cycle counter restarts at 0.
  virtual void reset() = 0;
  // Writes a VCD of every signal from now on (throws std::runtime_error if the file cannot be opened).
  virtual void open_vcd(const std::string& path) = 0;

  // Port inputs for the current cycle. Rows are DIM int8 values (nullptr = zeros).
  virtual void set_b(bool valid, const int8_t* row, bool first, bool last) = 0;
  virtual void settle() = 0;
  virtual bool a_ready() const = 0;
  virtual bool b_ready() const = 0;
  virtual bool out_valid() const = 0;
  // Column j of the output row (sign-extended accumulator width).
  virtual int32_t out(int j) const = 0;
  virtual void tick() = 0;
  // Advances the cycle counter without clocking. Only exact when the mesh is idle and drained (no input for
  // more than 4 * DIM cycles: every register then holds its idle value and a clock edge changes nothing).
  void skip_to(uint64_t cycle) {
    if (cycle > cycle_) cycle_ = cycle;
  }

 protected:
  uint64_t cycle_ = 0;
};

class MeshRtl : public MeshRtlDriver {
 public:
  // DIMs with a Verilated model: 4, 8 and 16.
  static bool supported(int dim);
  // Throws std::invalid_argument for an unsupported DIM.
  static std::unique_ptr<MeshRtl> create(int dim);

  // Latency of a row through the mesh: 2 * DIM - 1 + output delay.
  uint64_t latency() const { return uint64_t(2 * dim() - 1 + MeshRtlParams::kOutputDelay); }

  // Left port: A rows (DIM int8 values, nullptr = zeros).
  virtual void set_a(bool valid, const int8_t* row, bool first, bool flip, bool last) = 0;
};

}  // namespace coda::rtl
