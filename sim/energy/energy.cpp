#include "sim/energy/energy.h"

#include <cmath>

namespace coda::energy {

std::string_view unit_name(Unit u) {
  switch (u) {
    case Unit::Mesh: return "mesh";
    case Unit::Scratchpad: return "scratchpad";
    case Unit::Accumulator: return "accumulator";
    case Unit::Dram: return "dram";
    case Unit::Dma: return "dma";
    case Unit::Normalizer: return "normalizer";
    case Unit::Activation: return "activation";
    case Unit::Host: return "host";
    case Unit::Static: return "static";
  }
  return "?";
}

double EnergyBreakdown::total() const {
  double s = 0;
  for (double j : joules) s += j;
  return s;
}

EnergyBreakdown& EnergyBreakdown::operator+=(const EnergyBreakdown& o) {
  for (size_t i = 0; i < kNumUnits; ++i) joules[i] += o.joules[i];
  return *this;
}

SramEnergies sram_energies(const config::HwConfig& hw) {
  const auto& e = hw.energy;
  const double sp = std::sqrt(double(hw.scratchpad.capacity_kb) / e.scratchpad_reference_kb);
  const double acc = std::sqrt(double(hw.accumulator.capacity_kb) / e.accumulator_reference_kb);
  return {e.scratchpad_read_pj_per_byte * sp, e.scratchpad_write_pj_per_byte * sp,
          e.accumulator_read_pj_per_byte * acc, e.accumulator_write_pj_per_byte * acc};
}

EnergyBreakdown energy_of(const config::HwConfig& hw, const engine::Actions& a, uint64_t cycles) {
  constexpr double kJoulesPerPj = 1e-12;
  const auto& e = hw.energy;
  const SramEnergies s = sram_energies(hw);
  EnergyBreakdown b;
  b[Unit::Mesh] = double(a.macs) * e.mac_pj;
  b[Unit::Scratchpad] = double(a.sp_bytes_read) * s.sp_read_pj_per_byte + double(a.sp_bytes_written) * s.sp_write_pj_per_byte;
  b[Unit::Accumulator] =
      double(a.acc_bytes_read) * s.acc_read_pj_per_byte + double(a.acc_bytes_written) * s.acc_write_pj_per_byte;
  b[Unit::Dram] = double(a.dram_bytes_read + a.dram_bytes_written) * e.dram_pj_per_byte;
  b[Unit::Dma] = double(a.dma_bytes) * e.dma_pj_per_byte;
  b[Unit::Normalizer] = double(a.normalizer_ops) * e.normalizer_op_pj;
  b[Unit::Activation] = double(a.activation_ops) * e.activation_op_pj;
  b[Unit::Host] = double(a.host_ops) * e.host_op_pj;
  b[Unit::Static] = double(cycles) * e.static_pw_per_cycle_pj;
  for (double& j : b.joules) j *= kJoulesPerPj;
  return b;
}

}  // namespace coda::energy
