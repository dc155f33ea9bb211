// A lazily produced command stream: the compiler's lowering implements it, the loop unroller wraps it,
// the engine pulls from it. Nothing requires the whole stream to sit in memory.
#pragma once

#include <cstdint>

#include "sim/isa/command.h"

namespace coda::engine {

class CommandSource {
 public:
  virtual ~CommandSource() = default;
  // Produces the next command; false at the end of the stream.
  virtual bool next(isa::Command& cmd) = 0;
  // Arguments of a LoopWs macro-command (valid until the next call of next()).
  virtual const isa::LoopWsArgs& loop_args(uint32_t index) const = 0;
};

}  // namespace coda::engine
