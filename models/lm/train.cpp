#include "models/lm/train.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>

namespace coda::models::lm {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'C', 'O', 'D', 'A', 'L', 'M', '0', '1'};

nlohmann::ordered_json supernet_json(const SupernetConfig& c) {
  nlohmann::ordered_json j;
  j["vocab"] = c.vocab;
  j["context"] = c.context;
  j["head_size"] = c.head_size;
  j["layers"] = c.layers;
  j["hidden"] = c.hidden;
  j["heads"] = c.heads;
  j["ffn"] = c.ffn;
  return j;
}

nlohmann::ordered_json train_json(const TrainConfig& c) {
  nlohmann::ordered_json j;
  j["steps"] = c.steps;
  j["batch"] = c.batch;
  j["lr"] = c.lr;
  j["min_lr_ratio"] = c.min_lr_ratio;
  j["warmup_steps"] = c.warmup_steps;
  j["weight_decay"] = c.weight_decay;
  j["beta1"] = c.beta1;
  j["beta2"] = c.beta2;
  j["adam_eps"] = c.adam_eps;
  j["grad_clip"] = c.grad_clip;
  j["random_subnets"] = c.random_subnets;
  j["quantized_probs"] = c.quantized_probs;
  j["seed"] = c.seed;
  j["checkpoint_every"] = c.checkpoint_every;
  j["eval_every"] = c.eval_every;
  j["eval_windows"] = c.eval_windows;
  return j;
}

void append_tensors(std::string& out, Params& p) {
  const std::vector<float*> t = p.tensors();
  const std::vector<int64_t> n = p.sizes();
  for (size_t i = 0; i < t.size(); ++i) {
    static_assert(std::endian::native == std::endian::little, "checkpoints are little-endian float32");
    out.append(reinterpret_cast<const char*>(t[i]), static_cast<size_t>(n[i]) * sizeof(float));
  }
}

void read_tensors(const std::string& data, size_t& pos, Params& p, const fs::path& path) {
  const std::vector<float*> t = p.tensors();
  const std::vector<int64_t> n = p.sizes();
  for (size_t i = 0; i < t.size(); ++i) {
    const size_t bytes = static_cast<size_t>(n[i]) * sizeof(float);
    if (pos + bytes > data.size()) throw CorpusError(fmt::format("{}: truncated checkpoint", path.string()));
    std::memcpy(t[i], data.data() + pos, bytes);
    pos += bytes;
  }
}

// Global L2 norm of the gradient.
double grad_norm(Params& g) {
  double s = 0.0;
  const std::vector<float*> t = g.tensors();
  const std::vector<int64_t> n = g.sizes();
  for (size_t i = 0; i < t.size(); ++i) {
    for (int64_t j = 0; j < n[i]; ++j) s += static_cast<double>(t[i][j]) * t[i][j];
  }
  return std::sqrt(s);
}

}  // namespace

void TrainConfig::validate() const {
  auto need = [](bool ok, const char* key, const std::string& what) {
    if (!ok) throw ArchError(fmt::format("training.{}: {}", key, what));
  };
  need(steps >= 1, "steps", fmt::format("must be >= 1, got {}", steps));
  need(batch >= 1, "batch", fmt::format("must be >= 1, got {}", batch));
  need(lr > 0 && std::isfinite(lr), "lr", "must be > 0");
  need(min_lr_ratio >= 0 && min_lr_ratio <= 1, "min_lr_ratio", "must be in [0, 1]");
  need(warmup_steps >= 0, "warmup_steps", "must be >= 0");
  need(weight_decay >= 0, "weight_decay", "must be >= 0");
  need(beta1 >= 0 && beta1 < 1, "beta1", "must be in [0, 1)");
  need(beta2 >= 0 && beta2 < 1, "beta2", "must be in [0, 1)");
  need(adam_eps > 0, "adam_eps", "must be > 0");
  need(grad_clip >= 0, "grad_clip", "must be >= 0");
  need(random_subnets >= 0, "random_subnets", "must be >= 0");
  need(quantized_probs >= 0 && quantized_probs <= 32767, "quantized_probs",
       fmt::format("must be 0 (off) or the probability levels (127 for int8), got {}", quantized_probs));
  need(checkpoint_every >= 0, "checkpoint_every", "must be >= 0");
  need(eval_every >= 0, "eval_every", "must be >= 0");
  need(eval_windows >= 1, "eval_windows", "must be >= 1");
}

double learning_rate(const TrainConfig& c, int64_t step) {
  if (step < c.warmup_steps) return c.lr * static_cast<double>(step + 1) / static_cast<double>(c.warmup_steps);
  const int64_t decay = std::max<int64_t>(1, c.steps - c.warmup_steps);
  const double t = std::min(1.0, static_cast<double>(step - c.warmup_steps) / static_cast<double>(decay));
  const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * t));
  return c.lr * (c.min_lr_ratio + (1.0 - c.min_lr_ratio) * cosine);
}

