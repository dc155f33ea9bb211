#include "nas/toy_problem.h"

#include <cmath>

namespace coda::nas {

namespace {
constexpr int kLayers[] = {2, 3, 4, 5, 6};
constexpr int kHidden[] = {256, 384, 512, 640, 768};
constexpr int kFfn[] = {512, 1024, 1536, 2048, 2560, 3072};
constexpr int kMesh[] = {8, 16, 32};
constexpr double kSeq = 128, kClockHz = 1e9;

Cost toy_cost(const Genome& g) {
  const double layers = kLayers[g[0]], h = kHidden[g[1]], f = kFfn[g[2]], mesh = kMesh[g[3]];
  const double macs = layers * kSeq * (4 * h * h + 2 * h * f + 2 * kSeq * h);
  const double utilisation = 1.0 / (1.0 + mesh / 64.0);  // bigger meshes fill worse
  Cost c;
  c.latency_cycles = std::ceil(macs / (mesh * mesh * utilisation)) + 2000 * layers;
  c.seconds = c.latency_cycles / kClockHz;
  c.energy_j = macs * 0.5e-12 * (1.0 + 16.0 / mesh) + mesh * mesh * 2e-6 * c.seconds;
  c.edp = c.energy_j * c.seconds;
  return c;
}
}  // namespace

double toy_perplexity(const nlohmann::json& d) {
  const double layers = d.at("layers").get<double>(), h = d.at("hidden").get<double>(), f = d.at("ffn").get<double>();
  return 4.0 + 60.0 / layers + 4000.0 / h + 3000.0 / f;
}

ToyProblem make_toy_problem() {
  ToyProblem t;
  t.problem.domains = {{"layers", 5}, {"hidden", 5}, {"ffn", 6}, {"mesh", 3}};
  t.problem.cost = toy_cost;
  t.problem.describe = [](const Genome& g) {
    return nlohmann::json{{"layers", kLayers[g[0]]}, {"hidden", kHidden[g[1]]}, {"ffn", kFfn[g[2]]}, {"mesh", kMesh[g[3]]}};
  };
  t.problem.baseline = Genome{4, 4, 5, 1};
  t.full_cost = [](const Genome& g) {
    Cost c = toy_cost(g);
    const double dev = 1.0 + 0.001 * ((g[0] * 7 + g[1] * 3 + g[2] * 5 + g[3]) % 9 - 4);  // within +-0.4%
    c.latency_cycles = std::round(c.latency_cycles * dev);
    c.seconds = c.latency_cycles / kClockHz;
    c.energy_j *= 1.0 + 0.001 * ((g[0] * 5 + g[1] * 2 + g[2] * 3 + g[3] * 4) % 7 - 3);  // within +-0.3%
    c.edp = c.energy_j * c.seconds;
    return c;
  };
  return t;
}

}  // namespace coda::nas
