// State shared by the engine's blocks: the configuration, counters, memories, DMA and per-op timing.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "models/ibert.h"
#include "sim/config/hw_config.h"
#include "sim/engine/activation_units.h"
#include "sim/engine/dma.h"
#include "sim/engine/dram.h"
#include "sim/engine/memory.h"
#include "sim/engine/mesh.h"
#include "sim/engine/normalizer.h"
#include "sim/engine/scratchpad.h"
#include "sim/engine/stats.h"
#include "sim/isa/command.h"

namespace coda::engine {

inline constexpr uint32_t kNoOp = 0xFFFFFFFFu;

// Start/end of an op's commands, overall and per unit.
struct OpTiming {
  static constexpr uint64_t kNone = ~0ull;
  uint64_t start = kNone, end = 0;
  std::array<uint64_t, kNumUnits> unit_start{kNone, kNone, kNone, kNone};
  std::array<uint64_t, kNumUnits> unit_end{};
  uint64_t macs = 0;
  uint64_t commands = 0;
  Actions actions;  // energy-relevant work of the op's commands (sim/energy)
};

// A dispatched command waiting in (or issued from) the reservation station.
struct Pending {
  isa::Command cmd;
  uint64_t seq = 0;
  uint64_t dispatch = 0;
  std::array<uint64_t, 3> dep{};  // newest producer seq per controller (0: none)
  // For computes: the output operand named by the preceding preload.
  isa::LocalAddr c_addr;
  uint16_t c_rows = 0, c_cols = 0;
};

// Kernel parameters of an op whose data passes through the normalizer or activation units (functional mode),
// indexed by the op id the commands carry. Owned by the embedder (sim::simulate).
struct OpNumerics {
  const models::ibert::SoftmaxParams* softmax = nullptr;
  const models::ibert::LayerNormParams* layernorm = nullptr;
  const models::ibert::GeluParams* gelu = nullptr;
};

// Functional mode: the host core's computation of a host op over DRAM (the engine models only its time).
class HostExecutor {
 public:
  virtual ~HostExecutor() = default;
  virtual void run(uint32_t op, std::vector<uint8_t>& memory) = 0;
};

struct Timing {
  uint64_t start = 0, end = 0;
};

struct EngineContext {
  // `external_dram`: a timing model owned by the embedder (nullptr: the config's, make_dram(hw.dram)).
  EngineContext(const config::HwConfig& hw, bool functional, Dram* external_dram = nullptr);

  const config::HwConfig& hw;
  bool functional;
  int64_t dim;
  Counters counters;
  std::unique_ptr<Dram> own_dram;  // the config's DRAM model, unless the embedder supplies one
  Dram* dram;
  DmaChannel dma_read, dma_write;
  Scratchpad sp;
  AccumulatorMem acc;
  Mesh mesh;
  Normalizer normalizer;
  ActivationUnits activation;
  std::vector<uint8_t> memory;     // functional DRAM contents (unless `backend` holds them)
  MemoryBackend* backend = nullptr;  // functional: the embedder's DRAM contents
  std::vector<uint8_t> staging;    // one row on its way to or from `backend`
  const std::vector<OpNumerics>* numerics = nullptr;  // functional: per-op kernel parameters
  HostExecutor* host = nullptr;                        // functional: runs host ops on `memory`

  const OpNumerics* numerics_of(uint32_t op) const {
    return numerics && op < numerics->size() ? &(*numerics)[op] : nullptr;
  }
  // Functional DRAM access, one row at a time: the bytes at `addr` (valid until the next call), and a buffer
  // for `bytes` at `addr` that dram_write_commit() then writes. Without a backend, pointers into `memory`.
  const uint8_t* dram_read(uint64_t addr, size_t bytes) {
    if (!backend) return memory.data() + addr;
    staging.resize(bytes);
    backend->read(addr, staging.data(), bytes);
    return staging.data();
  }
  uint8_t* dram_write_buffer(uint64_t addr, size_t bytes) {
    if (!backend) return memory.data() + addr;
    staging.resize(bytes);
    return staging.data();
  }
  void dram_write_commit(uint64_t addr, size_t bytes) {
    if (backend) backend->write(addr, staging.data(), bytes);
  }

  std::vector<OpTiming> ops;
  Actions other_actions;           // actions of commands outside any op
  const uint64_t sp_row_bytes = uint64_t(hw.sp_row_bytes());
  const uint64_t acc_row_bytes = uint64_t(hw.acc_row_bytes());

  // Per-op action counting: one call where a block already accounts the work in `counters`.
  Actions& actions(uint32_t op) { return op < ops.size() ? ops[op].actions : other_actions; }
  // `bytes` moved between DRAM and the accelerator by the DMA (a write = mvout).
  void count_dma(uint32_t op, bool write, uint64_t bytes) {
    Actions& a = actions(op);
    (write ? a.dram_bytes_written : a.dram_bytes_read) += bytes;
    a.dma_bytes += bytes;
  }
  // Rows read and written in the scratchpad / accumulator (the row counts of `counters`).
  void count_sp(uint32_t op, uint64_t rows_read, uint64_t rows_written) {
    Actions& a = actions(op);
    a.sp_bytes_read += rows_read * sp_row_bytes;
    a.sp_bytes_written += rows_written * sp_row_bytes;
  }
  void count_acc(uint32_t op, uint64_t rows_read, uint64_t rows_written) {
    Actions& a = actions(op);
    a.acc_bytes_read += rows_read * acc_row_bytes;
    a.acc_bytes_written += rows_written * acc_row_bytes;
  }
  // For the normalizer and activation units: `n` operations of `op` (one normalizer step = one element
  // reduced or normalized by one lane; one activation op = one element through one unit's polynomial).
  void count_norm(uint32_t op, uint64_t n) {
    counters.normalizer_ops += n;
    actions(op).normalizer_ops += n;
  }
  void count_activation(uint32_t op, uint64_t n) {
    counters.activation_ops += n;
    actions(op).activation_ops += n;
  }

  void record(uint32_t op, Unit unit, uint64_t start, uint64_t end) {
    if (op >= ops.size()) return;  // also kNoOp (ops.size() < kNoOp)
    auto& t = ops[op];
    auto u = static_cast<size_t>(unit);
    if (start < t.start) t.start = start;
    if (end > t.end) t.end = end;
    if (start < t.unit_start[u]) t.unit_start[u] = start;
    if (end > t.unit_end[u]) t.unit_end[u] = end;
    ++t.commands;
  }
};

}  // namespace coda::engine
