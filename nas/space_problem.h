// A search space on a hardware config as the problem the search driver solves: the genes of the space, the
// LUT cost model (built on demand into the store), the candidate description of the space, the largest
// architecture as baseline, and the whole-candidate engine run for re-simulating the Pareto points. This is
// the one place where the space, the LUT and the driver meet; the strategies still see only genes.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "nas/lut/lut.h"
#include "nas/search.h"
#include "nas/space.h"

namespace coda::nas {

struct SpaceProblemOptions {
  std::string hw_path;                 // empty: the space's hw_config
  std::vector<std::string> overrides;  // -p key=value on the hardware config
  std::string schedule;                // empty: the space's schedule
  std::string db_path;                 // empty: lut::Store::default_path()
  unsigned jobs = 0;                   // LUT build threads; 0 = all cores
  std::function<void(const lut::BuildProgress&)> build_progress;
};

struct SpaceProblem {
  SearchProblem problem;                                   // cost = the LUT cost model
  std::function<Cost(const Genome&)> full_cost;            // the whole candidate on the engine
  nlohmann::json identity;                                 // space, hardware fingerprints, lowering
  std::vector<std::pair<std::string, std::string>> files;  // resolved space and hardware configs, by file name
  lut::BuildStats lut_build;                               // what the on-demand LUT build did
};

/// Loads the hardware config, builds the missing LUT entries of every hardware point of `space` and returns the
/// problem. Throws config::InputError (bad config/space), lut::StoreError, std::out_of_range.
SpaceProblem make_space_problem(const SearchSpace& space, const SpaceProblemOptions& options);

}  // namespace coda::nas
