#pragma once
// A small self-contained search problem for tests, benchmarks and `coda nas --toy`: a transformer-like model
// (layers, hidden, FFN width) on a square mesh, with an analytic cost (MACs over mesh throughput, energy per MAC
// growing for small meshes). It exercises the search machinery without the space loader or the LUT; its
// `full_cost` stands in for the engine (the analytic cost with a deterministic per-candidate deviation of a few
// tenths of a percent), so the final report has two columns to compare.
#include "nas/search.h"

namespace coda::nas {

struct ToyProblem {
  SearchProblem problem;
  std::function<Cost(const Genome&)> full_cost;
};

/// Genes: layers {2..6}, hidden {256,384,512,640,768}, ffn {512,...,3072 step 512}, mesh {8,16,32}.
/// The baseline is the largest model on the 16x16 mesh.
ToyProblem make_toy_problem();

/// The toy's built-in perplexity (the same formula as tests/data/nas/toy_perplexity.py): falls with
/// layers, hidden and FFN width.
double toy_perplexity(const nlohmann::json& description);

}  // namespace coda::nas
