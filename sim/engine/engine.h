// The cycle-level engine: Gemmini's controller/memory/mesh block diagram, simulated at command granularity.
//
// Commands arrive in order from a CommandSource (through the loop unroller), enter the reservation station
// one per cycle, and are issued in order by the load, execute and store controllers. The engine never ticks
// through idle cycles: each command gets its start and end cycle from the resources it needs (entries,
// controller order, dependencies, DMA slots, DRAM, SRAM ports, mesh ports). Among the controllers' oldest
// ready commands, the one that can start first is simulated next, so shared resources (DRAM, SRAM banks)
// are claimed in time order. Embedding: construct, run(), then read counters and per-op timing.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "sim/config/hw_config.h"
#include "sim/engine/command_source.h"
#include "sim/engine/engine_context.h"
#include "sim/engine/execute_controller.h"
#include "sim/engine/load_controller.h"
#include "sim/engine/reservation_station.h"
#include "sim/engine/store_controller.h"

namespace coda::engine {

struct EngineOptions {
  bool functional = false;      // move real data through the memories
  uint64_t memory_bytes = 0;    // functional DRAM size
  const std::vector<OpNumerics>* numerics = nullptr;  // functional: kernel parameters by op id
  HostExecutor* host = nullptr;                        // functional: data of host ops
};

// Observer of every simulated command (for --dump-commands, traces, tests). Optional.
class CommandObserver {
 public:
  virtual ~CommandObserver() = default;
  virtual void on_command(const isa::Command& cmd, uint64_t seq, uint64_t dispatch, uint64_t start, uint64_t end) = 0;
};

class Engine final : public DispatchView {
 public:
  Engine(const config::HwConfig& hw, EngineOptions options);

  // Simulates the whole stream. Op ids in commands must be < num_ops.
  void run(CommandSource& source, size_t num_ops);

  uint64_t total_cycles() const { return total_; }
  const Counters& counters() const { return ctx_.counters; }
  const std::vector<OpTiming>& op_timing() const { return ctx_.ops; }
  const Actions& other_actions() const { return ctx_.other_actions; }  // commands outside any op
  std::vector<uint8_t>& memory() { return ctx_.memory; }
  const config::HwConfig& hw() const { return hw_; }
  void set_observer(CommandObserver* o) { observer_ = o; }
  // Every mesh operation with its timing (and data in functional mode), for co-simulation. Optional.
  void set_mesh_observer(MeshObserver* o) { ctx_.mesh.observer = o; }
  // DispatchView: the cycle a command of this kind would enter the reservation station now (simulates
  // pending commands until an entry of its type has a known free time).
  uint64_t dispatch_time(isa::Opcode op) override;

 private:
  struct Queue {
    std::vector<Pending> ring;
    size_t head = 0, size = 0;
    Pending& front() { return ring[head]; }
    void push(const Pending& p) { ring[(head + size++) % ring.size()] = p; }
    void pop() { head = (head + 1) % ring.size(); --size; }
  };

  void dispatch(const isa::Command& cmd);
  bool step();                 // simulates one command; false if nothing is pending
  void drain();                // simulates everything pending
  uint64_t done_of(uint64_t seq, size_t ctrl) const;
  uint64_t deps_done(const Pending& p) const;
  bool ready(const Pending& p) const;
  void host_op(const isa::Command& cmd);

  config::HwConfig hw_;
  EngineContext ctx_;
  ReservationStation rs_;
  LoadController load_;
  ExecuteController execute_;
  StoreController store_;
  std::array<Queue, 3> queues_;
  // Controller command queues: a controller has at most `queue.*` commands in progress.
  std::array<std::vector<uint64_t>, 3> inflight_;
  std::array<size_t, 3> inflight_pos_{};
  // Completion cycle by seq (ring), tagged with seq << 2 | controller. A producer whose slot has been reused
  // finished no later than the latest completion among its controller's evicted commands.
  std::vector<uint64_t> done_ring_, done_tag_;
  uint64_t done_mask_ = 0;
  std::array<uint64_t, 3> evicted_done_{};
  std::array<uint64_t, 3> last_sim_seq_{};   // newest simulated seq per controller
  uint64_t seq_ = 0;
  uint64_t last_dispatch_ = 0;
  uint64_t barrier_ = 0;       // nothing dispatches before this (fences, host ops)
  uint64_t total_ = 0;
  CommandObserver* observer_ = nullptr;
};

}  // namespace coda::engine
