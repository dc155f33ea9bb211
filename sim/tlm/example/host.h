// Example platform: a host initiator that runs one program on the accelerator through its register window only.
// It writes the op count, then every command of a CommandSource (e.g. compiler::Lowering: the command stream of a
// GEMM or of I-BERT layers) as records, ends the program, polls the status register until the accelerator is
// idle and reads the cycle count. Loosely timed: its writes carry a local time offset (tlm_quantumkeeper).
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "sim/engine/command_source.h"

namespace coda::tlm {

struct HostOptions {
  uint64_t command_cycles = 0;   // host cycles spent producing each command (beyond the register write)
  uint64_t poll_cycles = 64;     // interval of status polls at the end of the program
};

class Host final : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Host> socket;

  Host(const sc_core::sc_module_name& name, engine::CommandSource& program, uint64_t num_ops,
       const sc_core::sc_time& clock_period, HostOptions options = {});

  bool finished() const { return finished_; }
  uint64_t cycles() const { return cycles_; }          // the accelerator's CYCLES register after the program
  uint64_t commands() const { return commands_; }      // records written
  const sc_core::sc_time& finish_time() const { return finish_time_; }

 private:
  void run();
  void write(uint64_t addr, const uint8_t* data, unsigned int len);
  uint64_t read(uint64_t addr);
  void write_u64(uint64_t addr, uint64_t v);

  engine::CommandSource& program_;
  uint64_t num_ops_;
  sc_core::sc_time period_;
  HostOptions options_;
  tlm_utils::tlm_quantumkeeper quantum_;
  ::tlm::tlm_generic_payload tx_;
  std::vector<uint8_t> record_;
  bool finished_ = false;
  uint64_t cycles_ = 0, commands_ = 0;
  sc_core::sc_time finish_time_;
};

}  // namespace coda::tlm
