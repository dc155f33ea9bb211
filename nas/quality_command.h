#pragma once
// The `command` evaluator: runs a user program (through /bin/sh -c, so it may carry arguments) once per
// batch, writes one candidate JSON per line to its stdin, closes stdin, and reads one perplexity per line from
// its stdout. Any of these is a QualityError naming the program: it cannot start, it exits non-zero or dies of
// a signal, it answers a line that is not a number, a non-finite number, or more/fewer lines than candidates.
// A program that dies early never hangs or kills the search (SIGPIPE is blocked while writing, EPIPE handled);
// its stderr is captured and quoted (last lines) in the error.
#include <memory>
#include <string>

#include "nas/quality.h"

namespace coda::nas {

class CommandQuality final : public QualityEvaluator {
 public:
  explicit CommandQuality(std::string command);
  std::string label() const override { return "command:" + command_; }
  std::vector<double> evaluate(const std::vector<nlohmann::json>& candidates) override;

 private:
  std::string command_;
};

}  // namespace coda::nas
