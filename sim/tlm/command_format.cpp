#include "sim/tlm/command_format.h"

#include <algorithm>
#include <stdexcept>

namespace coda::tlm {

namespace {

// Little-endian field access at a byte offset.
template <typename T>
void put(std::span<uint8_t> b, size_t off, T v) {
  auto u = static_cast<uint64_t>(v);
  for (size_t i = 0; i < sizeof(T); ++i) b[off + i] = static_cast<uint8_t>(u >> (8 * i));
}

template <typename T>
T get(std::span<const uint8_t> b, size_t off) {
  uint64_t u = 0;
  for (size_t i = 0; i < sizeof(T); ++i) u |= uint64_t(b[off + i]) << (8 * i);
  return static_cast<T>(u);
}

bool zero(std::span<const uint8_t> b, size_t from, size_t to) {
  return std::all_of(b.begin() + std::ptrdiff_t(from), b.begin() + std::ptrdiff_t(to), [](uint8_t x) { return x == 0; });
}

// Command record: field offsets.
enum : size_t {
  kOpcode = 0, kStream = 1, kFlags = 2, kAct = 3, kOp = 4, kDramAddr = 8, kAddr1 = 16, kAddr2 = 20,
  kRows1 = 24, kCols1 = 26, kRows2 = 28, kCols2 = 30, kStride = 32, kScaleMult = 36, kScaleShift = 40,
  kLoop = 44, kHostCycles = 48, kCommandEnd = 56,
};
enum : uint8_t { kInt8In = 1, kATranspose = 2, kBTranspose = 4, kDataflowWs = 8, kCommandFlags = 15 };

// Loop arguments: offsets within their 96 bytes.
enum : size_t {
  kIBlocks = 0, kJBlocks = 2, kKBlocks = 4, kPadI = 6, kPadJ = 8, kPadK = 10, kAStride = 12, kBStride = 16,
  kDStride = 20, kCStride = 24, kSpARow = 28, kSpBRow = 32, kAccRow = 36, kAAddr = 40, kBAddr = 48, kDAddr = 56,
  kCAddr = 64, kLoopScaleMult = 72, kLoopScaleShift = 76, kLoopAct = 77, kLoopFlags = 78, kLoopEnd = 79,
};
enum : uint8_t {
  kLoopATranspose = 1, kLoopBTranspose = 2, kHasBias = 4, kAccumulate = 8, kStoreC = 16, kCFull = 32, kLoopFlagsAll = 63,
};

constexpr auto kMaxOpcode = static_cast<uint8_t>(isa::Opcode::HostOp);
constexpr auto kMaxAct = static_cast<uint8_t>(isa::Activation::Softmax);

}  // namespace

size_t record_bytes(const isa::Command& cmd) {
  return cmd.opcode == isa::Opcode::LoopWs ? kLoopCommandBytes : kCommandBytes;
}

void encode(const isa::Command& c, const isa::LoopWsArgs& a, std::span<uint8_t> out) {
  if (out.size() < record_bytes(c)) throw std::invalid_argument("tlm::encode: record buffer too small");
  std::fill(out.begin(), out.begin() + std::ptrdiff_t(record_bytes(c)), uint8_t{0});
  put(out, kOpcode, static_cast<uint8_t>(c.opcode));
  put(out, kStream, c.stream);
  put<uint8_t>(out, kFlags, (c.int8_in ? kInt8In : 0) | (c.a_transpose ? kATranspose : 0) | (c.b_transpose ? kBTranspose : 0) |
                                (c.dataflow == isa::Dataflow::WS ? kDataflowWs : 0));
  put(out, kAct, static_cast<uint8_t>(c.act));
  put(out, kOp, c.op);
  put(out, kDramAddr, c.dram_addr);
  put(out, kAddr1, c.addr1.raw);
  put(out, kAddr2, c.addr2.raw);
  put(out, kRows1, c.rows1);
  put(out, kCols1, c.cols1);
  put(out, kRows2, c.rows2);
  put(out, kCols2, c.cols2);
  put(out, kStride, c.stride);
  put(out, kScaleMult, static_cast<uint32_t>(c.scale_mult));
  put(out, kScaleShift, c.scale_shift);
  put(out, kLoop, c.loop);
  put(out, kHostCycles, c.host_cycles);
  if (c.opcode != isa::Opcode::LoopWs) return;
  auto l = out.subspan(kCommandBytes, kLoopArgsBytes);
  put(l, kIBlocks, a.i_blocks);
  put(l, kJBlocks, a.j_blocks);
  put(l, kKBlocks, a.k_blocks);
  put(l, kPadI, a.pad_i);
  put(l, kPadJ, a.pad_j);
  put(l, kPadK, a.pad_k);
  put(l, kAStride, a.a_stride);
  put(l, kBStride, a.b_stride);
  put(l, kDStride, a.d_stride);
  put(l, kCStride, a.c_stride);
  put(l, kSpARow, a.sp_a_row);
  put(l, kSpBRow, a.sp_b_row);
  put(l, kAccRow, a.acc_row);
  put(l, kAAddr, a.a_addr);
  put(l, kBAddr, a.b_addr);
  put(l, kDAddr, a.d_addr);
  put(l, kCAddr, a.c_addr);
  put(l, kLoopScaleMult, static_cast<uint32_t>(a.scale_mult));
  put(l, kLoopScaleShift, a.scale_shift);
  put(l, kLoopAct, static_cast<uint8_t>(a.act));
  put<uint8_t>(l, kLoopFlags, (a.a_transpose ? kLoopATranspose : 0) | (a.b_transpose ? kLoopBTranspose : 0) |
                                  (a.has_bias ? kHasBias : 0) | (a.accumulate ? kAccumulate : 0) |
                                  (a.store_c ? kStoreC : 0) | (a.c_full ? kCFull : 0));
}

bool decode(std::span<const uint8_t> in, isa::Command& c, isa::LoopWsArgs& a) {
  if (in.size() != kCommandBytes && in.size() != kLoopCommandBytes) return false;
  const auto opcode = get<uint8_t>(in, kOpcode);
  const auto flags = get<uint8_t>(in, kFlags);
  const auto act = get<uint8_t>(in, kAct);
  if (opcode > kMaxOpcode || act > kMaxAct || (flags & ~kCommandFlags)) return false;
  if (!zero(in, kScaleShift + 1, kLoop) || !zero(in, kCommandEnd, kCommandBytes)) return false;
  c = isa::Command{};
  c.opcode = static_cast<isa::Opcode>(opcode);
  if (in.size() != record_bytes(c)) return false;
  c.stream = get<uint8_t>(in, kStream);
  c.int8_in = flags & kInt8In;
  c.a_transpose = flags & kATranspose;
  c.b_transpose = flags & kBTranspose;
  c.dataflow = (flags & kDataflowWs) ? isa::Dataflow::WS : isa::Dataflow::OS;
  c.act = static_cast<isa::Activation>(act);
  c.op = get<uint32_t>(in, kOp);
  c.dram_addr = get<uint64_t>(in, kDramAddr);
  c.addr1.raw = get<uint32_t>(in, kAddr1);
  c.addr2.raw = get<uint32_t>(in, kAddr2);
  c.rows1 = get<uint16_t>(in, kRows1);
  c.cols1 = get<uint16_t>(in, kCols1);
  c.rows2 = get<uint16_t>(in, kRows2);
  c.cols2 = get<uint16_t>(in, kCols2);
  c.stride = get<uint32_t>(in, kStride);
  c.scale_mult = static_cast<int32_t>(get<uint32_t>(in, kScaleMult));
  c.scale_shift = get<uint8_t>(in, kScaleShift);
  c.loop = get<uint32_t>(in, kLoop);
  c.host_cycles = get<uint64_t>(in, kHostCycles);
  if (c.opcode != isa::Opcode::LoopWs) return true;
  auto l = in.subspan(kCommandBytes, kLoopArgsBytes);
  const auto lact = get<uint8_t>(l, kLoopAct);
  const auto lflags = get<uint8_t>(l, kLoopFlags);
  if (lact > kMaxAct || (lflags & ~kLoopFlagsAll) || !zero(l, kLoopEnd, kLoopArgsBytes)) return false;
  a = isa::LoopWsArgs{};
  a.i_blocks = get<uint16_t>(l, kIBlocks);
  a.j_blocks = get<uint16_t>(l, kJBlocks);
  a.k_blocks = get<uint16_t>(l, kKBlocks);
  a.pad_i = get<uint16_t>(l, kPadI);
  a.pad_j = get<uint16_t>(l, kPadJ);
  a.pad_k = get<uint16_t>(l, kPadK);
  a.a_stride = get<uint32_t>(l, kAStride);
  a.b_stride = get<uint32_t>(l, kBStride);
  a.d_stride = get<uint32_t>(l, kDStride);
  a.c_stride = get<uint32_t>(l, kCStride);
  a.sp_a_row = get<uint32_t>(l, kSpARow);
  a.sp_b_row = get<uint32_t>(l, kSpBRow);
  a.acc_row = get<uint32_t>(l, kAccRow);
  a.a_addr = get<uint64_t>(l, kAAddr);
  a.b_addr = get<uint64_t>(l, kBAddr);
  a.d_addr = get<uint64_t>(l, kDAddr);
  a.c_addr = get<uint64_t>(l, kCAddr);
  a.scale_mult = static_cast<int32_t>(get<uint32_t>(l, kLoopScaleMult));
  a.scale_shift = get<uint8_t>(l, kLoopScaleShift);
  a.act = static_cast<isa::Activation>(lact);
  a.a_transpose = lflags & kLoopATranspose;
  a.b_transpose = lflags & kLoopBTranspose;
  a.has_bias = lflags & kHasBias;
  a.accumulate = lflags & kAccumulate;
  a.store_c = lflags & kStoreC;
  a.c_full = lflags & kCFull;
  return true;
}

}  // namespace coda::tlm
