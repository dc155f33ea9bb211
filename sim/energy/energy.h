// The energy model: per-action energies (config::EnergyConfig, pJ) times the actions the engine counted
// (engine::Actions), per unit, plus static energy per cycle. Model and sources: docs/energy.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sim/config/hw_config.h"
#include "sim/engine/stats.h"

namespace coda::energy {

enum class Unit : uint8_t { Mesh, Scratchpad, Accumulator, Dram, Dma, Normalizer, Activation, Host, Static };
inline constexpr size_t kNumUnits = 9;
inline constexpr std::array<Unit, kNumUnits> kUnits{Unit::Mesh,       Unit::Scratchpad, Unit::Accumulator,
                                                     Unit::Dram,       Unit::Dma,        Unit::Normalizer,
                                                     Unit::Activation, Unit::Host,       Unit::Static};

// "mesh", "scratchpad", "accumulator", "dram", "dma", "normalizer", "activation", "host", "static"
std::string_view unit_name(Unit u);

// Joules per unit.
struct EnergyBreakdown {
  std::array<double, kNumUnits> joules{};

  double& operator[](Unit u) { return joules[static_cast<size_t>(u)]; }
  double operator[](Unit u) const { return joules[static_cast<size_t>(u)]; }
  double total() const;  // sum in unit order
  EnergyBreakdown& operator+=(const EnergyBreakdown& o);
};

// Per-byte SRAM energies at the configured capacity: the table's value at the reference capacity times
// sqrt(capacity_kb / reference_kb) (bit-line length grows with the square root of the array size).
struct SramEnergies {
  double sp_read_pj_per_byte, sp_write_pj_per_byte;
  double acc_read_pj_per_byte, acc_write_pj_per_byte;
};
SramEnergies sram_energies(const config::HwConfig& hw);

// The energy of `actions` plus `cycles` cycles of static energy.
EnergyBreakdown energy_of(const config::HwConfig& hw, const engine::Actions& actions, uint64_t cycles);

}  // namespace coda::energy
