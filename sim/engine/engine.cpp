#include "sim/engine/engine.h"

#include <algorithm>
#include <stdexcept>

namespace coda::engine {

const char* unit_name(Unit u) {
  switch (u) {
    case Unit::Load: return "load";
    case Unit::Execute: return "execute";
    case Unit::Store: return "store";
    case Unit::Host: return "host";
  }
  return "?";
}

EngineContext::EngineContext(const config::HwConfig& h, bool fn, Dram* external_dram)
    : hw(h),
      functional(fn),
      dim(h.dim()),
      own_dram(external_dram ? nullptr : make_dram(h.dram)),
      dram(external_dram ? external_dram : own_dram.get()),
      dma_read(h.dma, *dram, counters, false),
      dma_write(h.dma, *dram, counters, true),
      sp(h, counters, fn),
      acc(h, counters, fn),
      mesh(h, fn),
      normalizer(h),
      activation(h) {}

Engine::Engine(const config::HwConfig& hw, EngineOptions options)
    : hw_(hw), ctx_(hw_, options.functional, options.dram), rs_(hw_), load_(ctx_), execute_(ctx_), store_(ctx_) {
  ctx_.backend = options.memory;
  if (options.functional && !options.memory) ctx_.memory.assign(options.memory_bytes, 0);
  ctx_.numerics = options.numerics;
  ctx_.host = options.host;
  const std::array<int64_t, 3> entries{hw_.reservation_station.load_entries, hw_.reservation_station.execute_entries,
                                       hw_.reservation_station.store_entries};
  const std::array<int64_t, 3> depth{hw_.queue.load, hw_.queue.execute, hw_.queue.store};
  uint64_t window = 0;
  for (size_t i = 0; i < 3; ++i) {
    queues_[i].ring.resize(static_cast<size_t>(entries[i]) + 1);
    inflight_[i].assign(static_cast<size_t>(std::max<int64_t>(1, depth[i])), 0);
    window += static_cast<uint64_t>(entries[i]);
  }
  size_t ring = 1;
  while (ring < 64 * window) ring <<= 1;
  done_ring_.assign(std::max<size_t>(ring, 1 << 12), 0);
  done_tag_.assign(done_ring_.size(), 0);
  done_mask_ = done_ring_.size() - 1;
}

uint64_t Engine::done_of(uint64_t seq, size_t ctrl) const {
  if (seq == 0) return 0;
  const uint64_t slot = seq & done_mask_;
  if (done_tag_[slot] == ((seq << 2) | ctrl)) return done_ring_[slot];
  return evicted_done_[ctrl];  // older than the ring
}

uint64_t Engine::deps_done(const Pending& p) const {
  uint64_t t = 0;
  for (size_t c = 0; c < 3; ++c) t = std::max(t, done_of(p.dep[c], c));
  return t;
}

bool Engine::ready(const Pending& p) const {
  for (size_t c = 0; c < 3; ++c)
    if (p.dep[c] > last_sim_seq_[c]) return false;
  return true;
}

uint64_t Engine::dispatch_time(isa::Opcode op) {
  const Ctrl type = controller_of(op);
  uint64_t free_t = rs_.entry_free_time(type);
  while (free_t == ReservationStation::kUnknown) {
    step();
    free_t = rs_.entry_free_time(type);
  }
  return std::max({dispatch_floor(), free_t});
}

uint64_t Engine::dispatch_floor() const {
  const uint64_t arrival = source_ ? source_->arrival() : 0;
  return std::max({last_dispatch_ + (seq_ ? 1 : 0), barrier_, arrival});
}

bool Engine::pending() const { return queues_[0].size + queues_[1].size + queues_[2].size > 0; }

uint64_t Engine::horizon() const {
  // A command starts after its dispatch cycle and issues DRAM requests no earlier than its start; dispatch
  // cycles grow with seq, so the oldest pending command of each controller bounds that controller.
  uint64_t h = std::max(last_dispatch_ + (seq_ ? 1 : 0), barrier_);
  for (const Queue& q : queues_)
    if (q.size) h = std::min(h, q.ring[q.head].dispatch + 1);
  return h;
}

void Engine::dispatch(const isa::Command& cmd) {
  const Ctrl type = controller_of(cmd.opcode);
  const auto ti = static_cast<size_t>(type);
  uint64_t free_t = rs_.entry_free_time(type);
  while (free_t == ReservationStation::kUnknown) {
    step();
    free_t = rs_.entry_free_time(type);
  }
  const uint64_t earliest = dispatch_floor();
  uint64_t t = earliest;
  if (free_t > t) {
    ctx_.counters.rs_full_cycles += free_t - t;
    ctx_.counters.rs_full_cycles_by_type[ti] += free_t - t;
    t = free_t;
  }
  Pending p;
  p.cmd = cmd;
  p.seq = ++seq_;
  p.dispatch = t;
  rs_.occupy(type, p.seq);
  rs_.track(p, type);
  last_dispatch_ = t;
  queues_[ti].push(p);
  ++ctx_.counters.commands;
  ++ctx_.counters.commands_by_opcode[static_cast<size_t>(cmd.opcode) & 15];
}

bool Engine::step() {
  // Among the controllers' oldest commands whose producers are simulated, take the earliest to start.
  int best = -1;
  uint64_t best_t = ~0ull;
  std::array<uint64_t, 3> dep_done{};
  const std::array<uint64_t, 3> free_at{load_.free_at(), execute_.free_at(), store_.free_at()};
  for (size_t c = 0; c < 3; ++c) {
    if (queues_[c].size == 0) continue;
    const Pending& p = queues_[c].front();
    if (!ready(p)) continue;
    dep_done[c] = deps_done(p);
    const uint64_t t = std::max({p.dispatch + 1, free_at[c], dep_done[c], inflight_[c][inflight_pos_[c]]});
    if (t < best_t) {
      best_t = t;
      best = static_cast<int>(c);
    }
  }
  if (best < 0) {
    for (size_t c = 0; c < 3; ++c)
      if (queues_[c].size) throw std::logic_error("engine: pending commands with unsatisfiable dependencies");
    return false;
  }
  const auto c = static_cast<size_t>(best);
  Pending& p = queues_[c].front();
  const uint64_t ready_t = std::max(p.dispatch + 1, inflight_[c][inflight_pos_[c]]);
  const uint64_t dep_t = dep_done[c];
  if (dep_t > ready_t) ctx_.counters.dep_wait_cycles[c] += dep_t - ready_t;
  const uint64_t earliest = std::max(ready_t, dep_t);
  Timing tm;
  switch (static_cast<Ctrl>(c)) {
    case Ctrl::Load: tm = load_.simulate(p, earliest); break;
    case Ctrl::Execute: tm = execute_.simulate(p, earliest); break;
    case Ctrl::Store: tm = store_.simulate(p, earliest); break;
  }
  inflight_[c][inflight_pos_[c]] = tm.end;
  if (++inflight_pos_[c] == inflight_[c].size()) inflight_pos_[c] = 0;
  const uint64_t slot = p.seq & done_mask_;
  if (done_tag_[slot]) {
    const auto ec = static_cast<size_t>(done_tag_[slot] & 3);
    evicted_done_[ec] = std::max(evicted_done_[ec], done_ring_[slot]);
  }
  done_ring_[slot] = tm.end;
  done_tag_[slot] = (p.seq << 2) | c;
  last_sim_seq_[c] = p.seq;
  total_ = std::max(total_, tm.end);
  rs_.complete(static_cast<Ctrl>(c), p.seq, tm.end);
  ctx_.record(p.cmd.op, static_cast<Unit>(c), tm.start, tm.end);
  if (observer_) observer_->on_command(p.cmd, p.seq, p.dispatch, tm.start, tm.end);
  queues_[c].pop();
  return true;
}

void Engine::drain() {
  while (step()) {
  }
}

void Engine::host_op(const isa::Command& cmd) {
  // The host issues the accelerator's commands, so it first waits for all of them (a fence).
  drain();
  const uint64_t start = std::max({total_, last_dispatch_ + 1, barrier_, source_ ? source_->arrival() : 0});
  const uint64_t end = start + cmd.host_cycles;
  ctx_.counters.host_cycles += cmd.host_cycles;
  if (ctx_.functional && ctx_.backend) throw std::logic_error("engine: functional host ops need the engine's own memory");
  if (ctx_.functional && ctx_.host) ctx_.host->run(cmd.op, ctx_.memory);
  ctx_.actions(cmd.op).host_ops += cmd.host_cycles;  // host instructions ~ cycles (in-order core, IPC 1)
  ctx_.record(cmd.op, Unit::Host, start, end);
  if (observer_) observer_->on_command(cmd, 0, start, start, end);
  barrier_ = end;
  total_ = std::max(total_, end);
}

void Engine::run(CommandSource& source, size_t num_ops) {
  ctx_.ops.assign(num_ops, OpTiming{});
  source_ = &source;
  source.attach(this);
  isa::Command cmd;
  while (source.next(cmd)) {
    switch (cmd.opcode) {
      case isa::Opcode::Fence: {
        drain();
        barrier_ = std::max({barrier_, total_, last_dispatch_ + 1});
        break;
      }
      case isa::Opcode::Flush: break;
      case isa::Opcode::HostOp: host_op(cmd); break;
      case isa::Opcode::LoopWs: throw std::logic_error("engine: LOOP_WS must be expanded by the loop unroller");
      default: dispatch(cmd);
    }
  }
  source.attach(nullptr);
  source_ = nullptr;
  drain();
  ctx_.counters.dram_busy_cycles = ctx_.dram->busy_cycles();
}

}  // namespace coda::engine
