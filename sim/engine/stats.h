// Per-unit performance counters, in the spirit of Gemmini's counters.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace coda::engine {

enum class Unit : uint8_t { Load = 0, Execute = 1, Store = 2, Host = 3 };
inline constexpr int kNumUnits = 4;
const char* unit_name(Unit u);

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
};

}  // namespace coda::engine
