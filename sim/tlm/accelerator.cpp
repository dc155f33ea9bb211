#include "sim/tlm/accelerator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "sim/tlm/command_format.h"

namespace coda::tlm {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

::tlm::tlm_extension_base* DmaTiming::clone() const {
  // TLM's extension protocol hands ownership of clones to the payload (it calls free() on them).
  auto copy = std::make_unique<DmaTiming>(*this);
  return copy.release();
}

void DmaTiming::copy_from(const ::tlm::tlm_extension_base& other) { write = static_cast<const DmaTiming&>(other).write; }

// The engine's DRAM timing model: every DMA request is a timing transaction on the memory socket. The request's
// engine cycle becomes the annotated delay; the memory adds its latency and occupancy; the completion comes back
// as a cycle.
class Accelerator::SocketDram final : public engine::Dram {
 public:
  explicit SocketDram(Accelerator& acc) : acc_(acc), scratch_(size_t(std::max<int64_t>(acc.hw_.dma.max_request_bytes, 1))) {
    tx_.set_extension(&ext_);
  }
  ~SocketDram() override { tx_.clear_extension(&ext_); }

  uint64_t access(uint64_t t, uint64_t addr, uint32_t bytes, bool write) override {
    if (bytes > scratch_.size()) scratch_.resize(bytes);
    tx_.set_command(::tlm::TLM_IGNORE_COMMAND);
    tx_.set_address(addr);
    tx_.set_data_ptr(scratch_.data());
    tx_.set_data_length(bytes);
    tx_.set_streaming_width(bytes);
    tx_.set_byte_enable_ptr(nullptr);
    tx_.set_dmi_allowed(false);
    tx_.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
    ext_.write = write;
    const sc_time now = sc_core::sc_time_stamp();
    const sc_time when = acc_.at(t);
    sc_time delay = SC_ZERO_TIME;
    if (when >= now) {
      delay = when - now;
    } else {
      ++acc_.late_requests_;
    }
    acc_.memory_socket->b_transport(tx_, delay);
    if (tx_.is_response_error())
      throw TlmError(fmt::format("coda accelerator: DMA {} at {:#x}: {}", write ? "write" : "read", addr,
                                 tx_.get_response_string()));
    return acc_.cycle_ceil(sc_core::sc_time_stamp() + delay);
  }
  // The memory's occupancy is its own business; Counters::dram_busy_cycles stays 0 on a platform.
  uint64_t busy_cycles() const override { return 0; }

 private:
  Accelerator& acc_;
  ::tlm::tlm_generic_payload tx_;
  DmaTiming ext_;
  std::vector<uint8_t> scratch_;
};

// Functional DRAM contents: the memory behind the socket, through the debug interface (no timing side effects;
// the timing transactions above already account for the transfer).
class Accelerator::SocketMemory final : public engine::MemoryBackend {
 public:
  explicit SocketMemory(Accelerator& acc) : acc_(acc) {}
  void read(uint64_t addr, uint8_t* dst, size_t bytes) override { transfer(::tlm::TLM_READ_COMMAND, addr, dst, bytes); }
  void write(uint64_t addr, const uint8_t* src, size_t bytes) override {
    // The payload's data pointer is not const; a write does not modify it.
    transfer(::tlm::TLM_WRITE_COMMAND, addr, const_cast<uint8_t*>(src), bytes);
  }

 private:
  void transfer(::tlm::tlm_command cmd, uint64_t addr, uint8_t* data, size_t bytes) {
    tx_.set_command(cmd);
    tx_.set_address(addr);
    tx_.set_data_ptr(data);
    tx_.set_data_length(static_cast<unsigned int>(bytes));
    tx_.set_streaming_width(static_cast<unsigned int>(bytes));
    tx_.set_byte_enable_ptr(nullptr);
    tx_.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
    const unsigned int n = acc_.memory_socket->transport_dbg(tx_);
    if (n != bytes)
      throw TlmError(fmt::format("coda accelerator: functional {} of {} bytes at {:#x} moved {} (the memory must "
                                 "implement transport_dbg)",
                                 cmd == ::tlm::TLM_READ_COMMAND ? "read" : "write", bytes, addr, n));
  }

