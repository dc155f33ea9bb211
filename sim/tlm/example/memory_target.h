// Example platform: a memory target with configurable latency and bandwidth. Its timing is the engine's
// SimpleDram arithmetic (requests served in arrival order at bytes_per_cycle, each completing latency_cycles after
// its transfer), so configured like the engine's dram: section it answers every request at the cycle the
// standalone engine computes. Reads and writes (b_transport and transport_dbg) move bytes; TLM_IGNORE_COMMAND
// transactions (the accelerator's DMA timing, direction in DmaTiming) are timed only.
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "sim/config/hw_config.h"
#include "sim/engine/dram.h"

namespace coda::tlm {

struct MemoryConfig {
  uint64_t bytes = 0;                 // address range [0, bytes)
  bool store_data = true;             // false: timing only (data transactions get TLM_COMMAND_ERROR_RESPONSE)
  int64_t latency_cycles = 100;
  double bytes_per_cycle = 16.0;
  sc_core::sc_time clock_period{1, sc_core::SC_NS};
};

// A MemoryConfig with the latency and bandwidth of `hw.dram` and the accelerator's clock.
MemoryConfig memory_like_dram(const config::HwConfig& hw, uint64_t bytes);

class MemoryTarget final : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<MemoryTarget> socket;

  MemoryTarget(const sc_core::sc_module_name& name, const MemoryConfig& config);

  std::vector<uint8_t>& data() { return data_; }  // backdoor for loaders and checkers
  uint64_t requests() const { return requests_; }
  uint64_t bytes_transferred() const { return bytes_; }

 private:
  void b_transport(::tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
  unsigned int transport_dbg(::tlm::tlm_generic_payload& tx);
  bool copy(::tlm::tlm_generic_payload& tx);  // moves the payload's bytes; false (status set) on an error

  MemoryConfig config_;
  engine::SimpleDram timing_;
  std::vector<uint8_t> data_;
  uint64_t requests_ = 0, bytes_ = 0;
};

}  // namespace coda::tlm
