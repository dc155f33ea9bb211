// The resolved hardware configuration: a plain struct the engine, compiler and energy model read.
// Every field is declared once in the schema (sim/config/hw_schema.cpp) with its YAML key, unit, default,
// range and description; the schema drives parsing, validation, `coda config show` and
// docs/config-reference.md. Names follow Gemmini's (reference/gemmini.md).
#pragma once

#include <cstdint>
#include <string>

namespace coda::config {

enum class Dataflow { WS, OS, Both };

struct MeshConfig {
  int64_t rows = 16;                 // DIM (PEs per column)
  int64_t cols = 16;                 // DIM (PEs per row); Gemmini uses square meshes
  Dataflow dataflow = Dataflow::Both;
  int64_t input_bits = 8;            // int8 inputs and weights
  int64_t acc_bits = 32;             // accumulator width
  int64_t spatial_acc_bits = 20;     // partial-sum width inside the array
  int64_t output_delay_cycles = 1;   // mesh output register
  int64_t tile_latency_cycles = 1;   // pipeline register per PE hop (Gemmini tile_latency 0 -> 1 cycle)
};

struct ScratchpadConfig {
  int64_t capacity_kb = 256;
  int64_t banks = 4;
  int64_t ports = 1;                 // 1 = single-ported (read or write per bank per cycle)
  int64_t read_latency_cycles = 4;
  int64_t write_latency_cycles = 1;
};

struct AccumulatorConfig {
  int64_t capacity_kb = 64;
  int64_t banks = 2;
  int64_t ports = 2;                 // 2 = dual-ported (a read and a write per bank per cycle): Gemmini
                                     // acc_singleported = false
  int64_t read_latency_cycles = 2;
  int64_t write_latency_cycles = 2;
  int64_t scale_latency_cycles = 8;  // acc scale (requantization) pipeline on mvout
};

struct QueueConfig {
  int64_t load = 8;
  int64_t execute = 8;
  int64_t store = 2;
};

struct ReservationStationConfig {
  int64_t load_entries = 8;
  int64_t execute_entries = 16;
  int64_t store_entries = 4;
};

struct DmaConfig {
  int64_t bus_bits = 128;
  int64_t max_in_flight = 16;        // outstanding requests
  int64_t max_request_bytes = 64;    // requests split into aligned power-of-two pieces of at most this size
  int64_t mvin_scale_latency_cycles = 4;
};

struct DramConfig {
  std::string impl = "simple";       // latency + bandwidth model
  int64_t latency_cycles = 100;
  double bytes_per_cycle = 16.0;
};

struct NormalizerConfig {
  bool enabled = false;
  int64_t slots = 2;                 // statistic slots
  int64_t lanes = 4;                 // reduction lanes (elements reduced per cycle)
  int64_t latency_cycles = 4;        // reduction pipeline latency
  int64_t isqrt_cycles_per_bit = 1;  // iterative integer square root: one result bit per cycle
  int64_t divide_cycles = 32;        // reciprocal of the sum of exponentials
};

struct ActivationUnitsConfig {
  bool enabled = false;
  int64_t count = 16;                // units; each handles one element per `cycles_per_element`
  int64_t latency_cycles = 2;        // multiplier pipe
  int64_t cycles_per_element = 1;
};

// An in-order host core (Rocket-class RISC-V) at the accelerator clock; per-element costs of the loops it
// runs over DRAM-resident tensors. Rationale for each default: docs/host-model.md.
struct HostConfig {
  double dequantize_cycles_per_element = 6;
  double quantize_cycles_per_element = 10;
  double softmax_cycles_per_element = 60;
  double layernorm_cycles_per_element = 30;
  double gelu_cycles_per_element = 80;
  double resadd_cycles_per_element = 8;
  double requantize_cycles_per_element = 8;
  double bytes_per_cycle = 8.0;      // sustained load/store bandwidth of the core's memory path
};

// Per-action energies. SRAM per-byte energies are for the reference capacity and scale with
// sqrt(capacity / reference) (reference/energy.md).
struct EnergyConfig {
  double mac_pj = 0.23;                           // 8-bit multiply (0.2) + accumulate share (0.03), Horowitz 2014
  double scratchpad_read_pj_per_byte = 2.5;       // Horowitz 2014: 64-bit access of a 32 KB array = 20 pJ = 2.5 pJ/B
  double scratchpad_write_pj_per_byte = 2.5;
  double scratchpad_reference_kb = 32;
  double accumulator_read_pj_per_byte = 2.5;
  double accumulator_write_pj_per_byte = 2.5;
  double accumulator_reference_kb = 32;
  double dram_pj_per_byte = 64;                   // LPDDR4 8 pJ/bit
  double dma_pj_per_byte = 0.5;
  double normalizer_op_pj = 0.1;
  double activation_op_pj = 0.5;
  double host_op_pj = 20;                         // one host instruction, core + L1
  double static_pw_per_cycle_pj = 50;             // leakage + clock per cycle
};

struct HwConfig {
  std::string name = "gemmini-default";
  double clock_ghz = 1.0;
  MeshConfig mesh;
  ScratchpadConfig scratchpad;
  AccumulatorConfig accumulator;
  QueueConfig queue;
  ReservationStationConfig reservation_station;
  DmaConfig dma;
  DramConfig dram;
  NormalizerConfig normalizer;
  ActivationUnitsConfig activation_units;
  HostConfig host;
  EnergyConfig energy;

  // Derived geometry.
  int64_t dim() const { return mesh.rows; }
  int64_t sp_row_bytes() const { return mesh.cols * mesh.input_bits / 8; }
  int64_t acc_row_bytes() const { return mesh.cols * mesh.acc_bits / 8; }
  int64_t sp_rows() const { return scratchpad.capacity_kb * 1024 / sp_row_bytes(); }
  int64_t acc_rows() const { return accumulator.capacity_kb * 1024 / acc_row_bytes(); }
  int64_t sp_bank_rows() const { return sp_rows() / scratchpad.banks; }
  int64_t acc_bank_rows() const { return acc_rows() / accumulator.banks; }
};

}  // namespace coda::config