  Accelerator& acc_;
  ::tlm::tlm_generic_payload tx_;
};

// The engine's command source: records from the target socket, in order.
class Accelerator::Queue final : public engine::CommandSource {
 public:
  explicit Queue(Accelerator& acc) : acc_(acc) {}
  bool next(isa::Command& cmd) override { return acc_.pull(cmd); }
  const isa::LoopWsArgs& loop_args(uint32_t) const override { return acc_.current_.args; }
  uint64_t arrival() const override { return acc_.current_.arrival; }
  // A command the host writes without letting time pass (a refill of the queue in the same time step) counts as
  // available: one delta cycle lets a host blocked on the full queue run.
  bool ready() override {
    if (acc_.count_ == 0 && !acc_.end_) sc_core::wait(SC_ZERO_TIME);
    return acc_.count_ > 0 || acc_.end_;
  }

 private:
  Accelerator& acc_;
};

Accelerator::Accelerator(const sc_core::sc_module_name& name, const config::HwConfig& hw, AcceleratorOptions options)
    : sc_module(name),
      command_socket("command_socket"),
      memory_socket("memory_socket"),
      hw_(hw),
      options_(options),
      period_(1.0 / hw.clock_ghz, sc_core::SC_NS) {
  // The period is 1 / clock_ghz rounded to the SystemC time resolution; cycle counts do not depend on it.
  if (period_ == SC_ZERO_TIME)
    throw std::invalid_argument("coda accelerator: clock_ghz " + std::to_string(hw.clock_ghz) +
                                " is too fast for the SystemC time resolution");
  if (options_.queue_entries == 0) throw std::invalid_argument("coda accelerator: queue_entries must be >= 1");
  dram_ = std::make_unique<SocketDram>(*this);
  memory_ = std::make_unique<SocketMemory>(*this);
  engine::EngineOptions eo;
  eo.functional = options_.functional;
  eo.numerics = options_.numerics;
  eo.dram = dram_.get();
  eo.memory = options_.functional ? memory_.get() : nullptr;
  engine_ = std::make_unique<engine::Engine>(hw_, eo);
  queue_ = std::make_unique<Queue>(*this);
  unroller_ = std::make_unique<engine::LoopUnroller>(hw_, *queue_);
  ring_.resize(options_.queue_entries);
  command_socket.register_b_transport(this, &Accelerator::b_transport);
  command_socket.register_transport_dbg(this, &Accelerator::transport_dbg);
  SC_HAS_PROCESS(Accelerator);
  SC_THREAD(run);
}

Accelerator::~Accelerator() = default;

::tlm::tlm_response_status Accelerator::access(::tlm::tlm_generic_payload& tx, sc_time* delay) {
  const uint64_t addr = tx.get_address();
  const unsigned int len = tx.get_data_length();
  uint8_t* data = tx.get_data_ptr();
  const bool read = tx.get_command() == ::tlm::TLM_READ_COMMAND;
  const bool write = tx.get_command() == ::tlm::TLM_WRITE_COMMAND;
  if (tx.get_byte_enable_ptr()) return ::tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
  if (tx.get_streaming_width() < len) return ::tlm::TLM_BURST_ERROR_RESPONSE;
  auto u64 = [&](uint64_t v) {
    for (unsigned i = 0; i < 8; ++i) data[i] = static_cast<uint8_t>(v >> (8 * i));
  };
  auto value = [&] {
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; ++i) v |= uint64_t(data[i]) << (8 * i);
    return v;
  };
  if (addr == kRegCommand) {
    if (!write) return ::tlm::TLM_COMMAND_ERROR_RESPONSE;
    if (!delay) return ::tlm::TLM_COMMAND_ERROR_RESPONSE;  // commands need time: no debug writes
    if (end_) return ::tlm::TLM_GENERIC_ERROR_RESPONSE;     // the next program starts once this one is done
    Entry e;
    if (!decode({data, len}, e.cmd, e.args)) return ::tlm::TLM_GENERIC_ERROR_RESPONSE;
    if (count_ == ring_.size()) {
      // Loosely timed: catch up with the initiator's local time before blocking on the full queue.
      wait(*delay);
      *delay = SC_ZERO_TIME;
      while (count_ == ring_.size()) wait(space_event_);
    }
    const sc_time arrival = sc_core::sc_time_stamp() + *delay;
    if (!started_) {
      const uint64_t p = period_.value();
      base_ = sc_time::from_value((arrival.value() + p - 1) / p * p);
      started_ = true;
    }
    e.arrival = cycle_ceil(arrival);
    ring_[(head_ + count_) % ring_.size()] = e;
    ++count_;
    command_event_.notify();
    return ::tlm::TLM_OK_RESPONSE;
  }
  if (len != 8) return ::tlm::TLM_BURST_ERROR_RESPONSE;
  switch (addr) {
    case kRegStatus:
      if (!read) return ::tlm::TLM_COMMAND_ERROR_RESPONSE;
      u64(busy() ? 1 : 0);
      return ::tlm::TLM_OK_RESPONSE;
    case kRegCycles:
      if (!read) return ::tlm::TLM_COMMAND_ERROR_RESPONSE;
      u64(cycles_);
      return ::tlm::TLM_OK_RESPONSE;
    case kRegControl:
      if (!write || !delay) return ::tlm::TLM_COMMAND_ERROR_RESPONSE;
      if (value() != kControlEnd) return ::tlm::TLM_GENERIC_ERROR_RESPONSE;
      end_ = true;
      command_event_.notify();
      return ::tlm::TLM_OK_RESPONSE;
    case kRegNumOps:
      if (!write || !delay) return ::tlm::TLM_COMMAND_ERROR_RESPONSE;
      num_ops_ = value();
      return ::tlm::TLM_OK_RESPONSE;
    default: return ::tlm::TLM_ADDRESS_ERROR_RESPONSE;
  }
}