void save_checkpoint(const Checkpoint& ck, const fs::path& path, bool with_optimizer) {
  const bool opt = with_optimizer && ck.has_optimizer;
  nlohmann::ordered_json j;
  j["format"] = "coda-lm-checkpoint";
  j["version"] = 1;
  j["supernet"] = supernet_json(ck.supernet);
  j["training"] = train_json(ck.train);
  j["vocab"] = ck.vocab_chars;
  j["corpus"] = ck.corpus_source;
  j["step"] = ck.step;
  j["rng_state"] = fmt::format("{:016x}", ck.rng_state);
  if (opt) j["train_seconds"] = ck.train_seconds;  // wall time only in the state file: weights stay byte-identical
  j["recent_losses"] = ck.recent_losses;
  j["last_loss_largest"] = ck.last_loss_largest;
  j["last_loss_smallest"] = ck.last_loss_smallest;
  j["valid_ppl_largest"] = ck.valid_ppl_largest;
  j["valid_ppl_smallest"] = ck.valid_ppl_smallest;
  j["command"] = ck.command;
  j["parameters"] = ck.params.count();
  j["has_optimizer"] = opt;
  const std::string header = j.dump();
  std::string out(kMagic, sizeof kMagic);
  const uint64_t len = header.size();
  out.append(reinterpret_cast<const char*>(&len), sizeof len);
  out += header;
  append_tensors(out, const_cast<Params&>(ck.params));
  if (opt) {
    append_tensors(out, const_cast<Params&>(ck.adam_m));
    append_tensors(out, const_cast<Params&>(ck.adam_v));
  }
  write_file_atomic(path, out);
}

Checkpoint load_checkpoint(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw CorpusError(fmt::format("{}: cannot read checkpoint", path.string()));
  std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (data.size() < 16 || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0) {
    throw CorpusError(fmt::format("{}: not a coda LM checkpoint", path.string()));
  }
  uint64_t len = 0;
  std::memcpy(&len, data.data() + 8, sizeof len);
  if (len > data.size() - 16) throw CorpusError(fmt::format("{}: truncated checkpoint header", path.string()));
  Checkpoint ck;
  try {
    const auto j = nlohmann::json::parse(data.substr(16, len));
    const auto& s = j.at("supernet");
    ck.supernet.vocab = s.at("vocab");
    ck.supernet.context = s.at("context");
    ck.supernet.head_size = s.at("head_size");
    ck.supernet.layers = s.at("layers").get<std::vector<int64_t>>();
    ck.supernet.hidden = s.at("hidden").get<std::vector<int64_t>>();
    ck.supernet.heads = s.at("heads").get<std::vector<int64_t>>();
    ck.supernet.ffn = s.at("ffn").get<std::vector<int64_t>>();
    const auto& t = j.at("training");
    TrainConfig& c = ck.train;
    c.steps = t.at("steps");
    c.batch = t.at("batch");
    c.lr = t.at("lr");
    c.min_lr_ratio = t.at("min_lr_ratio");
    c.warmup_steps = t.at("warmup_steps");
    c.weight_decay = t.at("weight_decay");
    c.beta1 = t.at("beta1");
    c.beta2 = t.at("beta2");
    c.adam_eps = t.at("adam_eps");
    c.grad_clip = t.at("grad_clip");
    c.random_subnets = t.at("random_subnets");
    c.quantized_probs = t.value("quantized_probs", int64_t{0});  // absent in checkpoints before the option
    c.seed = t.at("seed");
    c.checkpoint_every = t.at("checkpoint_every");
    c.eval_every = t.at("eval_every");
    c.eval_windows = t.at("eval_windows");
    ck.vocab_chars = j.at("vocab");
    ck.corpus_source = j.value("corpus", "");
    ck.step = j.at("step");
    ck.rng_state = std::stoull(j.at("rng_state").get<std::string>(), nullptr, 16);
    ck.train_seconds = j.value("train_seconds", 0.0);
    ck.recent_losses = j.value("recent_losses", std::vector<double>{});
    ck.last_loss_largest = j.value("last_loss_largest", 0.0);
    ck.last_loss_smallest = j.value("last_loss_smallest", 0.0);
    ck.valid_ppl_largest = j.value("valid_ppl_largest", 0.0);
    ck.valid_ppl_smallest = j.value("valid_ppl_smallest", 0.0);
    ck.command = j.value("command", "");
    ck.has_optimizer = j.value("has_optimizer", false);
  } catch (const nlohmann::json::exception& e) {
    throw CorpusError(fmt::format("{}: bad checkpoint header: {}", path.string(), e.what()));
  }
  ck.supernet.validate();
  ck.train.validate();
  if (Vocab::from_chars(ck.vocab_chars).size() != ck.supernet.vocab) {
    throw ArchError(fmt::format("{}: vocab does not match supernet.vocab", path.string()));
  }
  size_t pos = 16 + len;
  ck.params = zero_params(ck.supernet);
  read_tensors(data, pos, ck.params, path);
  if (ck.has_optimizer) {
    ck.adam_m = zero_params(ck.supernet);
    ck.adam_v = zero_params(ck.supernet);
    read_tensors(data, pos, ck.adam_m, path);
    read_tensors(data, pos, ck.adam_v, path);
  }
  if (pos != data.size()) throw CorpusError(fmt::format("{}: trailing bytes after the tensors", path.string()));
  return ck;
}

