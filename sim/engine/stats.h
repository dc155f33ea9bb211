// Per-unit performance counters, in the spirit of Gemmini's counters.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace coda::engine {

enum class Unit : uint8_t { Load = 0, Execute = 1, Store = 2, Host = 3 };
inline constexpr int kNumUnits = 4;
const char* unit_name(Unit u);

// The energy-relevant actions of one op (OpTiming::actions) or of a whole run: plain counters, incremented
// where the blocks account their work (sim/energy turns them into joules). SRAM bytes are rows accessed x row
// width (a bank access reads or writes a whole DIM-element row); DRAM and DMA bytes are the bytes requested.
struct Actions {
  uint64_t macs = 0;                                 // mesh multiply-accumulates
  uint64_t sp_bytes_read = 0, sp_bytes_written = 0;  // scratchpad
  uint64_t acc_bytes_read = 0, acc_bytes_written = 0;  // accumulator (an accumulating write also reads)
  uint64_t dram_bytes_read = 0, dram_bytes_written = 0;
  uint64_t dma_bytes = 0;                            // bytes the DMA moved, both directions
  uint64_t normalizer_ops = 0;                       // normalizer steps (EngineContext::count_norm)
  uint64_t activation_ops = 0;                       // activation-unit element operations (count_activation)
  uint64_t host_ops = 0;                             // host instructions; = host cycles (in-order core, IPC 1)

  Actions& operator+=(const Actions& o) {
    macs += o.macs;
    sp_bytes_read += o.sp_bytes_read;
    sp_bytes_written += o.sp_bytes_written;
    acc_bytes_read += o.acc_bytes_read;
    acc_bytes_written += o.acc_bytes_written;
    dram_bytes_read += o.dram_bytes_read;
    dram_bytes_written += o.dram_bytes_written;
    dma_bytes += o.dma_bytes;
    normalizer_ops += o.normalizer_ops;
    activation_ops += o.activation_ops;
    host_ops += o.host_ops;
    return *this;
  }
  bool operator==(const Actions&) const = default;
};

struct Counters {
  // Reservation station
  uint64_t rs_full_cycles = 0;           // cycles dispatch waited for a free entry
  std::array<uint64_t, 3> rs_full_cycles_by_type{};  // load, execute, store
  uint64_t commands = 0;
  std::array<uint64_t, 16> commands_by_opcode{};
  // Controllers
  std::array<uint64_t, 3> busy_cycles{};   // cycles each controller spent issuing (load/store: request issue span; execute: one per command)
  std::array<uint64_t, 3> dep_wait_cycles{};  // cycles a ready-to-issue command waited for a dependency
  // Mesh
  uint64_t mesh_busy_cycles = 0;         // cycles the mesh's input port was streaming rows
  uint64_t preload_hazard_cycles = 0;    // cycles a compute waited for its preloaded weights
  uint64_t macs = 0;                     // useful MACs (rows x cols x k of every compute)
  // DMA / DRAM
  uint64_t dma_read_requests = 0, dma_write_requests = 0;
  uint64_t dma_wait_cycles = 0;          // cycles requests waited for an in-flight slot
  uint64_t dram_bytes_read = 0, dram_bytes_written = 0;
  uint64_t dram_busy_cycles = 0;        // cycles DRAM spent transferring data
  // SRAMs (rows accessed, per bank)
  std::vector<uint64_t> sp_reads, sp_writes, acc_reads, acc_writes;
  uint64_t sp_bank_conflict_cycles = 0, acc_bank_conflict_cycles = 0;
  // Transformer units
  uint64_t normalizer_busy_cycles = 0;   // cycles the normalizer's reduction lanes were busy
  uint64_t activation_busy_cycles = 0;   // cycles the activation units were busy
  // Host
  uint64_t host_cycles = 0;
  uint64_t host_elements = 0;
  // Transformer units (EngineContext::count_norm / count_activation)
  uint64_t normalizer_ops = 0, activation_ops = 0;
};

}  // namespace coda::engine
