// Shared by the language-model subcommands (data, train, ppl): corpus loading and error mapping.
#pragma once

#include <fmt/core.h>

#include <functional>
#include <string>
#include <vector>

#include "models/lm/arch.h"
#include "models/lm/corpus.h"

namespace coda::cli {

struct LmCorpus {
  models::lm::CorpusSplit split;
  models::lm::Vocab vocab;
  std::vector<int32_t> train, valid, test;
};

// From a `coda data kjv` directory, a text file, or (both empty) the KJV extracted on the fly.
inline LmCorpus load_lm_corpus(const std::string& dir, const std::string& file) {
  LmCorpus c;
  c.split = !dir.empty() ? models::lm::read_corpus(dir)
            : !file.empty() ? models::lm::file_corpus(file)
                            : models::lm::kjv_corpus();
  c.vocab = models::lm::corpus_vocab(c.split);
  c.train = c.vocab.encode(c.split.train, "train");
  c.valid = c.vocab.encode(c.split.valid, "valid");
  c.test = c.vocab.encode(c.split.test, "test");
  return c;
}

// Runs f; corpus and architecture errors become a message and exit code 2.
inline int run_lm_guarded(const std::function<int()>& f) {
  try {
    return f();
  } catch (const models::lm::CorpusError& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  } catch (const models::lm::ArchError& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  }
}

}  // namespace coda::cli
