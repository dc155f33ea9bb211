#include "nas/space_problem.h"

#include <fmt/core.h>

#include "nas/lut/cost_model.h"
#include "nas/lut/store.h"
#include "sim/config/diagnostics.h"
#include "sim/config/hw_loader.h"
#include "sim/config/schedule_loader.h"

namespace coda::nas {

namespace {

// What the space and its hardware points resolve to: kept alive by the problem's functions.
struct State {
  SearchSpace space;
  std::vector<lut::LutContext> contexts;
  std::unique_ptr<LutCostModel> model;
};

nlohmann::ordered_json space_json(const SearchSpace& space) {
  nlohmann::ordered_json j;
  j["name"] = space.name();
  j["origin"] = space.origin();
  j["schedule"] = space.schedule();
  const ModelSpace& m = space.model();
  j["model"] = {{"seq_len", m.seq_len}, {"head_size", m.head_size}, {"layers", m.layers},
                {"hidden", m.hidden},   {"heads", m.heads},         {"ffn", m.ffn}};
  nlohmann::ordered_json hw = nlohmann::ordered_json::object();
  for (const HardwareGene& g : space.hardware_genes()) hw[g.key] = g.values;
  j["hardware"] = hw;
  nlohmann::ordered_json genes = nlohmann::ordered_json::array();
  for (const GeneDomain& d : space.domains()) genes.push_back({{"name", d.name}, {"choices", d.choices}});
  j["genes"] = genes;
  return j;
}

}  // namespace

SpaceProblem make_space_problem(const SearchSpace& space, const SpaceProblemOptions& options) {
  const std::string hw_path = options.hw_path.empty() ? space.hw_config_path() : options.hw_path;
  if (hw_path.empty())
    throw config::InputError({space.origin(), 0, 0}, "hw_config",
                             "no hardware config: give -c HW.yaml or hw_config: in the space");
  const config::HwConfig base = config::load_hw_config(hw_path, options.overrides);
  compiler::LoweringOptions lowering;
  lowering.schedule = config::load_schedule(options.schedule.empty() ? space.schedule() : options.schedule);

  auto state = std::make_shared<State>(State{space, lut::space_contexts(space, base, lowering), nullptr});
  SpaceProblem out;
  {
    lut::Store store(options.db_path.empty() ? lut::Store::default_path() : options.db_path);
    lut::BuildOptions bo;
    bo.jobs = options.jobs;
    bo.progress = options.build_progress;
    out.lut_build = lut::build(state->space, state->contexts, store, bo);
    state->model = std::make_unique<LutCostModel>(state->space, state->contexts, store);
  }

  out.problem.domains = state->space.domains();
  out.problem.cost = [state](const Genome& g) { return state->model->evaluate(g); };
  out.problem.describe = [state](const Genome& g) {
    return nlohmann::json::parse(to_json(state->space.decode(g)));
  };
  out.problem.baseline = state->space.baseline();
  out.full_cost = [state](const Genome& g) { return engine_cost(state->space, state->contexts, g); };

  nlohmann::ordered_json sj = space_json(state->space);
  nlohmann::json id = nlohmann::json::parse(sj.dump());
  id.erase("origin");  // the same space read from another path is the same problem
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& c : state->contexts) keys.push_back(c.key());
  id["lut_contexts"] = keys;
  out.identity = std::move(id);

  out.files.emplace_back("space.json", sj.dump(2) + "\n");
  for (std::size_t i = 0; i < state->contexts.size(); ++i)
    out.files.emplace_back(state->contexts.size() == 1 ? std::string("hw.yaml") : fmt::format("hw-{}.yaml", i),
                           config::to_yaml(state->contexts[i].hw));
  return out;
}

}  // namespace coda::nas
