// MeshWithDelays: the DIM x DIM systolic array with its input skew and output de-skew registers.
//
// Timing (weight-stationary). Row i of A enters the skew buffer at cycle s + i; element k reaches PE(k, 0)
// at s + i + k and PE(k, j) at s + i + k + j; the partial sum of output (i, j) leaves the bottom of column j
// at s + i + DIM + j and the de-skew registers align the row, so output row i leaves the mesh at
// s + i + latency(), latency() = 2*DIM - 1 + output_delay. Weights (B) shift in from the top into the PEs'
// shadow buffers (PE-level double buffering) while the previous compute streams: a preload occupies the
// top port for max(rows_B, 4) cycles, a compute the left port for max(rows_A, 4) cycles (the floor of 4
// keeps writes to one accumulator address 4 cycles apart); a transposed operand passes the transposer and
// occupies its port for DIM cycles. COMPUTE_PRELOADED flips to the shadow weights, so it starts once they
// are complete; the next preload may start filling the shadow buffer as soon as that flip happened.
//
// Output-stationary (rtl/mesh/os_mesh_with_delays.v): the preload fills a double-buffered B operand buffer at
// the top edge (the same port rules as the WS shadow weights); a compute streams its K columns of A from the
// left while the buffer streams the matching B rows from the top, K cycles (DIM when transposed), the left
// port occupied max(K, 4) cycles. PE(i, j) accumulates C[i][j] (two accumulators, Gemmini's propagate). When
// the last column, entering at L = s + K - 1, has passed the bottom PE of a column, the column drains: its DIM
// results leave the bottom, bottom row first, so beat m (row DIM-1-m) leaves at L + latency() + 1 + m. A
// compute's last column must enter at least DIM cycles after the previous one's (one drain per DIM cycles).
// The written rows 0 .. out_rows-1 are the last out_rows beats: row i leaves at first_out + out_rows - 1 - i.
//
// rtl/mesh/mesh_with_delays.v and os_mesh_with_delays.v implement these timings in Verilog; tests/cosim and
// `coda cosim` replay the engine's mesh operations (MeshObserver below) through them and compare every cycle.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sim/config/hw_config.h"
#include "sim/engine/segment_state.h"
#include "sim/isa/command.h"

namespace coda::engine {

// One mesh operation as the engine timed it, for co-simulation against the Verilog mesh in rtl/ (observed
// through Engine::set_mesh_observer; sim/cosim replays these through the RTL). A preload whose B address is
// garbage does not use the mesh and is not reported.
struct MeshEvent {
  enum class Kind : uint8_t { Preload, Compute, ComputePreloaded };
  Kind kind = Kind::Preload;
  isa::Dataflow dataflow = isa::Dataflow::WS;
  uint64_t seq = 0;          // command sequence number
  uint64_t ready = 0;        // issue cycle + scratchpad read latency: the earliest the operand could enter
  uint64_t stall = 0;        // cycles the operand was held back by what is outside the mesh (scratchpad bank
                             // conflicts, accumulator write back-pressure of the previous compute)
  uint64_t feed = 0;         // cycle the operand's first row entered the mesh
  uint64_t rows = 0;         // operand rows streamed (DIM when transposed)
  uint64_t occupancy = 0;    // cycles the port is occupied (Mesh::feed_rows)
  // Compute only: output rows written (0 when C is garbage), the cycle the first written row leaves the mesh
  // (WS: row i leaves at first_out + i; OS: rows leave bottom first, row i at first_out + out_rows - 1 - i) and
  // the cycle the accumulator/scratchpad write starts (> first_out under back-pressure).
  uint64_t out_rows = 0, first_out = 0, write_start = 0;
  // Functional mode only (empty otherwise), DIM x DIM row-major: the operand as it enters the mesh (preload:
  // the weights [k][j]; compute: A [i][k], zero-padded, transposes applied) and the compute's int32 result.
  std::span<const int8_t> operand;
  std::span<const int32_t> result;
};

class MeshObserver {
 public:
  virtual ~MeshObserver() = default;
  virtual void on_mesh(const MeshEvent& e) = 0;
};

class Mesh {
 public:
  explicit Mesh(const config::HwConfig& hw, bool functional);

  int64_t dim() const { return dim_; }
  uint64_t latency() const { return latency_; }
  static uint64_t feed_rows(uint64_t rows, bool transposed, uint64_t dim) {
    if (transposed) return dim;
    return rows < 4 ? 4 : rows;
  }

  // Timing state (cycles at which the ports free up, and the weight double buffer).
  uint64_t left_free = 0;        // A input port
  uint64_t top_free = 0;         // B/D input port
  uint64_t shadow_free = 0;      // the shadow weight buffer may be refilled from this cycle
  uint64_t weights_ready = 0;    // the last preloaded weights are complete in the shadow buffers
  uint64_t drained = 0;          // cycle the last output leaves the mesh (for dataflow switches)
  uint64_t left_mesh_free = 0;   // A port free by the mesh's own rule (left_free without write back-pressure)
  uint64_t os_drain_free = 0;    // OS: a compute's last column may enter from this cycle (previous one's + DIM)
  isa::Dataflow dataflow = isa::Dataflow::WS;
  bool a_transpose = false, b_transpose = false;

  // Functional state: active and shadow weights (WS) or the stationary partial sums (OS), DIM x DIM.
  std::vector<int8_t> shadow, active;  // [k][j]
  std::vector<int32_t> os_acc;         // [i][j]

  MeshObserver* observer = nullptr;    // co-simulation (optional)

  // Timing state (segment_state.h). The port and buffer cycles are only combined as max(.., t) with t after the
  // command's start (or compared with such a t: weights_ready > feed, which a time <= the barrier never is).
  void save(StateWriter& w) const {
    for (uint64_t t : {left_free, top_free, shadow_free, weights_ready, drained, left_mesh_free, os_drain_free}) w.time(t);
    w.put(uint64_t(dataflow) | uint64_t(a_transpose) << 8 | uint64_t(b_transpose) << 9);
  }
  void load(StateReader& r) {
    for (uint64_t* t : {&left_free, &top_free, &shadow_free, &weights_ready, &drained, &left_mesh_free, &os_drain_free})
      *t = r.time();
    const uint64_t v = r.get();
    dataflow = isa::Dataflow(v & 0xff);
    a_transpose = (v >> 8) & 1;
    b_transpose = (v >> 9) & 1;
  }

 private:
  int64_t dim_;
  uint64_t latency_;
};

}  // namespace coda::engine
