// `coda train`: train the language-model supernet of a space YAML (BigNAS sandwich rule, AdamW), with
// checkpoints (CKPT: weights; CKPT.state: weights + optimizer + RNG, for --resume). Logic in models/lm/train.h.
#include <fmt/core.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/lm_common.h"
#include "models/lm/train.h"
#include "sim/config/supernet_loader.h"

namespace coda::cli {

namespace {
struct TrainArgs {
  std::string space, out, data, corpus;
  int64_t steps = 0;
  int64_t seed = -1;
  int64_t print_every = 10;
  bool resume = false;
  std::string command;
};
}  // namespace

void add_train_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* sub = app.add_subcommand("train", "Train the character-level LM supernet of a space YAML (see docs/lm.md)");
  sub->add_option("-s,--space", args->space, "Space YAML with supernet: and training: sections")
      ->type_name("SPACE.yaml")
      ->required();
  sub->add_option("-o,--out", args->out, "Checkpoint to write (and CKPT.state with the optimizer state)")
      ->type_name("CKPT")
      ->required();
  sub->add_option("--steps", args->steps, "Total training steps (overrides training.steps)")->type_name("N");
  sub->add_option("--seed", args->seed, "Seed (overrides training.seed)")->type_name("S");
  sub->add_option("--data", args->data, "Corpus directory written by `coda data kjv` (default: extract the KJV)")
      ->type_name("DIR");
  sub->add_option("--corpus", args->corpus, "UTF-8 text file to train on instead of the KJV")->type_name("FILE");
  sub->add_flag("--resume", args->resume, "Continue from CKPT.state (same corpus; --steps may extend the run)");
  sub->add_option("--print-every", args->print_every, "Progress line every N steps")->capture_default_str();
  sub->callback([args, sub, &action] {
    args->command = "coda train";
    for (const auto& opt : sub->get_options()) {
      if (opt->count() == 0 || opt->get_name() == "--help") continue;
      args->command += " " + opt->get_name(false, true).substr(0, opt->get_name(false, true).find(','));
      if (opt->get_expected_min() > 0) args->command += " " + opt->as<std::string>();
    }
    action = [args]() -> int {
      return run_lm_guarded([&] {
        const config::SupernetSpace space = config::load_supernet_space(args->space);
        const LmCorpus corpus = load_lm_corpus(args->data, args->corpus);
        models::lm::SupernetConfig sn = space.supernet;
        sn.vocab = corpus.vocab.size();
        std::unique_ptr<models::lm::Trainer> trainer;
        if (args->resume) {
          models::lm::Checkpoint ck = models::lm::load_checkpoint(args->out + ".state");
          if (ck.vocab_chars != corpus.vocab.chars_utf8()) {
            throw models::lm::CorpusError("resume: the corpus vocabulary differs from the checkpoint's");
          }
          if (args->steps > 0) ck.train.steps = args->steps;
          trainer = std::make_unique<models::lm::Trainer>(std::move(ck));
          fmt::print("resuming at step {} of {}\n", trainer->checkpoint().step, trainer->checkpoint().train.steps);
        } else {
          models::lm::TrainConfig tc = space.training;
          if (args->steps > 0) tc.steps = args->steps;
          if (args->seed >= 0) tc.seed = static_cast<uint64_t>(args->seed);
          trainer = std::make_unique<models::lm::Trainer>(sn, tc, corpus.vocab, corpus.split.source);
          trainer->checkpoint().command = args->command;
        }
        const auto& ck = trainer->checkpoint();
        fmt::print("supernet: {} parameters; largest {}, smallest {}; corpus {} (train {} chars, valid {})\n",
                   ck.params.count(), models::lm::arch_name(ck.supernet.largest()),
                   models::lm::arch_name(ck.supernet.smallest()), corpus.split.source, corpus.train.size(),
                   corpus.valid.size());
        std::fflush(stdout);
        const int64_t every = std::max<int64_t>(1, args->print_every);
        trainer->run(corpus.train, corpus.valid, args->out, [&](const models::lm::TrainProgress& p) {
          if (p.step % every == 0 || p.evaluated || p.step == p.steps) {
            fmt::print("step {:>6}/{}  loss {:.4f} (largest {:.4f}, smallest {:.4f})  lr {:.2e}  {:.0f} tok/s  {:.0f} s",
                       p.step, p.steps, p.loss, p.loss_largest, p.loss_smallest, p.lr, p.tokens_per_s, p.seconds);
            if (p.evaluated) {
              fmt::print("  valid ppl largest {:.3f} smallest {:.3f}", p.valid_ppl_largest, p.valid_ppl_smallest);
            }
            if (p.checkpointed) fmt::print("  [saved]");
            fmt::print("\n");
            std::fflush(stdout);
          }
        });
        fmt::print("done: {} steps in {:.0f} s -> {} (and {}.state)\n", ck.step, ck.train_seconds, args->out, args->out);
        return 0;
      });
    };
  });
}

}  // namespace coda::cli
