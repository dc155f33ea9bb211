// The elastic character-level LM: the supernet's choices (SupernetConfig) and one subnet (SubnetArch).
//
// A subnet takes leading slices of the supernet's weights: the first `hidden` features of every hidden-sized
// dimension (embeddings, LayerNorms, residual stream), the first heads[i] heads (head_size columns each) of
// layer i's Q/K/V projections and the matching rows of its output projection, the first ffn[i] columns of
// FFN1 and rows of FFN2, and the first `layers` layers.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/lm/rng.h"

namespace coda::models::lm {

// Bad architecture or model description (e.g. a subnet outside the supernet). The message names the field.
class ArchError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct SubnetArch {
  int64_t layers = 0;
  int64_t hidden = 0;
  int64_t head_size = 0;
  int64_t seq = 0;               // context length (<= the supernet's)
  std::vector<int64_t> heads;    // per layer, size == layers
  std::vector<int64_t> ffn;      // per layer, size == layers
  friend bool operator==(const SubnetArch&, const SubnetArch&) = default;
};

// The search space the supernet is trained on: each list holds the allowed values (sorted ascending, unique).
struct SupernetConfig {
  int64_t vocab = 0;             // set from the corpus
  int64_t context = 0;           // maximum sequence length (learned positional embeddings)
  int64_t head_size = 0;         // fixed
  std::vector<int64_t> layers;   // choices of the layer count
  std::vector<int64_t> hidden;   // choices of the shared hidden size
  std::vector<int64_t> heads;    // choices of the head count, per layer
  std::vector<int64_t> ffn;      // choices of the FFN size, per layer

  int64_t max_layers() const { return layers.back(); }
  int64_t max_hidden() const { return hidden.back(); }
  int64_t max_heads() const { return heads.back(); }
  int64_t max_ffn() const { return ffn.back(); }
  int64_t max_attn() const { return max_heads() * head_size; }
  void validate() const;  // throws ArchError

  SubnetArch largest() const;
  SubnetArch smallest() const;
  // Uniform choice of every field (layer count, hidden, then heads and ffn per layer) from rng.
  SubnetArch sample(Rng& rng) const;
  // Throws ArchError unless arch is inside the supernet (sizes within the maxima; any value, not only the
  // listed choices, is accepted so that an evaluator can try in-between sizes).
  void check(const SubnetArch& arch) const;
};

// JSON text of an arch: {"layers":L,"hidden":H,"head_size":D,"seq":T,"heads":[...],"ffn":[...]}.
std::string to_json(const SubnetArch& arch);
// Parses an arch from JSON text. `heads` and `ffn` may be a list (one per layer) or one number (every layer);
// head_size and seq default to the supernet's when `defaults` is given and they are missing. Throws ArchError
// naming the field.
SubnetArch arch_from_json(const std::string& json, const SupernetConfig* defaults = nullptr);
// A short name such as "L4-H128-h4.4.4.4-f512.512.512.512-T128".
std::string arch_name(const SubnetArch& arch);
// Parses "largest", "smallest", a JSON object or a file holding one. Throws ArchError.
SubnetArch parse_arch_arg(const std::string& arg, const SupernetConfig& space);

}  // namespace coda::models::lm
