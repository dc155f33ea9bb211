// Loads the language-model supernet's search space and training recipe from a space YAML
// (configs/nas/kjv-space.yaml; format in docs/lm.md): the `supernet:`, `training:` and `evaluation:` sections.
// Other top-level sections (e.g. the NAS search's own) are left to their readers. Problems are reported as a
// coda::config::InputError whose diagnostics read `file:line:column: key.path: message`.
#pragma once

#include <cstdint>
#include <string>

#include "models/lm/arch.h"
#include "models/lm/train.h"
#include "sim/config/diagnostics.h"

namespace coda::config {

struct SupernetSpace {
  models::lm::SupernetConfig supernet;  // vocab left 0: it comes from the corpus
  models::lm::TrainConfig training;
  int64_t valid_windows = 32;           // evaluation.valid_windows: the fixed validation subset for NAS
};

SupernetSpace load_supernet_space(const std::string& path);
SupernetSpace parse_supernet_space(const std::string& yaml, const std::string& origin = "<string>");

}  // namespace coda::config
