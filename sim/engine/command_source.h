// A lazily produced command stream: the compiler's lowering implements it, the loop unroller wraps it,
// the engine pulls from it. Nothing requires the whole stream to sit in memory.
#pragma once

#include <array>
#include <cstdint>

#include "sim/isa/command.h"

namespace coda::engine {

// What a command producer sees of the reservation station, as Gemmini's ld/ex/st utilization signals let the
// loop unrollers see it: the cycle at which a command of a given kind could enter next (later than the next
// dispatch cycle when that kind's entries are all taken).
class DispatchView {
 public:
  virtual ~DispatchView() = default;
  // For each controller type k (0 load, 1 execute, 2 store) with need[k]: t[k] = the cycle a command of that
  // type could enter now. Simulates pending commands until each needed type has an entry with a known free
  // time (types in order), then reads all the times (simulating for one type can only make another's earlier).
  virtual void dispatch_times(const std::array<bool, 3>& need, std::array<uint64_t, 3>& t) = 0;
};

class CommandSource {
 public:
  virtual ~CommandSource() = default;
  // Produces the next command; false at the end of the stream.
  virtual bool next(isa::Command& cmd) = 0;
  // Arguments of a LoopWs macro-command (valid until the next call of next()).
  virtual const isa::LoopWsArgs& loop_args(uint32_t index) const = 0;
  // The engine attaches its reservation station before pulling (and detaches with nullptr after).
  virtual void attach(DispatchView*) {}
  // The cycle from which the command last produced may enter the reservation station: when the stream comes
  // from a host that issues commands over time (sim/tlm), a command cannot dispatch before it arrived. 0 when
  // the whole stream is available at once.
  virtual uint64_t arrival() const { return 0; }
  // Whether next() would return without waiting for the producer (always, for a stream available at once). A
  // consumer that reads ahead (the loop unroller) does so only when it is, or when it has nothing else to do.
  virtual bool ready() { return true; }
};

}  // namespace coda::engine
