// The accelerator's register window on its TLM-2.0 target socket and the byte layout of a command record.
// Pure C++ (no SystemC): hosts that drive the accelerator from outside SystemC can encode records too.
//
// A host issues a Gemmini command by writing one record to kRegCommand (docs/systemc.md has the layout): a
// 64-byte command, followed for LOOP_WS by its 96 bytes of loop arguments (a 160-byte write). Records are
// little-endian; reserved bytes must be zero.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "sim/isa/command.h"

namespace coda::tlm {

// Register offsets (bytes, relative to wherever the platform maps the target socket).
inline constexpr uint64_t kRegCommand = 0x000;  // write: one command record (blocks while the queue is full)
inline constexpr uint64_t kRegStatus = 0x100;   // read u64: bit 0 = busy (a program is queued or running)
inline constexpr uint64_t kRegCycles = 0x108;   // read u64: the engine's total cycles when the last program ended
inline constexpr uint64_t kRegControl = 0x110;  // write u64: kControlEnd = end of program
inline constexpr uint64_t kRegNumOps = 0x118;   // write u64: op ids of the next program (per-op timing)
inline constexpr uint64_t kControlEnd = 1;

inline constexpr size_t kCommandBytes = 64;
inline constexpr size_t kLoopArgsBytes = 96;
inline constexpr size_t kLoopCommandBytes = kCommandBytes + kLoopArgsBytes;

// Size of the record of `cmd`: kLoopCommandBytes for LOOP_WS, else kCommandBytes.
size_t record_bytes(const isa::Command& cmd);

// Writes the record of `cmd` (and, for LOOP_WS, of `args`) into `out`, which must hold record_bytes(cmd).
// Throws std::invalid_argument when it does not.
void encode(const isa::Command& cmd, const isa::LoopWsArgs& args, std::span<uint8_t> out);

// Reads a record. False when its length does not match its opcode, or a field is out of range (an unknown
// opcode, activation or dataflow, set flag bits or reserved bytes that are not zero).
bool decode(std::span<const uint8_t> in, isa::Command& cmd, isa::LoopWsArgs& args);

}  // namespace coda::tlm
