// The accelerator as a SystemC 2.3 / TLM-2.0 loosely-timed component. It adapts sim/engine, which stays the one
// model of the hardware: commands that a host writes to the target socket feed the engine's command stream (through
// the loop unroller, as in Gemmini), and the engine's DMA requests become transactions on the initiator socket.
//
//   command_socket (target)     registers of command_format.h: command records, status, cycles, end of program
//   memory_socket (initiator)   one b_transport per DMA request (TLM_IGNORE_COMMAND + DmaTiming: its direction),
//                               timed by the memory's annotated delay; functional data through transport_dbg
//
// Time: one engine cycle is one period of hw.clock_ghz. The engine runs ahead of SystemC time and synchronises
// (tlm_quantumkeeper, the global quantum) only up to Engine::horizon(), the earliest cycle at which it can still
// issue a DMA request, so every request reaches the memory with a non-negative delay and at the engine's cycle.
// A command cannot dispatch before the cycle at which its write arrived. docs/systemc.md explains the whole
// contract. Translation units including this header need -DSC_CPLUSPLUS=201703L (Debian's SystemC is C++17).
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "sim/config/hw_config.h"
#include "sim/engine/engine.h"
#include "sim/engine/loop_unroller.h"

namespace coda::tlm {

// A transaction on the memory socket failed (error response, or a short debug transfer).
class TlmError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Attached to the DMA's timing transactions (TLM_IGNORE_COMMAND): the direction of the request they time.
class DmaTiming final : public ::tlm::tlm_extension<DmaTiming> {
 public:
  bool write = false;
  ::tlm::tlm_extension_base* clone() const override;
  void copy_from(const ::tlm::tlm_extension_base& other) override;
};

struct AcceleratorOptions {
  bool functional = false;   // move real data: the DMA reads and writes memory through transport_dbg
  // Functional I-BERT layers: the kernel parameters of the normalizer and activation units by op id (see
  // sim::LayerNumerics). Not sent over the socket; owned by the platform.
  const std::vector<engine::OpNumerics>* numerics = nullptr;
  uint32_t queue_entries = 16;     // command records buffered; a command write blocks while the queue is full
  uint64_t register_cycles = 0;    // delay annotated on every register access (a command write included)
};

class Accelerator final : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Accelerator> command_socket;
  tlm_utils::simple_initiator_socket<Accelerator> memory_socket;

  Accelerator(const sc_core::sc_module_name& name, const config::HwConfig& hw, AcceleratorOptions options = {});
  ~Accelerator() override;

  const sc_core::sc_time& clock_period() const { return period_; }
  // SystemC time of engine cycle 0: the first clock edge at or after the arrival of the first command.
  const sc_core::sc_time& time_base() const { return base_; }
  const engine::Engine& engine() const { return *engine_; }
  bool busy() const { return running_ || count_ > 0; }
  uint64_t programs() const { return programs_; }       // programs ended so far
  // DMA requests that reached the memory later than their engine cycle (a host that starved the accelerator
  // while commands were pending); 0 whenever the host keeps the command queue fed.
  uint64_t late_requests() const { return late_requests_; }
  // Notified when a program has ended and all its commands are done (SystemC time = their last cycle).
  const sc_core::sc_event& done_event() const { return done_event_; }

 private:
  class Queue;
  class SocketDram;
  class SocketMemory;
  struct Entry {
    isa::Command cmd;
    isa::LoopWsArgs args;
    uint64_t arrival = 0;
  };

  void b_transport(::tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
  unsigned int transport_dbg(::tlm::tlm_generic_payload& tx);
  // Register access; returns the TLM response status.
  ::tlm::tlm_response_status access(::tlm::tlm_generic_payload& tx, sc_core::sc_time* delay);
  void run();                               // SC_THREAD: one engine run per program
  bool pull(isa::Command& cmd);             // the engine's command source
  void sync();                              // lets SystemC time catch up with the engine, up to its horizon
  // Engine cycle <-> SystemC time: cycle 0 is the clock edge at (or after) which the first command arrived.
  sc_core::sc_time span(uint64_t cycles) const { return sc_core::sc_time::from_value(cycles * period_.value()); }
  sc_core::sc_time at(uint64_t cycle) const { return base_ + span(cycle); }
  uint64_t cycle_ceil(const sc_core::sc_time& t) const {
    return t <= base_ ? 0 : ((t - base_).value() + period_.value() - 1) / period_.value();
  }

  config::HwConfig hw_;
  AcceleratorOptions options_;
  sc_core::sc_time period_;
  sc_core::sc_time base_;   // SystemC time of engine cycle 0
  bool started_ = false;    // base_ is set
  std::unique_ptr<SocketDram> dram_;
  std::unique_ptr<SocketMemory> memory_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<Queue> queue_;
  std::unique_ptr<engine::LoopUnroller> unroller_;
  tlm_utils::tlm_quantumkeeper quantum_;
  // Command queue (ring).
  std::vector<Entry> ring_;
  size_t head_ = 0, count_ = 0;
  Entry current_;
  bool end_ = false;        // the host ended the program
  bool running_ = false;
  uint64_t num_ops_ = 0;
  uint64_t cycles_ = 0;     // engine total when the last program ended
  uint64_t programs_ = 0;
  uint64_t late_requests_ = 0;
  sc_core::sc_event command_event_, space_event_, done_event_;
};

}  // namespace coda::tlm
