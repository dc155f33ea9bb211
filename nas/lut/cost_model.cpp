#include "nas/lut/cost_model.h"

#include <fmt/format.h>

#include <stdexcept>

#include "sim/simulator.h"

namespace coda::nas {

namespace {
int pos(std::size_t p) { return p == SearchSpace::npos ? -1 : static_cast<int>(p); }
std::vector<lut::LutTable> load_tables(const std::vector<lut::LutContext>& contexts, const lut::Store& store) {
  std::vector<lut::LutTable> t;
  for (const auto& c : contexts) t.emplace_back(store, c.key());
  return t;
}
}  // namespace

LutCostModel::LutCostModel(const SearchSpace& space, const std::vector<lut::LutContext>& contexts,
                           const lut::Store& store) {
  load(space, contexts, load_tables(contexts, store));
}

LutCostModel::LutCostModel(const SearchSpace& space, const std::vector<lut::LutContext>& contexts,
                           const std::vector<lut::LutTable>& tables) {
  load(space, contexts, tables);
}

void LutCostModel::load(const SearchSpace& space, const std::vector<lut::LutContext>& contexts,
                        const std::vector<lut::LutTable>& tables) {
  if (contexts.size() != space.hardware_points() || tables.size() != contexts.size())
    throw std::invalid_argument(fmt::format("LutCostModel: {} contexts and {} tables for {} hardware points",
                                            contexts.size(), tables.size(), space.hardware_points()));
  const ModelSpace& m = space.model();
  n_hidden_ = m.hidden.size();
  n_heads_ = m.heads.size();
  n_ffn_ = m.ffn.size();
  const std::size_t points = contexts.size();
  mha_cycles_.assign(points * n_hidden_ * n_heads_, 0);
  mha_energy_ = mha_cycles_;
  ffn_cycles_.assign(points * n_hidden_ * n_ffn_, 0);
  ffn_energy_ = ffn_cycles_;
  bound_cycles_.assign(points * n_hidden_, 0);
  bound_energy_ = bound_cycles_;
  seconds_per_cycle_.clear();
  for (std::size_t p = 0; p < points; ++p) {
    seconds_per_cycle_.push_back(1.0 / (contexts[p].hw.clock_ghz * 1e9));
    for (std::size_t hi = 0; hi < n_hidden_; ++hi) {
      const int64_t h = m.hidden[hi];
      for (std::size_t a = 0; a < n_heads_; ++a) {
        const std::string shape = lut::mha_shape(m.seq_len, h, m.heads[a], m.head_size);
        for (const auto& r : lut::mha_roles()) {
          const lut::Entry& e = tables[p].at(r, shape);
          mha_cycles_[(p * n_hidden_ + hi) * n_heads_ + a] += double(e.cycles);
          mha_energy_[(p * n_hidden_ + hi) * n_heads_ + a] += e.energy_j;
        }
      }
      for (std::size_t f = 0; f < n_ffn_; ++f) {
        const std::string shape = lut::ffn_shape(m.seq_len, h, m.ffn[f]);
        for (const auto& r : lut::ffn_roles()) {
          const lut::Entry& e = tables[p].at(r, shape);
          ffn_cycles_[(p * n_hidden_ + hi) * n_ffn_ + f] += double(e.cycles);
          ffn_energy_[(p * n_hidden_ + hi) * n_ffn_ + f] += e.energy_j;
        }
      }
      if (space.max_layers() > 1) {
        const lut::Entry& b = tables[p].at(lut::kBoundaryOp, lut::boundary_shape(m.seq_len, h, m.head_size));
        bound_cycles_[p * n_hidden_ + hi] = double(b.cycles);
        bound_energy_[p * n_hidden_ + hi] = b.energy_j;
      }
    }
  }
  layer_values_ = m.layers;
  layers_pos_ = pos(space.layers_gene());
  hidden_pos_ = pos(space.hidden_gene());
  heads_pos_.clear();
  ffn_pos_.clear();
  for (std::size_t l = 0; l < static_cast<std::size_t>(space.max_layers()); ++l) {
    heads_pos_.push_back(pos(space.heads_gene(l)));
    ffn_pos_.push_back(pos(space.ffn_gene(l)));
  }
  hw_pos_.clear();
  hw_radix_.clear();
  for (std::size_t i = 0; i < space.hardware_genes().size(); ++i) {
    hw_pos_.push_back(pos(space.hardware_gene(i)));
    hw_radix_.push_back(static_cast<int>(space.hardware_genes()[i].values.size()));
  }
  choices_.clear();
  for (const auto& d : space.domains()) choices_.push_back(d.choices);
}

Cost LutCostModel::evaluate(const Genome& g) const noexcept {
  const int* gene = g.data();
  std::size_t point = 0;
  for (std::size_t i = 0; i < hw_pos_.size(); ++i)
    point = point * std::size_t(hw_radix_[i]) + (hw_pos_[i] < 0 ? 0 : std::size_t(gene[hw_pos_[i]]));
  const std::size_t hidden = hidden_pos_ < 0 ? 0 : std::size_t(gene[hidden_pos_]);
  const int64_t layers = layer_values_[layers_pos_ < 0 ? 0 : std::size_t(gene[layers_pos_])];
  const std::size_t row = point * n_hidden_ + hidden;
  const double* mc = mha_cycles_.data() + row * n_heads_;
  const double* me = mha_energy_.data() + row * n_heads_;
  const double* fc = ffn_cycles_.data() + row * n_ffn_;
  const double* fe = ffn_energy_.data() + row * n_ffn_;
  double cycles = double(layers - 1) * bound_cycles_[row];
  double energy = double(layers - 1) * bound_energy_[row];
  for (int64_t l = 0; l < layers; ++l) {
    const int hp = heads_pos_[std::size_t(l)], fp = ffn_pos_[std::size_t(l)];
    const std::size_t a = hp < 0 ? 0 : std::size_t(gene[hp]);
    const std::size_t f = fp < 0 ? 0 : std::size_t(gene[fp]);
    cycles += mc[a] + fc[f];
    energy += me[a] + fe[f];
  }
  Cost c;
  c.latency_cycles = cycles;
  c.seconds = cycles * seconds_per_cycle_[point];
  c.energy_j = energy;
  c.edp = energy * c.seconds;
  return c;
}

Cost LutCostModel::checked_evaluate(const Genome& g) const {
  if (g.size() != choices_.size())
    throw std::invalid_argument(fmt::format("genome has {} genes, the space has {}", g.size(), choices_.size()));
  for (std::size_t i = 0; i < g.size(); ++i)
    if (g[i] < 0 || std::size_t(g[i]) >= choices_[i])
      throw std::invalid_argument(fmt::format("genome: gene {} is {}, expected 0..{}", i, g[i], choices_[i] - 1));
  return evaluate(g);
}

Cost engine_cost(const SearchSpace& space, const std::vector<lut::LutContext>& contexts, const Genome& genome) {
  const Architecture arch = space.decode(genome);
  const lut::LutContext& ctx = contexts.at(space.hardware_point(genome));
  sim::SimOptions o;
  o.lowering = ctx.lowering;
  const sim::SimResult r = sim::simulate(ctx.hw, op_graph(arch), o);
  Cost c;
  c.latency_cycles = double(r.total_cycles);
  c.seconds = r.seconds;
  c.energy_j = r.energy_j;
  c.edp = r.edp_js;
  return c;
}

}  // namespace coda::nas
