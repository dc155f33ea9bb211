#include "sim/engine/engine.h"

#include <algorithm>
#include <stdexcept>

#include "sim/engine/loop_unroller.h"
#include "sim/engine/segment_memo.h"

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
    queues_[i].init(static_cast<size_t>(entries[i]) + 1);
    inflight_[i].assign(static_cast<size_t>(std::max<int64_t>(1, depth[i])), 0);
    window += static_cast<uint64_t>(entries[i]);
  }
  size_t ring = 1;
  while (ring < 64 * window) ring <<= 1;
  done_.assign(std::max<size_t>(ring, 1 << 12), Done{});
  done_mask_ = done_.size() - 1;
  simple_dram_ = dynamic_cast<SimpleDram*>(ctx_.own_dram.get());
}

uint64_t Engine::dispatch_floor() const {
  const uint64_t arrival = unroller_ ? unroller_->arrival() : source_ ? source_->arrival() : 0;
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

void Engine::dispatch_times(const std::array<bool, 3>& need, std::array<uint64_t, 3>& t) {
  for (size_t k = 0; k < 3; ++k)
    if (need[k])
      while (rs_.entry_free_time(static_cast<Ctrl>(k)) == ReservationStation::kUnknown) step();
  const uint64_t earliest = dispatch_floor();
  for (size_t k = 0; k < 3; ++k)
    if (need[k]) t[k] = std::max(earliest, rs_.entry_free_time(static_cast<Ctrl>(k)));
}

// Inlined into handle(), its only caller (saves a call and its register saves per command).
[[gnu::always_inline]] inline void Engine::dispatch(const isa::Command& cmd) {
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
  // Built in place in the controller's queue (no copy of the Pending).
  Pending& p = queues_[ti].push_slot();
  p.cmd = cmd;
  p.seq = ++seq_;
  p.dispatch = t;
  p.dep = {};
  p.c_addr = isa::LocalAddr::garbage();
  p.c_rows = p.c_cols = 0;
  rs_.occupy(type);
  rs_.track(p, type);
  if (queues_[ti].size == 1) invalidate_candidate(ti);  // a new oldest command
  last_dispatch_ = t;
  ++ctx_.counters.commands;
  ++ctx_.counters.commands_by_opcode[static_cast<size_t>(cmd.opcode) & 15];
}

bool Engine::step() {
  // Among the controllers' oldest commands whose producers are simulated, take the earliest to start (the
  // lowest controller on a tie). A controller with nothing to simulate has the candidate ~0.
  const std::array<uint64_t, 3> free_at{load_.free_at(), execute_.free_at(), store_.free_at()};
  for (size_t c = 0; c < 3; ++c) {
    if (seq_ > cand_expiry_[c] && queues_[c].size != 0) {  // not cached (or expired)
      const Pending& p = queues_[c].front();
      if (ready(p)) {
        const uint64_t dep = deps_done(p, cand_expiry_[c]);
        uint64_t t = std::max(p.dispatch + 1, inflight_[c][inflight_pos_[c]]);
        t = std::max(t, free_at[c]);
        cand_t_[c] = std::max(t, dep);
        cand_dep_[c] = dep;
      }
    }
  }
  size_t best = 0;
  uint64_t best_t = cand_t_[0];
  best = cand_t_[1] < best_t ? 1 : best;
  best_t = cand_t_[1] < best_t ? cand_t_[1] : best_t;
  best = cand_t_[2] < best_t ? 2 : best;
  best_t = cand_t_[2] < best_t ? cand_t_[2] : best_t;
  if (best_t == ~0ull) {
    for (size_t c = 0; c < 3; ++c)
      if (queues_[c].size) throw std::logic_error("engine: pending commands with unsatisfiable dependencies");
    return false;
  }
  switch (best) {
    case 0: simulate_front<Ctrl::Load>(load_); break;
    case 1: simulate_front<Ctrl::Execute>(execute_); break;
    default: simulate_front<Ctrl::Store>(store_); break;
  }
  return true;
}

// Simulates the oldest command of controller C. A template, so that after the (data-dependent) choice in step()
// every access below has a fixed address instead of one computed from the choice.
template <Ctrl C, class Controller>
void Engine::simulate_front(Controller& ctrl) {
  constexpr auto c = static_cast<size_t>(C);
  const uint64_t dep = cand_dep_[c];
  Pending& p = queues_[c].front();
  uint64_t& inflight = inflight_[c][inflight_pos_[c]];
  const uint64_t ready_t = std::max(p.dispatch + 1, inflight);
  if (dep > ready_t) ctx_.counters.dep_wait_cycles[c] += dep - ready_t;
  if (memo_seq0_) [[unlikely]] memo_check(p);  // recording a segment
  const Timing tm = ctrl.simulate(p, std::max(ready_t, dep));
  inflight = tm.end;
  if (++inflight_pos_[c] == inflight_[c].size()) inflight_pos_[c] = 0;
  const uint64_t slot = p.seq & done_mask_;
  Done& d = done_[slot];
  if (d.tag) {
    const auto ec = static_cast<size_t>(d.tag & 3);
    evicted_done_[ec] = std::max(evicted_done_[ec], d.end);
  }
  d.end = tm.end;
  d.tag = (p.seq << 2) | c;
  last_sim_seq_[c] = p.seq;
  total_ = std::max(total_, tm.end);
  rs_.complete(C, tm.end);
  ctx_.record(p.cmd.op, static_cast<Unit>(c), tm.start, tm.end);
  if (observer_) observer_->on_command(p.cmd, p.seq, p.dispatch, tm.start, tm.end);
  queues_[c].pop();
  invalidate_candidate(c);
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

bool Engine::memo_ready() const { return seq_ > 0 && !pending() && unroller_ && unroller_->idle(); }

// Everything that shapes what happens after a quiescent point, in a fixed order (each block's save() says why its
// times may be normalised). The pending queues are empty; the completion ring (done_) is not written: at a
// quiescent point every command is simulated, so which producers it still holds follows from seq_ and the block
// tables' producers (as segment_state.h writes them), and the completions it holds are all <= the barrier.
void Engine::save_state(StateWriter& w) const {
  rs_.save(w);
  load_.save(w);
  execute_.save(w);
  store_.save(w);
  ctx_.sp.save(w);
  ctx_.acc.save(w);
  ctx_.dma_read.save(w);
  ctx_.dma_write.save(w);
  simple_dram_->save(w);
  ctx_.mesh.save(w);
  ctx_.normalizer.save(w);
  ctx_.activation.save(w);
  for (size_t c = 0; c < 3; ++c) {
    // A controller's in-flight slots are used in turn from inflight_pos_, each as max(ready, slot).
    const size_t n = inflight_[c].size();
    for (size_t i = 0; i < n; ++i) w.time(inflight_[c][(inflight_pos_[c] + i) % n]);
    w.time(evicted_done_[c]);  // read only as max(.., evicted) by a command that starts after the barrier
    w.seq(last_sim_seq_[c]);
  }
  // Dispatch reads last_dispatch_ + 1 (never last_dispatch_ itself), so that is the time to normalise.
  w.time(last_dispatch_ + 1);
  w.time(barrier_);
  w.time(total_);
  unroller_->save(w);
}

void Engine::load_state(StateReader& r, uint64_t first_seq) {
  rs_.load(r);
  load_.load(r);
  execute_.load(r);
  store_.load(r);
  ctx_.sp.load(r);
  ctx_.acc.load(r);
  ctx_.dma_read.load(r);
  ctx_.dma_write.load(r);
  simple_dram_->load(r);
  ctx_.mesh.load(r);
  ctx_.normalizer.load(r);
  ctx_.activation.load(r);
  for (size_t c = 0; c < 3; ++c) {
    const size_t n = inflight_[c].size();
    for (size_t i = 0; i < n; ++i) inflight_[c][i] = r.time();
    inflight_pos_[c] = 0;
    evicted_done_[c] = r.time();
    last_sim_seq_[c] = r.seq(last_sim_seq_[c]);
    invalidate_candidate(c);
    cand_dep_[c] = 0;
  }
  last_dispatch_ = r.time() - 1;
  barrier_ = r.time();
  total_ = r.time();
  unroller_->load(r);
  // The completion ring as the skipped commands (first_seq, seq_] would have left it: each slot holds the newest
  // of them that maps to it. Only the tag decides anything (whether a later command's producer is still there);
  // completions are all <= the barrier, so the barrier stands in for them. The controller bits of a tag matter
  // only when a block table names that producer, so they are set from the tables.
  const uint64_t ring = done_mask_ + 1;
  const uint64_t lo = seq_ > ring && seq_ - ring > first_seq ? seq_ - ring : first_seq;
  for (uint64_t s = lo + 1; s <= seq_; ++s) done_[s & done_mask_] = Done{barrier_, s << 2};
  rs_.for_each_tracked([&](uint64_t packed) {
    const uint64_t s = packed >> 2;
    if (s > first_seq && seq_ - s < ring) done_[s & done_mask_] = Done{barrier_, packed};
  });
}

inline void Engine::handle(const isa::Command& cmd) {
  switch (cmd.opcode) {
    case isa::Opcode::Fence: {
      drain();
      barrier_ = std::max({barrier_, total_, last_dispatch_ + 1});
      if (memo_on_) memo_->boundary(*this);
      break;
    }
    case isa::Opcode::Flush: break;
    case isa::Opcode::HostOp:
      host_op(cmd);
      if (memo_on_) memo_->boundary(*this);
      break;
    case isa::Opcode::LoopWs: throw std::logic_error("engine: LOOP_WS must be expanded by the loop unroller");
    default: dispatch(cmd);
  }
}

void Engine::run(CommandSource& source, size_t num_ops) {
  ctx_.ops.assign(num_ops, OpTiming{});
  source_ = &source;
  source.attach(this);
  if (auto* unroller = dynamic_cast<LoopUnroller*>(&source)) {
    // The usual source: commands read in place, without a virtual call or a copy per command.
    unroller_ = unroller;
    memo_on_ = memo_ && !ctx_.functional && !ctx_.backend && simple_dram_ && ctx_.dram == simple_dram_ &&
               !observer_ && !ctx_.mesh.observer;
    while (const isa::Command* cmd = unroller->next_ptr()) handle(*cmd);
  } else {
    isa::Command cmd;
    while (source.next(cmd)) handle(cmd);
  }
  source.attach(nullptr);
  source_ = nullptr;
  drain();
  if (memo_on_) memo_->finish(*this);
  memo_on_ = false;
  unroller_ = nullptr;
  ctx_.counters.dram_busy_cycles = ctx_.dram->busy_cycles();
}

}  // namespace coda::engine
