// Training the supernet: AdamW with linear warm-up and cosine decay, BigNAS sandwich rule (the largest, the
// smallest and `random_subnets` uniformly sampled subnets on the same batch every step, gradients averaged),
// global gradient-norm clipping, checkpoints with the full optimizer and RNG state (so that a resumed run is
// bit-identical to an uninterrupted one), and float evaluation.
//
// Determinism: every random draw comes from lm::Rng (batch positions, subnet samples, initialization); Eigen
// runs single-threaded; so the same corpus, config and seed give byte-identical checkpoints.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "models/lm/arch.h"
#include "models/lm/corpus.h"
#include "models/lm/model.h"

namespace coda::models::lm {

struct TrainConfig {
  int64_t steps = 1000;
  int64_t batch = 16;            // sequences per step (each of the supernet's context length)
  double lr = 2e-3;              // peak learning rate
  double min_lr_ratio = 0.1;     // final lr = lr * min_lr_ratio (cosine)
  int64_t warmup_steps = 100;    // linear warm-up from 0
  double weight_decay = 0.01;    // AdamW, on weight matrices and embeddings only
  double beta1 = 0.9, beta2 = 0.99, adam_eps = 1e-8;
  double grad_clip = 1.0;        // global L2 norm; 0 disables
  int64_t random_subnets = 2;    // sandwich: largest + smallest + this many random subnets
  // Quantization-aware training of the attention probabilities (attention_forward): 0 off; 127 rounds them as the
  // integer datapath stores them (int8, scale 1/127). Evaluation (float_nll) always runs the float model.
  int64_t quantized_probs = 0;
  uint64_t seed = 1;
  int64_t checkpoint_every = 100;  // steps; 0: only at the end
  int64_t eval_every = 100;        // steps; 0: never during training
  int64_t eval_windows = 16;       // validation windows per evaluation during training
  void validate() const;           // throws ArchError naming the field (training.<key>)
};

// Learning rate at `step` (0-based): linear warm-up to lr over warmup_steps, then cosine to lr * min_lr_ratio.
double learning_rate(const TrainConfig& c, int64_t step);

// What a checkpoint holds: the model (config, vocab, params), and for resuming the optimizer and RNG state.
struct Checkpoint {
  SupernetConfig supernet;
  TrainConfig train;
  std::string vocab_chars;   // Vocab::chars_utf8()
  std::string corpus_source;
  Params params;
  // Training state.
  int64_t step = 0;          // steps done
  uint64_t rng_state = 0;
  double train_seconds = 0;  // cumulative wall time of the training steps
  std::vector<double> recent_losses;  // mean sandwich loss of the last steps (at most 50)
  double last_loss_largest = 0, last_loss_smallest = 0;
  double valid_ppl_largest = 0, valid_ppl_smallest = 0;  // last evaluation (float, eval_windows windows)
  std::string command;       // the command line that made it (provenance)
  bool has_optimizer = false;
  Params adam_m, adam_v;
};

// Binary checkpoint: "CODALM01", a JSON header (length-prefixed, little-endian u64) and float32 tensors in
// Params::tensors() order (params, then Adam m and v when with_optimizer). Written atomically.
void save_checkpoint(const Checkpoint& ck, const std::filesystem::path& path, bool with_optimizer);
// Throws CorpusError (file problems) or ArchError (inconsistent header).
Checkpoint load_checkpoint(const std::filesystem::path& path);

// Non-overlapping windows of seq + 1 tokens from the start of `tokens`, at most max_windows (0: all).
int64_t window_count(int64_t tokens, int64_t seq, int64_t max_windows);
// Mean negative log-likelihood (nats per character) of the float subnet over those windows; every position of
// a window is predicted (position t from the window's first t + 1 characters).
double float_nll(const Params& p, const SubnetArch& arch, std::span<const int32_t> tokens, int64_t max_windows);

struct TrainProgress {
  int64_t step = 0, steps = 0;
  double loss = 0, loss_largest = 0, loss_smallest = 0;
  double lr = 0;
  double tokens_per_s = 0;     // tokens processed (all sandwich subnets) per second of this run
  double seconds = 0;          // cumulative training wall time
  bool evaluated = false;
  double valid_ppl_largest = 0, valid_ppl_smallest = 0;
  bool checkpointed = false;
};

class Trainer {
 public:
  // Fresh training.
  Trainer(const SupernetConfig& supernet, const TrainConfig& train, const Vocab& vocab, std::string corpus_source);
  // Resume from a checkpoint with optimizer state (throws ArchError if it has none). train.steps may be raised.
  explicit Trainer(Checkpoint ck);

  // Runs until checkpoint().step == steps; saves to `path` every checkpoint_every steps and at the end
  // (and the optimizer state to path + ".state"); calls progress after each step.
  void run(std::span<const int32_t> train_tokens, std::span<const int32_t> valid_tokens,
           const std::filesystem::path& path, const std::function<void(const TrainProgress&)>& progress);
  // One sandwich step; returns the mean loss.
  double step(std::span<const int32_t> train_tokens, TrainProgress* info = nullptr);

  const Checkpoint& checkpoint() const { return ck_; }
  Checkpoint& checkpoint() { return ck_; }

 private:
  Checkpoint ck_;
  Params grads_;
  ForwardCache cache_;
};

}  // namespace coda::models::lm
