// The Verilator bridge: the engine's mesh operations replayed through the Verilated mesh (rtl/), cycle by
// cycle, comparing when each operand enters, when each output row leaves and (functional mode) what it holds.
//
// The replay is the harness controller of issue 5: it presents each preload (top port) and compute (left
// port) in the engine's order, from the cycle the engine's execute controller had its operand
// (`MeshEvent::ready` = issue + scratchpad read latency). The RTL's own ready signals then decide when it enters
// (port occupancy, the 4-row floor, the shadow weights, the weights-complete check of a flip). What lies outside
// the mesh (scratchpad bank conflicts, accumulator write back-pressure) the engine reports as `stall`: the
// controller holds the operand back by that many cycles at the first cycle the RTL would take it. Every
// operand's entry cycle and every output row's exit cycle is compared with the engine's.
//
// Both dataflows: ReplayOptions::dataflow picks the weight-stationary mesh (rtl/mesh/mesh_with_delays.v) or the
// output-stationary one (rtl/mesh/os_mesh_with_delays.v). In OS the left port takes A's columns (the compute's
// K columns, K given with the first), and each compute drains DIM rows bottom row first, of which the written
// rows (0 .. out_rows-1) are compared: row i at first_out + out_rows - 1 - i.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "sim/config/hw_config.h"
#include "sim/engine/mesh.h"
#include "sim/simulator.h"

namespace coda::rtl {
class MeshRtl;
class OsMeshRtl;
}

namespace coda::cosim {

struct ReplayOptions {
  isa::Dataflow dataflow = isa::Dataflow::WS;  // which RTL mesh: weight- or output-stationary
  std::string vcd;            // write a VCD of the RTL mesh (empty: none)
  bool keep_timeline = false; // keep per-operation RTL cycles in ReplayResult::timeline (tests)
};

// One operation's cycles in the RTL (timeline, when kept).
struct OpCycles {
  engine::MeshEvent::Kind kind = engine::MeshEvent::Kind::Preload;
  uint64_t engine_feed = 0, rtl_feed = 0;
  uint64_t ready = 0, stall = 0;  // the engine's MeshEvent::ready and ::stall
  std::vector<uint64_t> engine_rows, rtl_rows;  // cycle each compared output row left the mesh
};

struct ReplayResult {
  uint64_t preloads = 0, computes = 0;
  uint64_t feed_mismatches = 0;        // an operand entered the RTL at another cycle than in the engine
  uint64_t rows_compared = 0;
  uint64_t row_timing_mismatches = 0;  // an output row left the RTL at another cycle
  uint64_t row_count_mismatches = 0;   // WS: computes whose written rows the RTL does not produce (C rows > A rows)
  uint64_t values_compared = 0;        // functional mode
  uint64_t value_mismatches = 0;
  uint64_t stalls = 0, stall_cycles = 0;  // external stalls replayed (bank conflicts, write back-pressure)
  uint64_t engine_mesh_end = 0;        // cycle after the last written output row left the mesh, engine
  uint64_t rtl_mesh_end = 0;           // the same in the RTL
  uint64_t rtl_cycles_simulated = 0;   // clock cycles the RTL ran (idle stretches are skipped)
  std::string first_mismatch;
  std::vector<OpCycles> timeline;
  bool ok() const {
    return feed_mismatches == 0 && row_timing_mismatches == 0 && row_count_mismatches == 0 && value_mismatches == 0 &&
           engine_mesh_end == rtl_mesh_end;
  }
};

// Streams the engine's mesh events into the RTL. Attach as the engine's MeshObserver (events must come in
// program order, as the engine reports them), then call finish().
class MeshReplayer final : public engine::MeshObserver {
 public:
  // Throws std::invalid_argument if no Verilated mesh exists for `dim` (4, 8, 16). The events must be of
  // options.dataflow (on_mesh throws otherwise).
  explicit MeshReplayer(int dim, ReplayOptions options = {});
  ~MeshReplayer() override;
  void on_mesh(const engine::MeshEvent& e) override;
  // Runs the RTL until every operation has entered and every output row has left; returns the comparison.
  // Throws std::runtime_error if the RTL never accepts an operation (a deadlock).
  const ReplayResult& finish();

 private:
  struct Op {
    engine::MeshEvent ev;  // spans cleared; data below
    std::vector<int8_t> operand;
    std::vector<int32_t> result;
    size_t timeline = 0;
  };
  struct Port {
    std::deque<Op> queue;     // head: the operation being presented/streamed
    uint64_t beat = 0;        // next row of the head
    uint64_t hold_until = 0;  // external stall: not presented before this cycle
    bool stalled = false;     // the head's stall has been applied
  };
  struct Outstanding {
    Op op;
    uint64_t next_row = 0;
  };
  void advance_until(uint64_t until);  // simulates cycles < `until`
  void step();
  void present(Port& port, bool left);
  bool accept(Port& port, bool left, bool ready);
  void mismatch(const std::string& what);

  // Port-level operations on whichever RTL mesh is replayed.
  void set_a(bool valid, const int8_t* row, bool first, bool flip, bool last, uint64_t rows);
  void set_b(bool valid, const int8_t* row, bool first, bool last);
  void settle();
  bool a_ready() const;
  bool b_ready() const;
  bool out_valid() const;
  int32_t out(int j) const;
  void tick();
  uint64_t cycle() const;
  void skip_to(uint64_t cycle);

  std::unique_ptr<rtl::MeshRtl> rtl_;      // WS
  std::unique_ptr<rtl::OsMeshRtl> os_;     // OS
  bool os_mode_ = false;
  ReplayOptions options_;
  int dim_;
  Port left_, top_;
  std::deque<Outstanding> out_;
  uint64_t last_ready_ = 0;
  uint64_t last_activity_ = 0;
  ReplayResult r_;
};

// The dataflow a GEMM co-simulation runs: OS when the config builds only OS (mesh.dataflow: os), else WS.
isa::Dataflow cosim_dataflow(const config::HwConfig& hw);

// Throws config::InputError (naming `config_file` and the key) when the config's mesh differs from the
// Verilated one: DIM 4, 8 or 16 (rows = cols), input_bits 8, acc_bits 32, spatial_acc_bits 20,
// output_delay_cycles 1, tile_latency_cycles 1, and `dataflow` enabled by mesh.dataflow.
void check_mesh_config(const config::HwConfig& hw, const std::string& config_file,
                       isa::Dataflow dataflow = isa::Dataflow::WS);

struct GemmCosim {
  sim::SimResult engine;  // the engine's run (functional, verified against the models/ reference)
  ReplayResult rtl;
  bool ok() const { return rtl.ok() && engine.verify.mismatches == 0; }
};

// C = A x B (M x K x N, random int8 operands from `seed`) through the engine in functional mode with
// options.dataflow, its mesh operations replayed through the RTL mesh of that dataflow and the config's DIM.
GemmCosim cosim_gemm(const config::HwConfig& hw, int64_t m, int64_t k, int64_t n, uint64_t seed,
                     const ReplayOptions& options = {});

}  // namespace coda::cosim
