// Bad input on the accelerator's sockets: wrong register accesses and malformed records get TLM error responses
// (the accelerator keeps working), and a DMA request outside the memory ends the simulation with an error that
// names the request, never a crash or a hang.
#include <gtest/gtest.h>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <string>
#include <vector>

#include "sim/config/hw_config.h"
#include "sim/tlm/accelerator.h"
#include "sim/tlm/command_format.h"
#include "sim/tlm/example/memory_target.h"

namespace coda::tlm {
namespace {

class Bench final : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Bench> socket;
  std::vector<::tlm::tlm_response_status> status;

  explicit Bench(const sc_core::sc_module_name& name) : sc_module(name), socket("socket") {
    SC_HAS_PROCESS(Bench);
    SC_THREAD(run);
  }

 private:
  ::tlm::tlm_response_status access(::tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len) {
    ::tlm::tlm_generic_payload tx;
    tx.set_command(cmd);
    tx.set_address(addr);
    tx.set_data_ptr(data);
    tx.set_data_length(len);
    tx.set_streaming_width(len);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(tx, delay);
    return tx.get_response_status();
  }

  void run() {
    std::vector<uint8_t> rec(kCommandBytes);
    uint8_t reg[8] = {};
    status.push_back(access(::tlm::TLM_READ_COMMAND, kRegCommand, rec.data(), kCommandBytes));   // read COMMAND
    status.push_back(access(::tlm::TLM_WRITE_COMMAND, 0x200, reg, 8));                            // no register
    status.push_back(access(::tlm::TLM_READ_COMMAND, kRegStatus, reg, 4));                        // short read
    status.push_back(access(::tlm::TLM_WRITE_COMMAND, kRegCycles, reg, 8));                       // read-only
    rec[0] = 15;                                                                                  // no such opcode
    status.push_back(access(::tlm::TLM_WRITE_COMMAND, kRegCommand, rec.data(), kCommandBytes));
    reg[0] = 2;
    status.push_back(access(::tlm::TLM_WRITE_COMMAND, kRegControl, reg, 8));                     // unknown control
    // A well-formed mvin whose rows lie outside the 4 KiB memory.
    isa::Command c;
    c.opcode = isa::Opcode::Mvin;
    c.dram_addr = 1 << 20;
    c.addr1 = isa::LocalAddr::sp(0);
    c.rows1 = 4;
    c.cols1 = 16;
    encode(c, {}, rec);
    status.push_back(access(::tlm::TLM_WRITE_COMMAND, kRegCommand, rec.data(), kCommandBytes));
    reg[0] = static_cast<uint8_t>(kControlEnd);
    status.push_back(access(::tlm::TLM_WRITE_COMMAND, kRegControl, reg, 8));
  }
};

TEST(RegisterErrors, ErrorResponsesAndAnOutOfRangeDmaError) {
  config::HwConfig hw;
  MemoryConfig mc = memory_like_dram(hw, 4096);
  MemoryTarget memory("memory", mc);
  Accelerator acc("accelerator", hw);
  Bench bench("bench");
  bench.socket.bind(acc.command_socket);
  acc.memory_socket.bind(memory.socket);
  std::string error;
  try {
    sc_core::sc_start();
  } catch (const std::exception& e) {
    error = e.what();
  }
  using S = ::tlm::tlm_response_status;
  const std::vector<S> expect{::tlm::TLM_COMMAND_ERROR_RESPONSE, ::tlm::TLM_ADDRESS_ERROR_RESPONSE,
                              ::tlm::TLM_BURST_ERROR_RESPONSE,   ::tlm::TLM_COMMAND_ERROR_RESPONSE,
                              ::tlm::TLM_GENERIC_ERROR_RESPONSE, ::tlm::TLM_GENERIC_ERROR_RESPONSE,
                              ::tlm::TLM_OK_RESPONSE,            ::tlm::TLM_OK_RESPONSE};
  EXPECT_EQ(bench.status, expect);
  EXPECT_NE(error.find("DMA read at 0x100000"), std::string::npos) << error;
  EXPECT_NE(error.find("TLM_ADDRESS_ERROR_RESPONSE"), std::string::npos) << error;
}

}  // namespace
}  // namespace coda::tlm

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
