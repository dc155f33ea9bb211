// The Gemmini ISA as coda models it (reference/gemmini.md): RoCC commands with Gemmini's local addressing.
// A Command is a small POD so that streams of them cost no heap allocation.
#pragma once

#include <cstdint>
#include <string>

namespace coda::isa {

enum class Opcode : uint8_t {
  ConfigEx,            // dataflow, activation, transposes, output scale
  ConfigLd,            // load stride and mvin scale (per load stream)
  ConfigSt,            // store stride, activation, output scale
  ConfigNorm,          // normalizer statistic slot setup
  Mvin,                // load stream 1 (A operands)
  Mvin2,               // load stream 2 (B operands)
  Mvin3,               // load stream 3 (D / bias into the accumulator)
  Mvout,               // store from scratchpad or accumulator
  Preload,             // B into the shadow weights (WS) or D into the PEs (OS); C address of the next compute
  ComputePreloaded,    // flip to the preloaded weights, stream A
  ComputeAccumulated,  // keep the current weights, stream A
  Fence,               // the host waits for every outstanding command
  Flush,               // TLB flush
  LoopWs,              // macro-instruction: one tiled matmul, expanded by the loop unroller
  HostOp,              // pseudo-command: the host core runs an op over DRAM tensors (implies a fence)
};

const char* opcode_name(Opcode op);

// Normalizer commands in bits 28..26 of an accumulator address read by MVOUT (Gemmini's NormCmd). RESET is the
// plain mvout (writes DRAM, clears the statistic slot); the others feed the row through the normalization unit
// into a statistic slot and write nothing: SUM/VARIANCE/MAX accumulate, and on a row's last block MEAN, INV_STDDEV
// and INV_SUM_EXP also finish the statistic (mean; inverse standard deviation by the iterative square root;
// the reciprocal of the sum of exponentials). SUM_EXP accumulates i-exp(x - max).
enum class NormCmd : uint8_t { Reset = 0, Sum = 1, Mean = 2, Variance = 3, InvStddev = 4, Max = 5, SumExp = 6, InvSumExp = 7 };
const char* norm_cmd_name(NormCmd n);

// Gemmini's 32-bit local address: bit 31 accumulator, bit 30 accumulate, bit 29 full-row read,
// bits 28..26 normalizer command, bits 25..0 row. All ones = garbage ("zero matrix" in, "no write" out).
struct LocalAddr {
  static constexpr uint32_t kGarbage = 0xFFFFFFFFu;
  static constexpr uint32_t kAccBit = 1u << 31;
  static constexpr uint32_t kAccumulateBit = 1u << 30;
  static constexpr uint32_t kFullRowBit = 1u << 29;
  static constexpr uint32_t kNormShift = 26;
  static constexpr uint32_t kRowMask = (1u << 26) - 1;

  uint32_t raw = kGarbage;

  static constexpr LocalAddr garbage() { return LocalAddr{kGarbage}; }
  static constexpr LocalAddr sp(uint32_t row) { return LocalAddr{row & kRowMask}; }
  static constexpr LocalAddr acc(uint32_t row, bool accumulate = false, bool full_row = false) {
    return LocalAddr{kAccBit | (accumulate ? kAccumulateBit : 0u) | (full_row ? kFullRowBit : 0u) | (row & kRowMask)};
  }
  constexpr LocalAddr with_norm(NormCmd n) const {
    return LocalAddr{(raw & ~(7u << kNormShift)) | (uint32_t(n) << kNormShift)};
  }
  constexpr bool is_garbage() const { return raw == kGarbage; }
  constexpr bool is_acc() const { return !is_garbage() && (raw & kAccBit); }
  constexpr bool accumulate() const { return !is_garbage() && (raw & kAccumulateBit); }
  constexpr bool full_row() const { return !is_garbage() && (raw & kFullRowBit); }
  constexpr uint32_t norm_cmd() const { return is_garbage() ? 0 : (raw >> kNormShift) & 7u; }
  constexpr uint32_t row() const { return raw & kRowMask; }
};

enum class Activation : uint8_t { None, Relu, LayerNorm, IGelu, Softmax };
const char* activation_name(Activation a);

enum class Dataflow : uint8_t { OS = 0, WS = 1 };

// Parameters of a LOOP_WS macro (Gemmini's loop_ws): a tile of I x J output blocks over K blocks,
// with DRAM addresses/strides (in bytes) and the local regions the unroller may use.
struct LoopWsArgs {
  uint16_t i_blocks = 0, j_blocks = 0, k_blocks = 0;  // tile size in DIM blocks
  uint16_t pad_i = 0, pad_j = 0, pad_k = 0;           // elements missing from the last block (edges)
  uint64_t a_addr = 0, b_addr = 0, d_addr = 0, c_addr = 0;
  uint32_t a_stride = 0, b_stride = 0, d_stride = 0, c_stride = 0;  // bytes per row; d_stride 0 = broadcast
  uint32_t sp_a_row = 0, sp_b_row = 0, acc_row = 0;  // local base rows
  bool a_transpose = false, b_transpose = false;
  bool has_bias = false;         // load D into the accumulator first
  bool accumulate = false;       // add onto what the accumulator already holds (k0 > 0)
  bool store_c = true;           // mvout C at the end (last k0)
  bool c_full = false;           // store int32 (full accumulator rows) instead of scaled int8
  Activation act = Activation::None;
  int32_t scale_mult = 1;        // output requantization on mvout: m / 2^shift
  uint8_t scale_shift = 0;
};

// One command. `op` indexes the op graph (for attribution); 0xFFFFFFFF for none.
// Fields are ordered to avoid padding (56 bytes): the engine copies commands on its hot path.
struct Command {
  Opcode opcode = Opcode::Fence;
  uint8_t stream = 0;       // config_ld: which load stream (0..2); mvout with a norm command: statistic slot
  bool int8_in = false;     // config_ld: the stream's DRAM rows are int8 even when they go to the accumulator
                            // (widened by the mvin scale, scale_mult / 2^scale_shift, e.g. a residual operand)
  Dataflow dataflow = Dataflow::WS;
  Activation act = Activation::None;
  bool a_transpose = false, b_transpose = false;
  uint8_t scale_shift = 0;  // see scale_mult
  uint32_t op = 0xFFFFFFFFu;
  uint32_t loop = 0;        // LoopWs: index into the lowering's loop table
  uint64_t dram_addr = 0;   // mvin/mvout
  LocalAddr addr1;          // mvin/mvout local; preload B; compute A
  LocalAddr addr2;          // preload C; compute D
  uint16_t rows1 = 0, cols1 = 0;
  uint16_t rows2 = 0, cols2 = 0;  // preload/compute: C or D shape; mvout with softmax: valid (unmasked) columns
  uint32_t stride = 0;      // config_ld/st: DRAM stride in bytes
  // config_ld: mvin scale; config_st: output scale as a dyadic number m / 2^shift (round to nearest, saturate to
  // int8), the accumulator's requantization on mvout. m = 1, shift = 0 is the identity.
  int32_t scale_mult = 1;
  uint64_t host_cycles = 0; // HostOp: cycles the host core spends
};
static_assert(sizeof(Command) == 56);

std::string to_string(const Command& c);

}  // namespace coda::isa