int64_t window_count(int64_t tokens, int64_t seq, int64_t max_windows) {
  const int64_t n = tokens > 0 ? (tokens - 1) / seq : 0;
  return max_windows > 0 ? std::min(n, max_windows) : n;
}

double float_nll(const Params& p, const SubnetArch& arch, std::span<const int32_t> tokens, int64_t max_windows) {
  const int64_t T = arch.seq;
  const int64_t windows = window_count(std::ssize(tokens), T, max_windows);
  if (windows < 1) throw ArchError("evaluation: the text is shorter than one window");
  constexpr int64_t kGroup = 16;
  ForwardCache cache;
  double total = 0.0;
  std::vector<int32_t> in, tgt;
  for (int64_t w0 = 0; w0 < windows; w0 += kGroup) {
    const int64_t g = std::min(kGroup, windows - w0);
    in.clear(), tgt.clear();
    for (int64_t w = w0; w < w0 + g; ++w) {
      const auto start = static_cast<size_t>(w * T);
      in.insert(in.end(), tokens.begin() + static_cast<std::ptrdiff_t>(start),
                tokens.begin() + static_cast<std::ptrdiff_t>(start + static_cast<size_t>(T)));
      tgt.insert(tgt.end(), tokens.begin() + static_cast<std::ptrdiff_t>(start + 1),
                 tokens.begin() + static_cast<std::ptrdiff_t>(start + 1 + static_cast<size_t>(T)));
    }
    forward(p, arch, in, cache);
    total += softmax_xent_sum(cache.logits, tgt);
  }
  return total / static_cast<double>(windows * T);
}

Trainer::Trainer(const SupernetConfig& supernet, const TrainConfig& train, const Vocab& vocab, std::string source) {
  supernet.validate();
  train.validate();
  if (vocab.size() != supernet.vocab) throw ArchError("supernet.vocab: does not match the corpus vocabulary");
  ck_.supernet = supernet;
  ck_.train = train;
  ck_.vocab_chars = vocab.chars_utf8();
  ck_.corpus_source = std::move(source);
  ck_.params = init_params(supernet, train.seed);
  ck_.adam_m = zero_params(supernet);
  ck_.adam_v = zero_params(supernet);
  ck_.has_optimizer = true;
  ck_.rng_state = Rng(train.seed, 0xba7c4).state();
  grads_ = zero_params(supernet);
}

Trainer::Trainer(Checkpoint ck) : ck_(std::move(ck)) {
  if (!ck_.has_optimizer) throw ArchError("resume: the checkpoint has no optimizer state (use the .state file)");
  grads_ = zero_params(ck_.supernet);
}

