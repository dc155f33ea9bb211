#pragma once
// The contract between a search space (nas/space) and the search strategies (nas/strategy): a candidate is a
// genome, one choice index per gene; a strategy sees only each gene's name and number of choices, never what the
// choices mean (the space decodes a genome into a model/hardware architecture).
#include <cstddef>
#include <string>
#include <vector>

namespace coda::nas {

/// One choice index per gene, in the order of the space's genes; gene i takes values 0..domains[i].choices-1.
using Genome = std::vector<int>;

/// What a strategy knows of a gene.
struct GeneDomain {
  std::string name;     // e.g. "layers", "heads.3", "accumulator.capacity_kb"
  std::size_t choices;  // >= 1
};

/// The cost side of a candidate, composed by the LUT cost model (nas/lut) or measured by the engine.
struct Cost {
  double latency_cycles = 0;
  double seconds = 0;
  double energy_j = 0;
  double edp = 0;  // energy_j * seconds (J·s)
};

}  // namespace coda::nas
