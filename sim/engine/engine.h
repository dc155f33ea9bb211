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
#include "sim/engine/memory.h"
#include "sim/engine/reservation_station.h"
#include "sim/engine/store_controller.h"

namespace coda::engine {

class LoopUnroller;
class SegmentMemo;
class SimpleDram;

struct EngineOptions {
  bool functional = false;      // move real data through the memories
  uint64_t memory_bytes = 0;    // functional DRAM size
  const std::vector<OpNumerics>* numerics = nullptr;  // functional: kernel parameters by op id
  HostExecutor* host = nullptr;                        // functional: data of host ops
  // Embedders (sim/tlm): a DRAM timing model instead of the config's, and a backend holding the functional
  // DRAM contents instead of the engine's own vector (memory() is then empty). Both owned by the embedder.
  Dram* dram = nullptr;
  MemoryBackend* memory = nullptr;
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
  // DispatchView: the cycles commands of the needed types would enter the reservation station now.
  void dispatch_times(const std::array<bool, 3>& need, std::array<uint64_t, 3>& t) override;

  // For embedders that interleave the engine with other simulators (sim/tlm), callable while run() pulls
  // from the source: whether dispatched commands wait to be simulated; the earliest cycle at which any command
  // not yet simulated (pending or still to come) can issue a DRAM request; and advance(), which simulates the
  // pending command that starts first (false if none).
  bool pending() const;
  uint64_t horizon() const;
  bool advance() { return step(); }
  // Every mesh operation with its timing (and data in functional mode), for co-simulation. Optional.
  void set_mesh_observer(MeshObserver* o) { ctx_.mesh.observer = o; }
  // Exact memoization of fence-delimited segments (segment_memo.h): `memo` must be the source the loop unroller
  // passed to run() reads from. run() uses it only when the result cannot differ from a full simulation: timing
  // mode, the engine's own DRAM model and memory, no command or mesh observer.
  void set_segment_memo(SegmentMemo* memo) { memo_ = memo; }

 private:
  // Dispatched, not yet simulated commands of one controller, oldest first. The capacity is a power of two
  // at least the controller's reservation-station entries (which bound the occupancy).
  struct Queue {
    std::vector<Pending> ring;
    size_t head = 0, size = 0, mask = 0;
    void init(size_t min_capacity) {
      size_t n = 1;
      while (n < min_capacity) n <<= 1;
      ring.assign(n, Pending{});
      mask = n - 1;
    }
    Pending& front() { return ring[head]; }
    Pending& push_slot() { return ring[(head + size++) & mask]; }  // the new newest element, to fill in
    void pop() {
      head = (head + 1) & mask;
      --size;
    }
  };

  void handle(const isa::Command& cmd);
  void dispatch(const isa::Command& cmd);
  uint64_t dispatch_floor() const;  // no dispatch before this cycle (order, barriers, the command's arrival)
  bool step();                 // simulates one command; false if nothing is pending
  template <Ctrl C, class Controller>
  void simulate_front(Controller& ctrl);
  void drain();                // simulates everything pending
  // Latest completion of p's (simulated) producers. `expiry`: the last seq_ for which the value stays the same.
  // A producer's slot in the ring is reused only once a command dispatched at least ring-size later has been
  // simulated, so its completion stays readable while seq_ < seq + ring size; a producer already evicted reads
  // evicted_done_, which may grow at any step (expiry 0: not cacheable).
  uint64_t deps_done(const Pending& p, uint64_t& expiry) const {
    uint64_t t = 0;
    expiry = ~0ull;
    for (size_t c = 0; c < 3; ++c) {
      const uint64_t seq = p.dep[c];
      if (seq == 0) continue;
      const uint64_t slot = seq & done_mask_;
      const Done& d = done_[slot];
      if (d.tag == ((seq << 2) | c)) {
        t = std::max(t, d.end);
        expiry = std::min(expiry, seq + done_mask_);
      } else {
        t = std::max(t, evicted_done_[c]);
        expiry = 0;
      }
    }
    return t;
  }
  // Whether p's producers are all simulated.
  bool ready(const Pending& p) const {
    // Non-short-circuit: three compares are cheaper than the branches they would take.
    return !((p.dep[0] > last_sim_seq_[0]) | (p.dep[1] > last_sim_seq_[1]) | (p.dep[2] > last_sim_seq_[2]));
  }
  void host_op(const isa::Command& cmd);
  // Segment memo (segment_memo.h): whether the engine is at a quiescent point it can describe (nothing pending,
  // the unroller idle), its state there relative to the barrier and seq_, and that state restored.
  friend class SegmentMemo;
  bool memo_ready() const;
  void save_state(StateWriter& w) const;
  void load_state(StateReader& r, uint64_t first_seq);
  uint64_t done_ring() const { return done_mask_ + 1; }
  // Per controller: the earliest start of its oldest command (cand_t_, ~0 if it has none that can be
  // simulated) and the completion of that command's producers, cached once its producers are all simulated.
  // The value then depends only on the controller's own state (its free cycle, its in-flight slot) and on the
  // producers' completions, which stay the same while seq_ <= cand_expiry_. So the cache is valid while
  // seq_ <= cand_expiry_, and invalidated (expiry 0; seq_ >= 1 while anything is pending) when the controller
  // simulates a command or a command enters its empty queue.
  void invalidate_candidate(size_t c) {
    cand_t_[c] = ~0ull;
    cand_expiry_[c] = 0;
  }

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
  struct Done {
    uint64_t end = 0, tag = 0;  // one slot's completion and tag together (one cache line, one base pointer)
  };
  std::vector<Done> done_;
  uint64_t done_mask_ = 0;
  std::array<uint64_t, 3> evicted_done_{};
  std::array<uint64_t, 3> last_sim_seq_{};   // newest simulated seq per controller
  std::array<uint64_t, 3> cand_t_{~0ull, ~0ull, ~0ull}, cand_dep_{}, cand_expiry_{};
  uint64_t seq_ = 0;
  uint64_t last_dispatch_ = 0;
  uint64_t barrier_ = 0;       // nothing dispatches before this (fences, host ops)
  uint64_t total_ = 0;
  CommandObserver* observer_ = nullptr;
  CommandSource* source_ = nullptr;  // during run()
  LoopUnroller* unroller_ = nullptr;  // source_ if it is the loop unroller (arrival() without a virtual call)
  SegmentMemo* memo_ = nullptr;
  bool memo_on_ = false;              // during run(): memo_ is in use
  uint64_t memo_seq0_ = 0, memo_barrier0_ = 0;  // the segment being recorded: its first seq - 1 and barrier
  // While recording: a command depending on a producer from before the segment was simulated when an evicted
  // completion after the barrier existed for that producer's controller. Its start could then have depended on
  // whether that producer was evicted (its age; segment_state.h) at some step while it waited: evicted_done_
  // only grows, so its value when the command is simulated bounds every value its candidate start read.
  bool memo_sensitive_ = false;
  void memo_check(const Pending& p) {
    for (size_t c = 0; c < 3; ++c)
      if (p.dep[c] != 0 && p.dep[c] <= memo_seq0_ && evicted_done_[c] > memo_barrier0_) memo_sensitive_ = true;
  }
  SimpleDram* simple_dram_ = nullptr;  // the engine's own DRAM model, if it is the simple one
};

}  // namespace coda::engine
