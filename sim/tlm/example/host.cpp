#include "sim/tlm/example/host.h"

#include <fmt/format.h>

#include "sim/tlm/accelerator.h"
#include "sim/tlm/command_format.h"

namespace coda::tlm {

Host::Host(const sc_core::sc_module_name& name, engine::CommandSource& program, uint64_t num_ops,
           const sc_core::sc_time& clock_period, HostOptions options)
    : sc_module(name), socket("socket"), program_(program), num_ops_(num_ops), period_(clock_period), options_(options),
      record_(kLoopCommandBytes) {
  SC_HAS_PROCESS(Host);
  SC_THREAD(run);
}

void Host::write(uint64_t addr, const uint8_t* data, unsigned int len) {
  tx_.set_command(::tlm::TLM_WRITE_COMMAND);
  tx_.set_address(addr);
  tx_.set_data_ptr(const_cast<uint8_t*>(data));  // a write does not modify the data
  tx_.set_data_length(len);
  tx_.set_streaming_width(len);
  tx_.set_byte_enable_ptr(nullptr);
  tx_.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = quantum_.get_local_time();
  socket->b_transport(tx_, delay);
  if (tx_.is_response_error()) throw TlmError(fmt::format("host: write to {:#x}: {}", addr, tx_.get_response_string()));
  quantum_.set(delay);
  if (quantum_.need_sync()) quantum_.sync();
}

void Host::write_u64(uint64_t addr, uint64_t v) {
  uint8_t b[8];
  for (unsigned i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
  write(addr, b, 8);
}

uint64_t Host::read(uint64_t addr) {
  uint8_t b[8] = {};
  tx_.set_command(::tlm::TLM_READ_COMMAND);
  tx_.set_address(addr);
  tx_.set_data_ptr(b);
  tx_.set_data_length(8);
  tx_.set_streaming_width(8);
  tx_.set_byte_enable_ptr(nullptr);
  tx_.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = quantum_.get_local_time();
  socket->b_transport(tx_, delay);
  if (tx_.is_response_error()) throw TlmError(fmt::format("host: read of {:#x}: {}", addr, tx_.get_response_string()));
  quantum_.set(delay);
  if (quantum_.need_sync()) quantum_.sync();
  uint64_t v = 0;
  for (unsigned i = 0; i < 8; ++i) v |= uint64_t(b[i]) << (8 * i);
  return v;
}

void Host::run() {
  quantum_.reset();
  write_u64(kRegNumOps, num_ops_);
  isa::Command cmd;
  const isa::LoopWsArgs none;
  while (program_.next(cmd)) {
    const bool loop = cmd.opcode == isa::Opcode::LoopWs;
    encode(cmd, loop ? program_.loop_args(cmd.loop) : none, record_);
    quantum_.inc(sc_core::sc_time::from_value(options_.command_cycles * period_.value()));
    write(kRegCommand, record_.data(), static_cast<unsigned int>(record_bytes(cmd)));
    ++commands_;
  }
  write_u64(kRegControl, kControlEnd);
  quantum_.sync();
  const sc_core::sc_time poll = sc_core::sc_time::from_value(std::max<uint64_t>(options_.poll_cycles, 1) * period_.value());
  while (read(kRegStatus) & 1) {
    quantum_.sync();
    wait(poll);
    quantum_.reset();
  }
  cycles_ = read(kRegCycles);
  quantum_.sync();
  finish_time_ = sc_core::sc_time_stamp();
  finished_ = true;
}

}  // namespace coda::tlm
