// The command record format of the accelerator's target socket (docs/systemc.md): every field survives
// encode/decode, LOOP_WS records carry their loop arguments, and malformed records are rejected.
#include <gtest/gtest.h>

#include <systemc>
#include <vector>

#include "sim/tlm/command_format.h"

namespace coda::tlm {
namespace {

isa::Command sample(isa::Opcode op) {
  isa::Command c;
  c.opcode = op;
  c.op = 0x01020304;
  c.dram_addr = 0x1122334455667788ull;
  c.addr1 = isa::LocalAddr::acc(77, true, true).with_norm(isa::NormCmd::InvStddev);
  c.addr2 = isa::LocalAddr::sp(12345);
  c.rows1 = 16;
  c.cols1 = 768;
  c.rows2 = 15;
  c.cols2 = 3;
  c.stride = 0xABCDEF;
  c.stream = 2;
  c.int8_in = true;
  c.dataflow = isa::Dataflow::OS;
  c.act = isa::Activation::Softmax;
  c.a_transpose = true;
  c.b_transpose = false;
  c.scale_mult = -123456;
  c.scale_shift = 31;
  c.host_cycles = 0xFEDCBA9876543210ull;
  c.loop = 9;
  return c;
}

void expect_same(const isa::Command& a, const isa::Command& b) {
  EXPECT_EQ(a.opcode, b.opcode);
  EXPECT_EQ(a.op, b.op);
  EXPECT_EQ(a.dram_addr, b.dram_addr);
  EXPECT_EQ(a.addr1.raw, b.addr1.raw);
  EXPECT_EQ(a.addr2.raw, b.addr2.raw);
  EXPECT_EQ(a.rows1, b.rows1);
  EXPECT_EQ(a.cols1, b.cols1);
  EXPECT_EQ(a.rows2, b.rows2);
  EXPECT_EQ(a.cols2, b.cols2);
  EXPECT_EQ(a.stride, b.stride);
  EXPECT_EQ(a.stream, b.stream);
  EXPECT_EQ(a.int8_in, b.int8_in);
  EXPECT_EQ(a.dataflow, b.dataflow);
  EXPECT_EQ(a.act, b.act);
  EXPECT_EQ(a.a_transpose, b.a_transpose);
  EXPECT_EQ(a.b_transpose, b.b_transpose);
  EXPECT_EQ(a.scale_mult, b.scale_mult);
  EXPECT_EQ(a.scale_shift, b.scale_shift);
  EXPECT_EQ(a.host_cycles, b.host_cycles);
  EXPECT_EQ(a.loop, b.loop);
}

TEST(CommandFormat, EveryOpcodeRoundTrips) {
  for (int op = 0; op <= static_cast<int>(isa::Opcode::HostOp); ++op) {
    const isa::Command c = sample(static_cast<isa::Opcode>(op));
    const isa::LoopWsArgs args;
    std::vector<uint8_t> rec(record_bytes(c));
    EXPECT_EQ(rec.size(), c.opcode == isa::Opcode::LoopWs ? kLoopCommandBytes : kCommandBytes);
    encode(c, args, rec);
    isa::Command d;
    isa::LoopWsArgs da;
    ASSERT_TRUE(decode(rec, d, da)) << isa::opcode_name(c.opcode);
    expect_same(c, d);
  }
}

TEST(CommandFormat, LoopRecordCarriesItsArguments) {
  isa::Command c = sample(isa::Opcode::LoopWs);
  isa::LoopWsArgs a;
  a.i_blocks = 4;
  a.j_blocks = 5;
  a.k_blocks = 6;
  a.pad_i = 1;
  a.pad_j = 2;
  a.pad_k = 3;
  a.a_addr = 0x1000;
  a.b_addr = 0x200000000ull;
  a.d_addr = 0x3000;
  a.c_addr = 0x4000;
  a.a_stride = 768;
  a.b_stride = 3072;
  a.d_stride = 0;
  a.c_stride = 12;
  a.sp_a_row = 8192;
  a.sp_b_row = 100;
  a.acc_row = 512;
  a.a_transpose = false;
  a.b_transpose = true;
  a.has_bias = true;
  a.accumulate = true;
  a.store_c = false;
  a.c_full = true;
  a.act = isa::Activation::IGelu;
  a.scale_mult = -7;
  a.scale_shift = 20;
  std::vector<uint8_t> rec(kLoopCommandBytes);
  encode(c, a, rec);
  isa::Command d;
  isa::LoopWsArgs b;
  ASSERT_TRUE(decode(rec, d, b));
  expect_same(c, d);
  EXPECT_EQ(b.i_blocks, 4);
  EXPECT_EQ(b.j_blocks, 5);
  EXPECT_EQ(b.k_blocks, 6);
  EXPECT_EQ(b.pad_i, 1);
  EXPECT_EQ(b.pad_j, 2);
  EXPECT_EQ(b.pad_k, 3);
  EXPECT_EQ(b.a_addr, 0x1000u);
  EXPECT_EQ(b.b_addr, 0x200000000ull);
  EXPECT_EQ(b.d_addr, 0x3000u);
  EXPECT_EQ(b.c_addr, 0x4000u);
  EXPECT_EQ(b.a_stride, 768u);
  EXPECT_EQ(b.b_stride, 3072u);
  EXPECT_EQ(b.d_stride, 0u);
  EXPECT_EQ(b.c_stride, 12u);
  EXPECT_EQ(b.sp_a_row, 8192u);
  EXPECT_EQ(b.sp_b_row, 100u);
  EXPECT_EQ(b.acc_row, 512u);
  EXPECT_FALSE(b.a_transpose);
  EXPECT_TRUE(b.b_transpose);
  EXPECT_TRUE(b.has_bias);
  EXPECT_TRUE(b.accumulate);
  EXPECT_FALSE(b.store_c);
  EXPECT_TRUE(b.c_full);
  EXPECT_EQ(b.act, isa::Activation::IGelu);
  EXPECT_EQ(b.scale_mult, -7);
  EXPECT_EQ(b.scale_shift, 20);
}

TEST(CommandFormat, LayoutIsLittleEndianAtDocumentedOffsets) {
  isa::Command c;
  c.opcode = isa::Opcode::Mvin2;  // 5
  c.dram_addr = 0x0807060504030201ull;
  c.rows1 = 0x1234;
  std::vector<uint8_t> rec(kCommandBytes);
  encode(c, {}, rec);
  EXPECT_EQ(rec[0], 5);
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(rec[8 + i], i + 1);
  EXPECT_EQ(rec[24], 0x34);
  EXPECT_EQ(rec[25], 0x12);
}

TEST(CommandFormat, MalformedRecordsAreRejected) {
  const isa::Command c = sample(isa::Opcode::Mvin);
  std::vector<uint8_t> rec(kCommandBytes);
  encode(c, {}, rec);
  isa::Command d;
  isa::LoopWsArgs a;
  // Wrong length for the opcode.
  std::vector<uint8_t> longer(rec);
  longer.resize(kLoopCommandBytes, 0);
  EXPECT_FALSE(decode(longer, d, a));
  EXPECT_FALSE(decode(std::span(rec).first(63), d, a));
  // LOOP_WS needs its arguments.
  std::vector<uint8_t> loop(rec);
  loop[0] = static_cast<uint8_t>(isa::Opcode::LoopWs);
  EXPECT_FALSE(decode(loop, d, a));
  // Unknown opcode, activation, flag bits, reserved bytes.
  for (auto [off, val] : {std::pair<size_t, uint8_t>{0, 15}, {3, 5}, {2, 16}, {41, 1}, {60, 1}}) {
    std::vector<uint8_t> bad(rec);
    bad[off] = val;
    EXPECT_FALSE(decode(bad, d, a)) << "offset " << off;
  }
  EXPECT_TRUE(decode(rec, d, a));
  // The encoder refuses a buffer that is too small.
  std::vector<uint8_t> small(kCommandBytes);
  EXPECT_THROW(encode(sample(isa::Opcode::LoopWs), {}, small), std::invalid_argument);
}

}  // namespace
}  // namespace coda::tlm

int sc_main(int argc, char* argv[]) {
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