void Accelerator::b_transport(::tlm::tlm_generic_payload& tx, sc_time& delay) {
  tx.set_response_status(access(tx, &delay));
  delay += span(options_.register_cycles);
}

unsigned int Accelerator::transport_dbg(::tlm::tlm_generic_payload& tx) {
  // Debug reads of the status registers only.
  if (tx.get_command() != ::tlm::TLM_READ_COMMAND) return 0;
  return access(tx, nullptr) == ::tlm::TLM_OK_RESPONSE ? tx.get_data_length() : 0;
}

void Accelerator::sync() {
  const sc_time now = sc_core::sc_time_stamp();
  const sc_time horizon = at(engine_->horizon());
  if (horizon <= now) return;
  quantum_.set(horizon - now);
  if (quantum_.need_sync()) quantum_.sync();
}

bool Accelerator::pull(isa::Command& cmd) {
  for (;;) {
    if (count_ > 0) {
      current_ = ring_[head_];
      head_ = (head_ + 1) % ring_.size();
      --count_;
      space_event_.notify();
      cmd = current_.cmd;
      sync();
      return true;
    }
    if (end_) return false;
    // Wait for the host, but never let SystemC time pass the cycle of a pending command's next DMA request:
    // when it gets there first, the engine simulates the pending command that starts first.
    if (engine_->pending()) {
      const sc_time now = sc_core::sc_time_stamp();
      const sc_time horizon = at(engine_->horizon());
      if (horizon > now) {
        wait(horizon - now, command_event_);
      } else {
        engine_->advance();
      }
    } else {
      wait(command_event_);
    }
  }
}

void Accelerator::run() {
  quantum_.reset();
  for (;;) {
    while (count_ == 0 && !end_) wait(command_event_);
    running_ = true;
    engine_->run(*unroller_, num_ops_);
    end_ = false;
    cycles_ = engine_->total_cycles();
    // The program's last command ends at cycle `cycles_`.
    const sc_time done = at(cycles_);
    if (done > sc_core::sc_time_stamp()) wait(done - sc_core::sc_time_stamp());
    quantum_.reset();
    running_ = false;
    ++programs_;
    done_event_.notify();
  }
}

}  // namespace coda::tlm
