#include "sim/tlm/example/memory_target.h"

#include <cstring>

#include "sim/tlm/accelerator.h"

namespace coda::tlm {

namespace {
config::DramConfig dram_config(const MemoryConfig& c) {
  config::DramConfig d;
  d.latency_cycles = c.latency_cycles;
  d.bytes_per_cycle = c.bytes_per_cycle;
  return d;
}
}  // namespace

MemoryConfig memory_like_dram(const config::HwConfig& hw, uint64_t bytes) {
  MemoryConfig m;
  m.bytes = bytes;
  m.latency_cycles = hw.dram.latency_cycles;
  m.bytes_per_cycle = hw.dram.bytes_per_cycle;
  m.clock_period = sc_core::sc_time(1.0 / hw.clock_ghz, sc_core::SC_NS);
  return m;
}

MemoryTarget::MemoryTarget(const sc_core::sc_module_name& name, const MemoryConfig& config)
    : sc_module(name), socket("socket"), config_(config), timing_(dram_config(config)) {
  if (config_.store_data) data_.assign(config_.bytes, 0);
  socket.register_b_transport(this, &MemoryTarget::b_transport);
  socket.register_transport_dbg(this, &MemoryTarget::transport_dbg);
}

bool MemoryTarget::copy(::tlm::tlm_generic_payload& tx) {
  const uint64_t addr = tx.get_address();
  const uint64_t len = tx.get_data_length();
  if (tx.get_byte_enable_ptr()) {
    tx.set_response_status(::tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return false;
  }
  if (tx.get_streaming_width() < len) {
    tx.set_response_status(::tlm::TLM_BURST_ERROR_RESPONSE);
    return false;
  }
  if (addr > config_.bytes || len > config_.bytes - addr) {
    tx.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  if (tx.get_command() != ::tlm::TLM_IGNORE_COMMAND) {
    if (!config_.store_data) {
      tx.set_response_status(::tlm::TLM_COMMAND_ERROR_RESPONSE);
      return false;
    }
    if (tx.get_command() == ::tlm::TLM_READ_COMMAND) {
      std::memcpy(tx.get_data_ptr(), data_.data() + addr, len);
    } else {
      std::memcpy(data_.data() + addr, tx.get_data_ptr(), len);
    }
  }
  tx.set_response_status(::tlm::TLM_OK_RESPONSE);
  return true;
}

void MemoryTarget::b_transport(::tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
  if (!copy(tx)) return;
  const uint64_t period = config_.clock_period.value();
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  // The request's cycle: the initiator's local time, in whole cycles.
  const uint64_t t = (now + delay).value() / period;
  const DmaTiming* dma = tx.get_extension<DmaTiming>();
  const bool write = dma ? dma->write : tx.get_command() == ::tlm::TLM_WRITE_COMMAND;
  const uint64_t done = timing_.access(t, tx.get_address(), tx.get_data_length(), write);
  delay = sc_core::sc_time::from_value(done * period) - now;
  ++requests_;
  bytes_ += tx.get_data_length();
}

unsigned int MemoryTarget::transport_dbg(::tlm::tlm_generic_payload& tx) {
  if (tx.get_command() == ::tlm::TLM_IGNORE_COMMAND) return 0;
  return copy(tx) ? tx.get_data_length() : 0;
}

}  // namespace coda::tlm
