// The search's cost evaluator: a genome -> Cost from a warm LUT in memory. The tables are laid out per gene at
// construction (per hardware point and hidden width: one MHA row over the heads choices and one FFN row over the
// FFN choices, each op already summed), so evaluate() is a handful of array lookups and adds per layer: no
// allocation, no hashing, no strings. Same composition as LutTable::compose (nas/lut/lut.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nas/genome.h"
#include "nas/lut/lut.h"
#include "nas/space.h"

namespace coda::nas {

class LutCostModel {
 public:
  /// Reads the entries of every hardware point of `space` (contexts from lut::space_contexts) from `store`.
  /// Throws std::out_of_range naming the first missing entry when the LUT was not built for this space.
  LutCostModel(const SearchSpace& space, const std::vector<lut::LutContext>& contexts, const lut::Store& store);
  /// Same from tables already in memory (one per hardware point, in hardware-point order).
  LutCostModel(const SearchSpace& space, const std::vector<lut::LutContext>& contexts,
               const std::vector<lut::LutTable>& tables);

  /// The cost of a genome of `space`. The genome must be valid for the space (strategies only produce valid
  /// ones); use checked_evaluate for untrusted input.
  Cost evaluate(const Genome& genome) const noexcept;
  /// evaluate() after checking the genome's length and ranges (std::invalid_argument otherwise).
  Cost checked_evaluate(const Genome& genome) const;

 private:
  void load(const SearchSpace& space, const std::vector<lut::LutContext>& contexts,
            const std::vector<lut::LutTable>& tables);

  std::vector<double> mha_cycles_, mha_energy_;  // [(point * n_hidden + hidden) * n_heads + heads]
  std::vector<double> ffn_cycles_, ffn_energy_;  // [(point * n_hidden + hidden) * n_ffn + ffn]
  std::vector<double> bound_cycles_, bound_energy_;  // [point * n_hidden + hidden], per layer boundary
  std::vector<double> seconds_per_cycle_;            // [point]
  std::vector<int64_t> layer_values_;
  std::vector<int> heads_pos_, ffn_pos_;  // gene of layer l's heads / ffn, -1 when fixed
  std::vector<int> hw_pos_;               // gene of each hardware key, -1 when fixed
  std::vector<int> hw_radix_;
  std::vector<std::size_t> choices_;      // per gene, for checked_evaluate
  int layers_pos_ = -1, hidden_pos_ = -1;
  std::size_t n_hidden_ = 1, n_heads_ = 1, n_ffn_ = 1;
};

/// The same Cost measured by simulating the whole candidate with the engine on its hardware point (a second or
/// so per BERT-scale candidate instead of nanoseconds): for re-simulating a Pareto front next to the LUT's figures.
/// Throws std::invalid_argument for a genome that does not fit the space.
Cost engine_cost(const SearchSpace& space, const std::vector<lut::LutContext>& contexts, const Genome& genome);

}  // namespace coda::nas
