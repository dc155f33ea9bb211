// ExecuteController: issues CONFIG_EX, PRELOAD and COMPUTE in order and drives the mesh
// (timing rules in mesh.h). Outputs are written (or accumulated) into the accumulator.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/engine/engine_context.h"

namespace coda::engine {

class ExecuteController {
 public:
  explicit ExecuteController(EngineContext& ctx) : ctx_(ctx) {}
  Timing simulate(const Pending& p, uint64_t earliest);
  uint64_t free_at() const { return free_; }
  // Segment memo (segment_state.h): the free cycle (used as max(earliest, free)) and the output operand the last
  // preload named. (The transposed weights are functional-mode data.)
  void save(StateWriter& w) const {
    w.time(free_);
    w.put(w.preload_output_dead ? 0 : uint64_t(c_addr_.raw) | uint64_t(c_rows_) << 32 | uint64_t(c_cols_) << 48);
  }
  void load(StateReader& r) {
    free_ = r.time();
    const uint64_t a = r.get();
    c_addr_.raw = uint32_t(a);
    c_rows_ = uint16_t(a >> 32);
    c_cols_ = uint16_t(a >> 48);
  }

 private:
  Timing preload(const Pending& p, uint64_t start);
  Timing compute(const Pending& p, uint64_t start);
  void functional_compute(const Pending& p, bool preloaded);
  static constexpr size_t kDim16 = 16;
  void product16(const int8_t* a, size_t rows, int32_t* out, bool accumulate);

  EngineContext& ctx_;
  uint64_t free_ = 0;
  // Output operand of the next compute (set by the preload).
  isa::LocalAddr c_addr_ = isa::LocalAddr::garbage();
  uint16_t c_rows_ = 0, c_cols_ = 0;
  // Functional, DIM = 16: the active weights packed for models::tile16_i8, valid until the next flip.
  std::array<int16_t, kDim16 * kDim16> wt_{};
  bool wt_valid_ = false;
  // Functional mode: the A block and the result of the last compute (reused, no per-command allocation).
  std::vector<int8_t> a_buf_;
  std::vector<int32_t> out_buf_;
};

}  // namespace coda::engine
