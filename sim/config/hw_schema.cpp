#include "sim/config/hw_schema.h"

#include <fmt/format.h>

namespace coda::config {

namespace {

// Binding of a key to its HwConfig field: works on const (reading) and non-const (writing) configs.
#define CODA_FIELD(member) [](auto& c) -> auto& { return c.member; }

constexpr double kMaxCycles = 1 << 16;
constexpr double kMaxCount = 1 << 10;

int64_t kib_ceil(int64_t bytes) { return (bytes + 1023) / 1024; }

void declare_top(Schema<HwConfig>& s) {
  s.param("name", CODA_FIELD(name))
      .describe("Name of the configuration, shown in reports; not part of the fingerprint");
  s.param("clock_ghz", CODA_FIELD(clock_ghz))
      .unit("GHz")
      .greater_than(0)
      .max(10)
      .describe("Clock of the accelerator (and of the host, which runs at the same clock)");
}

void declare_mesh(Schema<HwConfig>& s) {
  s.section("mesh",
            "The systolic array (Gemmini MeshWithDelays): DIM x DIM processing elements with int8 operands and "
            "int32 accumulation.");
  s.param("mesh.rows", CODA_FIELD(mesh.rows))
      .unit("PEs")
      .range(1, 1024)
      .power_of_two()
      .describe("Rows of processing elements: DIM (Gemmini meshRows x tileRows)");
  s.param("mesh.cols", CODA_FIELD(mesh.cols))
      .unit("PEs")
      .range(1, 1024)
      .power_of_two()
      .describe("Columns of processing elements; equals rows (Gemmini meshColumns x tileColumns)");
  s.enum_param<Dataflow>("mesh.dataflow", CODA_FIELD(mesh.dataflow),
                         {{"ws", Dataflow::WS}, {"os", Dataflow::OS}, {"both", Dataflow::Both}})
      .describe("Dataflows built in: weight- or output-stationary, or both chosen at run time by CONFIG_EX");
  s.param("mesh.input_bits", CODA_FIELD(mesh.input_bits))
      .unit("bits")
      .range(8, 32)
      .power_of_two()
      .describe("Width of inputs and weights (Gemmini inputType)");
  s.param("mesh.acc_bits", CODA_FIELD(mesh.acc_bits))
      .unit("bits")
      .range(8, 64)
      .power_of_two()
      .describe("Width of an accumulator entry (Gemmini accType)");
  s.param("mesh.spatial_acc_bits", CODA_FIELD(mesh.spatial_acc_bits))
      .unit("bits")
      .range(1, 64)
      .describe("Width of partial sums inside the array (Gemmini spatialArrayOutputType)");
  s.param("mesh.output_delay_cycles", CODA_FIELD(mesh.output_delay_cycles))
      .unit("cycles")
      .range(0, 64)
      .describe("Register stages after the array's last row (Gemmini mesh_output_delay)");
  s.param("mesh.tile_latency_cycles", CODA_FIELD(mesh.tile_latency_cycles))
      .unit("cycles")
      .range(1, 64)
      .describe("Cycles per PE-to-PE hop (Gemmini tile_latency 0 = one pipeline register per hop)");
}

void declare_memories(Schema<HwConfig>& s) {
  s.section("scratchpad",
            "Banked SRAM for inputs and weights; a row holds DIM inputs (Gemmini Scratchpad, sp_* parameters).");
  s.param("scratchpad.capacity_kb", CODA_FIELD(scratchpad.capacity_kb))
      .unit("KiB")
      .range(1, 1 << 20)
      .describe("Capacity (Gemmini sp_capacity)");
  s.param("scratchpad.banks", CODA_FIELD(scratchpad.banks))
      .range(1, 64)
      .power_of_two()
      .describe("Independent banks; rows are split evenly among them (Gemmini sp_banks)");
  s.param("scratchpad.ports", CODA_FIELD(scratchpad.ports))
      .range(1, 2)
      .describe("Ports per bank: 1 = a read or a write per cycle, 2 = both (Gemmini sp_singleported)");
  s.param("scratchpad.read_latency_cycles", CODA_FIELD(scratchpad.read_latency_cycles))
      .unit("cycles")
      .range(1, 64)
      .describe("Cycles from a read request to its data (Gemmini spad_read_delay)");
  s.param("scratchpad.write_latency_cycles", CODA_FIELD(scratchpad.write_latency_cycles))
      .unit("cycles")
      .range(1, 64)
      .describe("Cycles for a write to land in the bank");

  s.section("accumulator",
            "Banked SRAM of rows of DIM accumulator entries that the array accumulates into; scales and activates "
            "rows on mvout (Gemmini AccumulatorMem, acc_* parameters).");
  s.param("accumulator.capacity_kb", CODA_FIELD(accumulator.capacity_kb))
      .unit("KiB")
      .range(1, 1 << 20)
      .describe("Capacity (Gemmini acc_capacity)");
  s.param("accumulator.banks", CODA_FIELD(accumulator.banks))
      .range(1, 64)
      .power_of_two()
      .describe("Independent banks; rows are split evenly among them (Gemmini acc_banks)");
  s.param("accumulator.ports", CODA_FIELD(accumulator.ports))
      .range(1, 2)
      .describe("Ports per bank: 1 = a read or a write per cycle, 2 = both (Gemmini acc_singleported)");
  s.param("accumulator.read_latency_cycles", CODA_FIELD(accumulator.read_latency_cycles))
      .unit("cycles")
      .range(1, 64)
      .describe("Cycles from a read request to its data (Gemmini acc_latency)");
  s.param("accumulator.write_latency_cycles", CODA_FIELD(accumulator.write_latency_cycles))
      .unit("cycles")
      .range(1, 64)
      .describe("Cycles of the read-add-write pipeline of an accumulating write (Gemmini acc_latency)");
  s.param("accumulator.scale_latency_cycles", CODA_FIELD(accumulator.scale_latency_cycles))
      .unit("cycles")
      .range(0, 64)
      .describe("Pipeline of the requantizing scale unit on mvout (Gemmini acc_scale_args latency)");
}

void declare_control(Schema<HwConfig>& s) {
  s.section("queue", "Command queues in front of the load, execute and store controllers (Gemmini *_queue_length).");
  s.param("queue.load", CODA_FIELD(queue.load))
      .unit("entries")
      .range(1, kMaxCount)
      .describe("Load controller queue (Gemmini ld_queue_length)");
  s.param("queue.execute", CODA_FIELD(queue.execute))
      .unit("entries")
      .range(1, kMaxCount)
      .describe("Execute controller queue (Gemmini ex_queue_length)");
  s.param("queue.store", CODA_FIELD(queue.store))
      .unit("entries")
      .range(1, kMaxCount)
      .describe("Store controller queue (Gemmini st_queue_length)");

  s.section("reservation_station",
            "Entries that hold issued commands until their dependencies across controllers resolve (Gemmini "
            "ReservationStation).");
  s.param("reservation_station.load_entries", CODA_FIELD(reservation_station.load_entries))
      .unit("entries")
      .range(1, kMaxCount)
      .describe("Load (mvin) entries (Gemmini reservation_station_entries_ld)");
  s.param("reservation_station.execute_entries", CODA_FIELD(reservation_station.execute_entries))
      .unit("entries")
      .range(1, kMaxCount)
      .describe("Execute (preload, compute) entries (Gemmini reservation_station_entries_ex)");
  s.param("reservation_station.store_entries", CODA_FIELD(reservation_station.store_entries))
      .unit("entries")
      .range(1, kMaxCount)
      .describe("Store (mvout) entries (Gemmini reservation_station_entries_st)");
}

void declare_memory_system(Schema<HwConfig>& s) {
  s.section("dma", "Moves data between DRAM and the scratchpad or accumulator over the system bus (Gemmini DMA).");
  s.param("dma.bus_bits", CODA_FIELD(dma.bus_bits))
      .unit("bits")
      .range(8, 4096)
      .power_of_two()
      .describe("System bus width: bytes moved per cycle x 8 (Gemmini dma_buswidth)");
  s.param("dma.max_in_flight", CODA_FIELD(dma.max_in_flight))
      .unit("requests")
      .range(1, kMaxCount)
      .describe("Outstanding memory requests (Gemmini max_in_flight_mem_reqs)");
  s.param("dma.max_request_bytes", CODA_FIELD(dma.max_request_bytes))
      .unit("bytes")
      .range(1, 4096)
      .power_of_two()
      .describe("Largest request; transfers split into aligned power-of-two pieces (Gemmini dma_maxbytes)");
  s.param("dma.mvin_scale_latency_cycles", CODA_FIELD(dma.mvin_scale_latency_cycles))
      .unit("cycles")
      .range(0, 64)
      .describe("Pipeline of the scale unit on the mvin path (Gemmini mvin_scale_args latency)");

  s.section("dram", "Off-chip memory behind the DMA; `impl` picks the model.");
  s.param("dram.impl", CODA_FIELD(dram.impl))
      .choices({"simple"})
      .describe("Memory model: simple = fixed latency plus a bandwidth limit");
  s.param("dram.latency_cycles", CODA_FIELD(dram.latency_cycles))
      .unit("cycles")
      .range(1, kMaxCycles)
      .describe("Cycles from a request to its first byte");
  s.param("dram.bytes_per_cycle", CODA_FIELD(dram.bytes_per_cycle))
      .unit("B/cycle")
      .greater_than(0)
      .max(4096)
      .describe("Sustained bandwidth at the accelerator clock");
}

void declare_transformer_units(Schema<HwConfig>& s) {
  s.section("normalizer",
            "Reduces accumulator rows on the mvout path into LayerNorm and softmax statistics (Gemmini Normalizer). "
            "When disabled, LayerNorm and softmax run on the host.");
  s.param("normalizer.enabled", CODA_FIELD(normalizer.enabled))
      .describe("Whether the normalizer is built");
  s.param("normalizer.slots", CODA_FIELD(normalizer.slots))
      .range(1, 16)
      .describe("Statistic slots: rows whose statistics (mean and inverse standard deviation, or max and inverse sum of exponentials) are in flight at once");
  s.param("normalizer.lanes", CODA_FIELD(normalizer.lanes))
      .unit("elements/cycle")
      .range(1, kMaxCount)
      .describe("Reduction lanes: elements reduced per cycle");
  s.param("normalizer.latency_cycles", CODA_FIELD(normalizer.latency_cycles))
      .unit("cycles")
      .range(0, 64)
      .describe("Latency of the reduction pipeline");
  s.param("normalizer.isqrt_cycles_per_bit", CODA_FIELD(normalizer.isqrt_cycles_per_bit))
      .unit("cycles/bit")
      .range(1, 64)
      .describe("Iterative integer square root (inverse standard deviation): cycles per result bit");
  s.param("normalizer.divide_cycles", CODA_FIELD(normalizer.divide_cycles))
      .unit("cycles")
      .range(1, kMaxCount)
      .describe("Reciprocal of the sum of exponentials (softmax)");

  s.section("activation_units",
            "Scale and activation units on the mvout path: i-GELU, i-exp and the apply step of LayerNorm and "
            "softmax. When disabled, these run on the host.");
  s.param("activation_units.enabled", CODA_FIELD(activation_units.enabled))
      .describe("Whether the activation units are built");
  s.param("activation_units.count", CODA_FIELD(activation_units.count))
      .unit("units")
      .range(1, kMaxCount)
      .describe("Units working in parallel");
  s.param("activation_units.latency_cycles", CODA_FIELD(activation_units.latency_cycles))
      .unit("cycles")
      .range(0, 64)
      .describe("Pipeline latency (the multiplier pipe)");
  s.param("activation_units.cycles_per_element", CODA_FIELD(activation_units.cycles_per_element))
      .unit("cycles")
      .range(1, 64)
      .describe("Initiation interval of one unit: cycles per element");
}

void declare_host(Schema<HwConfig>& s) {
  s.section("host",
            "The in-order RISC-V host core (Rocket-class) at the accelerator clock; it runs whatever the "
            "accelerator cannot, one element at a time over DRAM-resident tensors (rationale: docs/host-model.md).");
  auto per_element = [&](const char* path, auto ref, const char* what) {
    s.param(path, ref).unit("cycles/element").greater_than(0).max(1e6).describe(what);
  };
  per_element("host.dequantize_cycles_per_element", CODA_FIELD(host.dequantize_cycles_per_element),
              "Dequantize int to float");
  per_element("host.quantize_cycles_per_element", CODA_FIELD(host.quantize_cycles_per_element),
              "Quantize float to int8 (scale, round, saturate)");
  per_element("host.softmax_cycles_per_element", CODA_FIELD(host.softmax_cycles_per_element),
              "Softmax (max, exp, sum, divide) when the normalizer is absent");
  per_element("host.layernorm_cycles_per_element", CODA_FIELD(host.layernorm_cycles_per_element),
              "LayerNorm (mean, variance, normalize) when the normalizer is absent");
  per_element("host.gelu_cycles_per_element", CODA_FIELD(host.gelu_cycles_per_element),
              "GELU when the activation units are absent");
  per_element("host.resadd_cycles_per_element", CODA_FIELD(host.resadd_cycles_per_element),
              "Residual add of two tensors");
  per_element("host.requantize_cycles_per_element", CODA_FIELD(host.requantize_cycles_per_element),
              "Integer requantization (dyadic multiply and shift)");
  s.param("host.bytes_per_cycle", CODA_FIELD(host.bytes_per_cycle))
      .unit("B/cycle")
      .greater_than(0)
      .max(4096)
      .describe("Sustained load/store bandwidth of the core's memory path");
}

void declare_energy(Schema<HwConfig>& s) {
  s.section("energy",
            "Per-action energies (sources: shared reference/energy.md, named per key in "
            "configs/hw/gemmini-default.yaml). SRAM energies per byte hold at the reference capacity and scale "
            "with sqrt(capacity / reference). The model and how energy is attributed to ops and units: docs/energy.md.");
  auto pj = [&](const char* path, auto ref, const char* unit, const char* what) {
    s.param(path, ref).unit(unit).range(0, 1e6).describe(what);
  };
  pj("energy.mac_pj", CODA_FIELD(energy.mac_pj), "pJ", "One int8 multiply-accumulate in a PE");
  pj("energy.scratchpad_read_pj_per_byte", CODA_FIELD(energy.scratchpad_read_pj_per_byte), "pJ/B",
     "Scratchpad read at the reference capacity");
  pj("energy.scratchpad_write_pj_per_byte", CODA_FIELD(energy.scratchpad_write_pj_per_byte), "pJ/B",
     "Scratchpad write at the reference capacity");
  s.param("energy.scratchpad_reference_kb", CODA_FIELD(energy.scratchpad_reference_kb))
      .unit("KiB")
      .greater_than(0)
      .max(1 << 20)
      .describe("Capacity at which the scratchpad energies hold");
  pj("energy.accumulator_read_pj_per_byte", CODA_FIELD(energy.accumulator_read_pj_per_byte), "pJ/B",
     "Accumulator read at the reference capacity");
  pj("energy.accumulator_write_pj_per_byte", CODA_FIELD(energy.accumulator_write_pj_per_byte), "pJ/B",
     "Accumulator write at the reference capacity");
  s.param("energy.accumulator_reference_kb", CODA_FIELD(energy.accumulator_reference_kb))
      .unit("KiB")
      .greater_than(0)
      .max(1 << 20)
      .describe("Capacity at which the accumulator energies hold");
  pj("energy.dram_pj_per_byte", CODA_FIELD(energy.dram_pj_per_byte), "pJ/B",
     "DRAM access (read or write), for the DMA's and the host's traffic");
  pj("energy.dma_pj_per_byte", CODA_FIELD(energy.dma_pj_per_byte), "pJ/B", "On-chip bus transfer by the DMA (on top of the DRAM access)");
  pj("energy.normalizer_op_pj", CODA_FIELD(energy.normalizer_op_pj), "pJ", "One normalizer step: one element through one lane (reduction or normalization)");
  pj("energy.activation_op_pj", CODA_FIELD(energy.activation_op_pj), "pJ", "One activation-unit element");
  pj("energy.host_op_pj", CODA_FIELD(energy.host_op_pj), "pJ", "One host instruction (core and L1); a host op costs one per host cycle");
  pj("energy.static_pw_per_cycle_pj", CODA_FIELD(energy.static_pw_per_cycle_pj), "pJ/cycle",
     "Static energy (leakage and clock) per cycle");
}

#undef CODA_FIELD

// Bytes of a DIM x DIM tile of `bits`-bit elements.
int64_t tile_bytes(const HwConfig& c, int64_t bits) { return c.mesh.rows * c.mesh.cols * bits / 8; }

void declare_rules(Schema<HwConfig>& s) {
  s.check("`mesh.rows` equals `mesh.cols`: Gemmini meshes are square (DIM x DIM).",
          [](const HwConfig& c, std::vector<Issue>& out) {
            if (c.mesh.rows != c.mesh.cols)
              out.push_back({{"mesh.cols", "mesh.rows"},
                             fmt::format("mesh must be square (DIM x DIM), got {} rows x {} cols", c.mesh.rows,
                                         c.mesh.cols)});
          });
  s.check("`mesh.spatial_acc_bits` is at least 2 x `mesh.input_bits` and at most `mesh.acc_bits`.",
          [](const HwConfig& c, std::vector<Issue>& out) {
            const auto& m = c.mesh;
            if (m.spatial_acc_bits < 2 * m.input_bits)
              out.push_back({{"mesh.spatial_acc_bits", "mesh.input_bits"},
                             fmt::format("partial sums of {} bits cannot hold the product of two {}-bit inputs "
                                         "(needs >= {})",
                                         m.spatial_acc_bits, m.input_bits, 2 * m.input_bits)});
            if (m.spatial_acc_bits > m.acc_bits)
              out.push_back({{"mesh.spatial_acc_bits", "mesh.acc_bits"},
                             fmt::format("partial sums of {} bits are wider than the {}-bit accumulator",
                                         m.spatial_acc_bits, m.acc_bits)});
          });
  s.check("The scratchpad holds two DIM x DIM tiles of inputs (double buffering), in whole rows of DIM inputs "
          "that `scratchpad.banks` divides.",
          [](const HwConfig& c, std::vector<Issue>& out) {
            const int64_t bytes = c.scratchpad.capacity_kb * 1024;
            const int64_t need = 2 * tile_bytes(c, c.mesh.input_bits);
            if (bytes < need) {
              out.push_back({{"scratchpad.capacity_kb", "mesh.rows", "mesh.cols", "mesh.input_bits"},
                             fmt::format("scratchpad of {} KiB cannot hold two {}x{} tiles of {}-bit inputs "
                                         "(needs >= {} KiB)",
                                         c.scratchpad.capacity_kb, c.mesh.rows, c.mesh.cols, c.mesh.input_bits,
                                         kib_ceil(need))});
              return;
            }
            const int64_t row = c.sp_row_bytes();
            if (row <= 0) return;
            if (bytes % row != 0) {
              out.push_back({{"scratchpad.capacity_kb", "mesh.cols", "mesh.input_bits"},
                             fmt::format("scratchpad of {} KiB is not a whole number of {}-byte rows",
                                         c.scratchpad.capacity_kb, row)});
              return;
            }
            if (c.scratchpad.banks > 0 && (bytes / row) % c.scratchpad.banks != 0)
              out.push_back({{"scratchpad.banks", "scratchpad.capacity_kb"},
                             fmt::format("{} banks do not divide the scratchpad's {} rows evenly",
                                         c.scratchpad.banks, bytes / row)});
          });
  s.check("The accumulator holds two DIM x DIM tiles of accumulator entries (double buffering), in whole rows of "
          "DIM entries that `accumulator.banks` divides.",
          [](const HwConfig& c, std::vector<Issue>& out) {
            const int64_t bytes = c.accumulator.capacity_kb * 1024;
            const int64_t need = 2 * tile_bytes(c, c.mesh.acc_bits);
            if (bytes < need) {
              out.push_back({{"accumulator.capacity_kb", "mesh.rows", "mesh.cols", "mesh.acc_bits"},
                             fmt::format("accumulator of {} KiB cannot hold two {}x{} tiles of {}-bit entries "
                                         "(needs >= {} KiB)",
                                         c.accumulator.capacity_kb, c.mesh.rows, c.mesh.cols, c.mesh.acc_bits,
                                         kib_ceil(need))});
              return;
            }
            const int64_t row = c.acc_row_bytes();
            if (row <= 0) return;
            if (bytes % row != 0) {
              out.push_back({{"accumulator.capacity_kb", "mesh.cols", "mesh.acc_bits"},
                             fmt::format("accumulator of {} KiB is not a whole number of {}-byte rows",
                                         c.accumulator.capacity_kb, row)});
              return;
            }
            if (c.accumulator.banks > 0 && (bytes / row) % c.accumulator.banks != 0)
              out.push_back({{"accumulator.banks", "accumulator.capacity_kb"},
                             fmt::format("{} banks do not divide the accumulator's {} rows evenly",
                                         c.accumulator.banks, bytes / row)});
          });
  s.check("`dma.max_request_bytes` is at least one beat of the bus (`dma.bus_bits` / 8 bytes).",
          [](const HwConfig& c, std::vector<Issue>& out) {
            if (c.dma.max_request_bytes * 8 < c.dma.bus_bits)
              out.push_back({{"dma.max_request_bytes", "dma.bus_bits"},
                             fmt::format("requests of at most {} bytes are smaller than one {}-byte beat of the "
                                         "{}-bit bus",
                                         c.dma.max_request_bytes, c.dma.bus_bits / 8, c.dma.bus_bits)});
          });
  s.check("An enabled normalizer needs the activation units (its LayerNorm and softmax apply steps and the "
          "i-exp of the sum of exponentials run there).",
          [](const HwConfig& c, std::vector<Issue>& out) {
            if (c.normalizer.enabled && !c.activation_units.enabled)
              out.push_back({{"normalizer.enabled", "activation_units.enabled"},
                             "an enabled normalizer needs activation_units.enabled: true (the apply steps and i-exp "
                             "run in the activation units)"});
          });
}

Schema<HwConfig> build() {
  Schema<HwConfig> s;
  declare_top(s);
  declare_mesh(s);
  declare_memories(s);
  declare_control(s);
  declare_memory_system(s);
  declare_transformer_units(s);
  declare_host(s);
  declare_energy(s);
  declare_rules(s);
  return s;
}

}  // namespace

const Schema<HwConfig>& hw_schema() {
  static const Schema<HwConfig> schema = build();
  return schema;
}

std::string hw_reference_markdown() {
  return schema_markdown(
      hw_schema(), "Hardware configuration reference",
      "<!-- Generated by `coda config docs -o docs/config-reference.md` from sim/config/hw_schema.cpp; do not edit. "
      "A test checks that this file equals the generator's output. -->\n\n"
      "Every key of a hardware config (`configs/hw/*.yaml`), grouped by component as in the YAML. Keys not written "
      "in a file keep the default shown here (the values of `configs/hw/gemmini-default.yaml`); a file may extend "
      "another with `base: other.yaml`, and `-p key.path=value` overrides any key. See "
      "[configuration.md](configuration.md) for files, `base:`, overrides and error messages.");
}

}  // namespace coda::config