double Trainer::step(std::span<const int32_t> train_tokens, TrainProgress* info) {
  const SupernetConfig& sc = ck_.supernet;
  const TrainConfig& tc = ck_.train;
  const int64_t T = sc.context;
  if (std::ssize(train_tokens) < T + 2) throw ArchError("training: the training text is shorter than one window");
  Rng rng;
  rng.set_state(ck_.rng_state);
  // The batch: random windows (the same for every subnet of the sandwich).
  std::vector<int32_t> in, tgt;
  in.reserve(static_cast<size_t>(tc.batch * T));
  tgt.reserve(static_cast<size_t>(tc.batch * T));
  const auto span_n = static_cast<uint64_t>(std::ssize(train_tokens) - T - 1);
  for (int64_t b = 0; b < tc.batch; ++b) {
    const auto start = static_cast<std::ptrdiff_t>(rng.below(span_n));
    in.insert(in.end(), train_tokens.begin() + start, train_tokens.begin() + start + T);
    tgt.insert(tgt.end(), train_tokens.begin() + start + 1, train_tokens.begin() + start + 1 + T);
  }
  std::vector<SubnetArch> subnets{sc.largest(), sc.smallest()};
  for (int64_t i = 0; i < tc.random_subnets; ++i) subnets.push_back(sc.sample(rng));
  ck_.rng_state = rng.state();

  set_zero(grads_);
  const float scale = 1.0f / static_cast<float>(subnets.size());
  double sum = 0.0;
  std::vector<double> losses;
  for (const SubnetArch& a : subnets) {
    losses.push_back(forward_backward(ck_.params, a, in, tgt, grads_, scale, cache_,
                                       static_cast<int>(tc.quantized_probs)));
    sum += losses.back();
  }
  const double loss = sum / static_cast<double>(subnets.size());

  // AdamW with bias correction and global-norm clipping.
  const double norm = grad_norm(grads_);
  const double clip = (tc.grad_clip > 0 && norm > tc.grad_clip) ? tc.grad_clip / norm : 1.0;
  const double lr = learning_rate(tc, ck_.step);
  const double t = static_cast<double>(ck_.step + 1);
  const double bc1 = 1.0 - std::pow(tc.beta1, t), bc2 = 1.0 - std::pow(tc.beta2, t);
  const std::vector<float*> P = ck_.params.tensors(), G = grads_.tensors(), M = ck_.adam_m.tensors(),
                            V = ck_.adam_v.tensors();
  const std::vector<int64_t> n = ck_.params.sizes();
  const std::vector<bool> decay = ck_.params.decayed();
  const auto b1 = static_cast<float>(tc.beta1), b2 = static_cast<float>(tc.beta2);
  const auto step_size = static_cast<float>(lr / bc1);
  const auto inv_bc2 = static_cast<float>(1.0 / bc2);
  const auto eps = static_cast<float>(tc.adam_eps);
  const auto cl = static_cast<float>(clip);
  for (size_t i = 0; i < P.size(); ++i) {
    const float wd = decay[i] ? static_cast<float>(1.0 - lr * tc.weight_decay) : 1.0f;
    float* p = P[i];
    float* m = M[i];
    float* v = V[i];
    const float* g = G[i];
    for (int64_t j = 0; j < n[i]; ++j) {
      const float gj = g[j] * cl;
      m[j] = b1 * m[j] + (1.0f - b1) * gj;
      v[j] = b2 * v[j] + (1.0f - b2) * gj * gj;
      p[j] = p[j] * wd - step_size * m[j] / (std::sqrt(v[j] * inv_bc2) + eps);
    }
  }
  ck_.step += 1;
  ck_.last_loss_largest = losses[0];
  ck_.last_loss_smallest = losses[1];
  ck_.recent_losses.push_back(loss);
  if (ck_.recent_losses.size() > 50) ck_.recent_losses.erase(ck_.recent_losses.begin());
  if (info != nullptr) {
    info->loss = loss;
    info->loss_largest = losses[0];
    info->loss_smallest = losses[1];
    info->lr = lr;
  }
  return loss;
}

void Trainer::run(std::span<const int32_t> train_tokens, std::span<const int32_t> valid_tokens, const fs::path& path,
                  const std::function<void(const TrainProgress&)>& progress) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const double seconds0 = ck_.train_seconds;
  int64_t tokens_done = 0;
  const int64_t tokens_per_step = ck_.train.batch * ck_.supernet.context * (2 + ck_.train.random_subnets);
  auto save = [&] {
    save_checkpoint(ck_, path.string() + ".state", true);
    save_checkpoint(ck_, path, false);
  };
  while (ck_.step < ck_.train.steps) {
    TrainProgress info;
    step(train_tokens, &info);
    tokens_done += tokens_per_step;
    const double elapsed = std::chrono::duration<double>(clock::now() - t0).count();
    ck_.train_seconds = seconds0 + elapsed;
    info.step = ck_.step;
    info.steps = ck_.train.steps;
    info.seconds = ck_.train_seconds;
    info.tokens_per_s = elapsed > 0 ? static_cast<double>(tokens_done) / elapsed : 0.0;
    const bool last = ck_.step == ck_.train.steps;
    if (!valid_tokens.empty() && ((ck_.train.eval_every > 0 && ck_.step % ck_.train.eval_every == 0) || last)) {
      ck_.valid_ppl_largest = std::exp(float_nll(ck_.params, ck_.supernet.largest(), valid_tokens, ck_.train.eval_windows));
      ck_.valid_ppl_smallest =
          std::exp(float_nll(ck_.params, ck_.supernet.smallest(), valid_tokens, ck_.train.eval_windows));
      info.evaluated = true;
      info.valid_ppl_largest = ck_.valid_ppl_largest;
      info.valid_ppl_smallest = ck_.valid_ppl_smallest;
    }
    if ((ck_.train.checkpoint_every > 0 && ck_.step % ck_.train.checkpoint_every == 0) || last) {
      save();
      info.checkpointed = true;
    }
    if (progress) progress(info);
  }
}

}  // namespace coda::models::lm
