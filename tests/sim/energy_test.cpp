// The energy model: per-op actions agree with the engine's counters, energies follow the table, per-op
// energies sum to the total, and each table entry moves only its own unit.
#include <gtest/gtest.h>

#include <cmath>

#include "models/op_graph.h"
#include "sim/config/hw_config.h"
#include "sim/config/workload_loader.h"
#include "sim/energy/energy.h"
#include "sim/engine/engine_context.h"
#include "sim/simulator.h"

namespace coda {
namespace {

using energy::Unit;

sim::SimResult run_gemm(const config::HwConfig& hw, int64_t m, int64_t k, int64_t n) {
  return sim::simulate(hw, models::single_gemm_graph(m, k, n));
}

uint64_t sum(const std::vector<uint64_t>& v) {
  uint64_t s = 0;
  for (auto x : v) s += x;
  return s;
}

void expect_rel_near(double got, double want, double rel = 1e-12) {
  EXPECT_NEAR(got, want, std::fabs(want) * rel + 1e-30) << "got " << got << ", want " << want;
}

TEST(Energy, SingleGemmEqualsTheHandComputedSumOfTheCounters) {
  const config::HwConfig hw;  // 256 KiB scratchpad, 64 KiB accumulator, reference 32 KiB
  const auto r = run_gemm(hw, 200, 300, 100);
  const auto& c = r.counters;
  const auto& e = hw.energy;
  const double sp_row = double(hw.sp_row_bytes()), acc_row = double(hw.acc_row_bytes());
  ASSERT_EQ(sp_row, 16);
  ASSERT_EQ(acc_row, 64);
  const double sp_scale = std::sqrt(256.0 / 32.0), acc_scale = std::sqrt(64.0 / 32.0);

  const double mesh = double(c.macs) * e.mac_pj;
  const double sp = double(sum(c.sp_reads)) * sp_row * e.scratchpad_read_pj_per_byte * sp_scale +
                    double(sum(c.sp_writes)) * sp_row * e.scratchpad_write_pj_per_byte * sp_scale;
  const double acc = double(sum(c.acc_reads)) * acc_row * e.accumulator_read_pj_per_byte * acc_scale +
                     double(sum(c.acc_writes)) * acc_row * e.accumulator_write_pj_per_byte * acc_scale;
  const double dram_bytes = double(c.dram_bytes_read + c.dram_bytes_written);
  const double dram = dram_bytes * e.dram_pj_per_byte;
  const double dma = dram_bytes * e.dma_pj_per_byte;
  const double stat = double(r.total_cycles) * e.static_pw_per_cycle_pj;
  ASSERT_EQ(c.host_cycles, 0u);

  EXPECT_EQ(c.macs, 200u * 300u * 100u);
  EXPECT_GT(sum(c.sp_reads), 0u);
  EXPECT_GT(sum(c.acc_writes), 0u);
  expect_rel_near(r.energy_by_unit[Unit::Mesh], mesh * 1e-12);
  expect_rel_near(r.energy_by_unit[Unit::Scratchpad], sp * 1e-12);
  expect_rel_near(r.energy_by_unit[Unit::Accumulator], acc * 1e-12);
  expect_rel_near(r.energy_by_unit[Unit::Dram], dram * 1e-12);
  expect_rel_near(r.energy_by_unit[Unit::Dma], dma * 1e-12);
  expect_rel_near(r.energy_by_unit[Unit::Static], stat * 1e-12);
  EXPECT_EQ(r.energy_by_unit[Unit::Host], 0.0);
  EXPECT_EQ(r.energy_by_unit[Unit::Normalizer], 0.0);
  EXPECT_EQ(r.energy_by_unit[Unit::Activation], 0.0);
  expect_rel_near(r.energy_j, (mesh + sp + acc + dram + dma + stat) * 1e-12);
}

TEST(Energy, PerOpActionsAgreeWithTheEngineCounters) {
  const config::HwConfig hw;
  const auto r = sim::simulate(hw, config::load_workload_graph("tiny"));
  const auto& c = r.counters;
  const auto& a = r.actions;
  EXPECT_EQ(a.macs, c.macs);
  EXPECT_EQ(a.sp_bytes_read, sum(c.sp_reads) * uint64_t(hw.sp_row_bytes()));
  EXPECT_EQ(a.sp_bytes_written, sum(c.sp_writes) * uint64_t(hw.sp_row_bytes()));
  EXPECT_EQ(a.acc_bytes_read, sum(c.acc_reads) * uint64_t(hw.acc_row_bytes()));
  EXPECT_EQ(a.acc_bytes_written, sum(c.acc_writes) * uint64_t(hw.acc_row_bytes()));
  EXPECT_EQ(a.dma_bytes, c.dram_bytes_read + c.dram_bytes_written);
  EXPECT_EQ(a.host_ops, c.host_cycles);
  // DRAM: the DMA's bytes plus the host ops' operands and results.
  uint64_t host_in = 0, host_out = 0;
  const auto g = config::load_workload_graph("tiny");
  for (size_t i = 0; i < r.ops.size(); ++i)
    if (r.ops[i].placement == "host") {
      host_in += uint64_t(g.ops[i].bytes_in());
      host_out += uint64_t(g.ops[i].bytes_out());
    }
  EXPECT_GT(host_in, 0u);
  EXPECT_EQ(a.dram_bytes_read, c.dram_bytes_read + host_in);
  EXPECT_EQ(a.dram_bytes_written, c.dram_bytes_written + host_out);
  // Host energy: one host_op_pj per host cycle (an in-order core at about one instruction per cycle).
  expect_rel_near(r.energy_by_unit[Unit::Host], double(c.host_cycles) * hw.energy.host_op_pj * 1e-12);
}

TEST(Energy, SramEnergyPerByteScalesWithTheSquareRootOfCapacity) {
  config::HwConfig hw;
  hw.scratchpad.capacity_kb = 32;
  hw.accumulator.capacity_kb = 32;
  auto s = energy::sram_energies(hw);
  EXPECT_DOUBLE_EQ(s.sp_read_pj_per_byte, hw.energy.scratchpad_read_pj_per_byte);
  EXPECT_DOUBLE_EQ(s.acc_write_pj_per_byte, hw.energy.accumulator_write_pj_per_byte);
  hw.scratchpad.capacity_kb = 128;   // 4x -> 2x
  hw.accumulator.capacity_kb = 512;  // 16x -> 4x
  s = energy::sram_energies(hw);
  EXPECT_DOUBLE_EQ(s.sp_read_pj_per_byte, 2 * hw.energy.scratchpad_read_pj_per_byte);
  EXPECT_DOUBLE_EQ(s.sp_write_pj_per_byte, 2 * hw.energy.scratchpad_write_pj_per_byte);
  EXPECT_DOUBLE_EQ(s.acc_read_pj_per_byte, 4 * hw.energy.accumulator_read_pj_per_byte);
  EXPECT_DOUBLE_EQ(s.acc_write_pj_per_byte, 4 * hw.energy.accumulator_write_pj_per_byte);

  // End to end: scratchpad energy per byte accessed quadruples with 16x the capacity.
  config::HwConfig small, big;
  small.scratchpad.capacity_kb = 64;
  big.scratchpad.capacity_kb = 1024;
  const auto rs = run_gemm(small, 128, 128, 128), rb = run_gemm(big, 128, 128, 128);
  auto per_byte = [](const sim::SimResult& r) {
    return r.energy_by_unit[Unit::Scratchpad] / double(r.actions.sp_bytes_read + r.actions.sp_bytes_written);
  };
  expect_rel_near(per_byte(rb) / per_byte(rs), 4.0);
}

TEST(Energy, EdpIsEnergyTimesSeconds) {
  config::HwConfig hw;
  hw.clock_ghz = 2.0;
  const auto r = run_gemm(hw, 64, 64, 64);
  EXPECT_GT(r.energy_j, 0);
  EXPECT_DOUBLE_EQ(r.seconds, double(r.total_cycles) / 2e9);
  EXPECT_DOUBLE_EQ(r.edp_js, r.energy_j * r.seconds);
}

TEST(Energy, PerOpEnergiesSumToTheTotalPerUnit) {
  const config::HwConfig hw;
  const auto r = sim::simulate(hw, config::load_workload_graph("tiny"));
  energy::EnergyBreakdown sum_ops;
  double sum_j = 0;
  for (const auto& o : r.ops) {
    sum_ops += o.energy_by_unit;
    sum_j += o.energy_j;
    EXPECT_DOUBLE_EQ(o.energy_j, o.energy_by_unit.total());
    expect_rel_near(o.energy_by_unit[Unit::Static], double(o.cycles) * hw.energy.static_pw_per_cycle_pj * 1e-12);
  }
  for (Unit u : energy::kUnits) expect_rel_near(sum_ops[u], r.energy_by_unit[u], 1e-9);
  expect_rel_near(sum_j, r.energy_j, 1e-9);
  EXPECT_GT(r.energy_by_unit[Unit::Host], 0);
}

TEST(Energy, DoublingMacEnergyRaisesOnlyTheMeshPart) {
  config::HwConfig a, b;
  b.energy.mac_pj = 2 * a.energy.mac_pj;
  const auto ra = run_gemm(a, 96, 160, 64), rb = run_gemm(b, 96, 160, 64);
  ASSERT_EQ(ra.total_cycles, rb.total_cycles);
  for (Unit u : energy::kUnits) {
    if (u == Unit::Mesh)
      EXPECT_DOUBLE_EQ(rb.energy_by_unit[u], 2 * ra.energy_by_unit[u]);
    else
      EXPECT_DOUBLE_EQ(rb.energy_by_unit[u], ra.energy_by_unit[u]) << energy::unit_name(u);
  }
  EXPECT_DOUBLE_EQ(rb.energy_j - ra.energy_j, ra.energy_by_unit[Unit::Mesh]);
}

TEST(Energy, NormalizerAndActivationCountsGoToTheirOpAndUnit) {
  const config::HwConfig hw;
  engine::EngineContext ctx(hw, false);
  ctx.ops.resize(2);
  ctx.count_norm(1, 40);
  ctx.count_activation(1, 7);
  ctx.count_norm(engine::kNoOp, 3);  // outside any op
  EXPECT_EQ(ctx.ops[1].actions.normalizer_ops, 40u);
  EXPECT_EQ(ctx.ops[1].actions.activation_ops, 7u);
  EXPECT_EQ(ctx.ops[0].actions, engine::Actions{});
  EXPECT_EQ(ctx.other_actions.normalizer_ops, 3u);
  EXPECT_EQ(ctx.counters.normalizer_ops, 43u);
  EXPECT_EQ(ctx.counters.activation_ops, 7u);
  const auto e = energy::energy_of(hw, ctx.ops[1].actions, 0);
  expect_rel_near(e[Unit::Normalizer], 40 * hw.energy.normalizer_op_pj * 1e-12);
  expect_rel_near(e[Unit::Activation], 7 * hw.energy.activation_op_pj * 1e-12);
  EXPECT_DOUBLE_EQ(e.total(), e[Unit::Normalizer] + e[Unit::Activation]);
}

TEST(Energy, UnitNamesAreStable) {
  std::string names;
  for (Unit u : energy::kUnits) names += std::string(energy::unit_name(u)) + " ";
  EXPECT_EQ(names, "mesh scratchpad accumulator dram dma normalizer activation host static ");
}

}  // namespace
}  // namespace coda
