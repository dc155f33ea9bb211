#pragma once
// A hand-written command stream for engine tests of single operations (no loop unroller, no LOOP_WS).
#include <cstddef>
#include <vector>

#include "sim/engine/command_source.h"
#include "sim/isa/command.h"

namespace coda::testing {

class VectorSource final : public engine::CommandSource {
 public:
  std::vector<isa::Command> cmds;
  std::size_t pos = 0;
  bool next(isa::Command& c) override {
    if (pos >= cmds.size()) return false;
    c = cmds[pos++];
    return true;
  }
  const isa::LoopWsArgs& loop_args(uint32_t) const override { return args_; }

 private:
  isa::LoopWsArgs args_;
};

}  // namespace coda::testing
