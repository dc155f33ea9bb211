// Search spaces (configs/nas/*.yaml, format in docs/nas.md): which encoder stacks and which hardware points a
// search may pick. A space turns into the genes a strategy sees (domains()), decodes a genome into an
// Architecture (model dimensions plus hardware overrides), and builds the op graph and hardware config of an
// architecture for the engine and the LUT.
//
// A space file has the sections `model` and `hardware` (parsed here, unknown keys inside them are errors with
// file, line and key) plus the scalars `name`, `hw_config` and `schedule`. Any other top-level section
// (constraints, objectives, strategy, quality, ...) is kept as a YAML node for whoever reads it (section()).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/op_graph.h"
#include "models/workload.h"
#include "nas/genome.h"
#include "sim/config/diagnostics.h"
#include "sim/config/hw_config.h"

namespace coda::nas {

/// A decoded candidate: an encoder stack (per-layer heads and FFN widths, shared hidden and head size) and the
/// hardware keys the space searches, as `-p`-style overrides.
struct Architecture {
  int64_t layers = 0;
  int64_t seq_len = 0;
  int64_t hidden = 0;
  int64_t head_size = 0;
  std::vector<int64_t> heads;  // one per layer
  std::vector<int64_t> ffn;    // one per layer
  std::vector<std::pair<std::string, std::string>> hardware;  // key path -> value text, in space order

  bool operator==(const Architecture&) const = default;
};

/// The candidate description sent to quality evaluators (one JSON object per line), keys in this order:
/// {"layers":4,"hidden":768,"head_size":64,"seq_len":512,"heads":[12,..],"ffn":[3072,..],"hardware":{"k":v}}.
/// Hardware values are JSON numbers when they read as numbers, strings otherwise. Compact, no spaces.
std::string to_json(const Architecture& arch);

/// The model dimensions of a search space.
struct ModelSpace {
  int64_t seq_len = 0;
  int64_t head_size = 0;
  std::vector<int64_t> layers;  // choices, as listed
  std::vector<int64_t> hidden;  // shared by all layers
  std::vector<int64_t> heads;   // per layer
  std::vector<int64_t> ffn;     // per layer
};

/// One searched hardware key: its dotted path and the value texts it may take.
struct HardwareGene {
  std::string key;
  std::vector<std::string> values;
};

class SearchSpace {
 public:
  /// Reads a space file. Throws config::InputError listing every problem (file:line:column: key: message).
  static SearchSpace load(const std::string& path);
  /// Same from YAML text; `origin` names the text in diagnostics and anchors relative paths (hw_config).
  static SearchSpace parse(const std::string& yaml, const std::string& origin = "<string>");

  const std::string& name() const { return name_; }
  const std::string& origin() const { return origin_; }
  /// `hw_config:` resolved against the space file's directory; empty when the space names none.
  const std::string& hw_config_path() const { return hw_config_; }
  /// `schedule:` as written (a --schedule argument); "unfused" when absent.
  const std::string& schedule() const { return schedule_; }
  const ModelSpace& model() const { return model_; }
  const std::vector<HardwareGene>& hardware_genes() const { return hw_genes_; }

  /// A top-level section this class does not interpret (e.g. "objectives"); an undefined node when absent.
  const YAML::Node& section(const std::string& name) const;
  bool has_section(const std::string& name) const { return sections_.count(name) != 0; }
  /// Where a section (or any top-level key) starts in the file, for diagnostics of its readers.
  config::SourceLocation location_of(const std::string& top_level_key) const;

  /// The genes in order: "layers", "hidden", "heads.0".."heads.{L-1}", "ffn.0".."ffn.{L-1}" (L the largest
  /// layer count), then the hardware keys. A dimension with a single value is no gene.
  const std::vector<GeneDomain>& domains() const { return domains_; }
  std::size_t size() const { return domains_.size(); }

  /// The architecture a genome describes. Per-layer genes beyond the genome's layer count are ignored.
  /// Throws std::invalid_argument when the genome has the wrong length or an index out of range.
  Architecture decode(const Genome& genome) const;
  /// The largest architecture: the largest value of every model dimension; for hardware keys, the last listed.
  Genome baseline() const;
  /// Number of distinct hardware points (product of the hardware genes' choices; 1 without hardware genes).
  std::size_t hardware_points() const;
  /// Index of a genome's hardware point in [0, hardware_points()), mixed radix over the hardware genes.
  std::size_t hardware_point(const Genome& genome) const;
  /// The overrides of hardware point `point`.
  std::vector<std::pair<std::string, std::string>> hardware_overrides(std::size_t point) const;

  // Gene positions (npos when the dimension is fixed).
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  std::size_t layers_gene() const { return layers_gene_; }
  std::size_t hidden_gene() const { return hidden_gene_; }
  std::size_t heads_gene(std::size_t layer) const { return heads_genes_.empty() ? npos : heads_genes_[layer]; }
  std::size_t ffn_gene(std::size_t layer) const { return ffn_genes_.empty() ? npos : ffn_genes_[layer]; }
  std::size_t hardware_gene(std::size_t i) const { return hw_gene_pos_[i]; }
  int64_t max_layers() const;

 private:
  std::string name_, origin_, hw_config_, schedule_ = "unfused";
  ModelSpace model_;
  std::vector<HardwareGene> hw_genes_;
  std::map<std::string, YAML::Node> sections_;
  std::map<std::string, config::SourceLocation> locations_;
  std::vector<GeneDomain> domains_;
  std::size_t layers_gene_ = npos, hidden_gene_ = npos;
  std::vector<std::size_t> heads_genes_, ffn_genes_, hw_gene_pos_;

  void build_domains();
};

/// The encoder stack of an architecture (batch 1, no embedding, no LM head).
models::TransformerSpec transformer_spec(const Architecture& arch, const std::string& name = "candidate");
/// Its op graph (models::build_op_graph of transformer_spec).
models::OpGraph op_graph(const Architecture& arch);
/// `base` with the architecture's hardware overrides applied (validated like `-p`; throws config::InputError).
config::HwConfig hardware_config(const config::HwConfig& base, const Architecture& arch);

}  // namespace coda::nas
