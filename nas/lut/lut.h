// The lookup-table cost model: the latency and energy of every op an encoder layer of a search space can contain,
// measured once per hardware point by running the engine, then composed into a candidate's latency and energy
// without simulating it (docs/nas.md, "LUT").
//
// Measurement. Every op of an encoder layer depends on the layer's dimensions only through its block: the MHA
// ops (q_proj .. ln1) on (seq, hidden, heads, head_size), the FFN ops (ffn1 .. ln2) on (seq, hidden, ffn).
// A probe simulates a one-layer encoder with the engine (sim::simulate) and reads off each op's attributed
// cycles and energy (the cycles by which it advances the completion frontier; ops that read another op's DRAM
// output start behind a fence, so this is the op's own latency with its fused epilogue). An MHA entry is
// measured with a canonical small FFN (kFillerFfn) and an FFN entry with a canonical single head, so that an
// entry's value depends on its key only (never on which probe or which space measured it).
//
// Composition. A candidate's cost is the sum over its layers of its ops' entries plus, per layer boundary, a
// correction measured once per (context, seq, hidden, head_size): a two-layer simulation minus twice the
// one-layer one (the next layer's first op starts behind a fence instead of on an idle engine; engine start-up
// and drain are counted once, not per layer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "nas/lut/store.h"
#include "nas/space.h"
#include "sim/compiler/lowering.h"
#include "sim/config/hw_config.h"

namespace coda::nas::lut {

/// Canonical filler dimensions of the half of a probe that is not being measured.
inline constexpr int64_t kFillerHeads = 1;
inline constexpr int64_t kFillerFfn = 64;

/// Op roles of an encoder layer (the part of "L{i}.<role>" after the dot), in graph order.
const std::vector<std::string>& mha_roles();  // q_proj .. ln1 (13)
const std::vector<std::string>& ffn_roles();  // ffn1 .. ln2 (6)

std::string mha_shape(int64_t seq, int64_t hidden, int64_t heads, int64_t head_size);  // "s512.h768.a12x64"
std::string ffn_shape(int64_t seq, int64_t hidden, int64_t ffn);                       // "s512.h768.f3072"
std::string boundary_shape(int64_t seq, int64_t hidden, int64_t head_size);            // "s512.h768.d64"
inline constexpr const char* kBoundaryOp = "boundary";

/// Everything an entry's value depends on besides the op and its shape: the resolved hardware, the engine
/// version and the lowering options.
struct LutContext {
  config::HwConfig hw;
  compiler::LoweringOptions lowering;

  /// "<hw fingerprint>-<16 hex digits of the lowering and engine version>"; equal contexts, equal keys.
  std::string key() const;
  /// e.g. "schedule=qk_softmax+out_proj_layernorm+ffn2_layernorm+ffn1_gelu;dataflow=ws;tiling=gemmini-auto;requant=fused"
  std::string lowering_description() const;
  ContextInfo info() const;
};

/// The context of every hardware point of a space on `base` (index = SearchSpace::hardware_point).
/// Throws config::InputError when a hardware point is not a valid config.
std::vector<LutContext> space_contexts(const SearchSpace& space, const config::HwConfig& base,
                                       const compiler::LoweringOptions& lowering);

/// One engine run that measures entries.
struct Probe {
  std::size_t context = 0;  // index into the contexts
  int64_t seq = 0, hidden = 0, heads = 0, head_size = 0, ffn = 0;
  enum class Kind : uint8_t { Mha, Ffn, Boundary } kind = Kind::Mha;
};

/// Simulates a probe and returns its entries (MHA: the 13 MHA ops at `heads`; FFN: the 6 FFN ops at `ffn`;
/// Boundary: one "boundary" entry).
std::vector<Entry> measure(const LutContext& ctx, const Probe& probe);

/// The probes whose entries `space` needs in `contexts` and `store` lacks, in a fixed order.
std::vector<Probe> missing_probes(const SearchSpace& space, const std::vector<LutContext>& contexts, const Store& store);

struct BuildProgress {
  std::size_t done = 0, total = 0;  // probes
  double elapsed_s = 0;
};

struct BuildOptions {
  unsigned jobs = 0;  // worker threads; 0 = all cores
  std::function<void(const BuildProgress&)> progress;  // called (serialized) after each probe
};

struct BuildStats {
  std::size_t contexts = 0;
  std::size_t probes = 0;         // probes run
  std::size_t entries_added = 0;
  std::size_t entries_total = 0;  // entries the space uses, present after the build
  double seconds = 0;
};

/// Measures every missing entry of `space` on all its hardware points, in parallel, committing each probe's
/// entries as one transaction (an interrupted build keeps the probes it finished). Entries are functions of
/// their key only, so the table is the same whatever `jobs` and whatever was in the store before.
BuildStats build(const SearchSpace& space, const std::vector<LutContext>& contexts, Store& store,
                 const BuildOptions& options = {});

/// A candidate's cost, split by block (stack: the layer-boundary corrections).
struct Composed {
  double cycles = 0, energy_j = 0;
  double mha_cycles = 0, ffn_cycles = 0, stack_cycles = 0;
  double mha_energy_j = 0, ffn_energy_j = 0, stack_energy_j = 0;
};

/// One context's entries in memory, for composing architectures (by name lookups; the search uses
/// LutCostModel, nas/lut/cost_model.h, which precomputes arrays from this).
class LutTable {
 public:
  LutTable(const Store& store, const std::string& context);
  explicit LutTable(const std::vector<Entry>& entries);
  /// Throws std::out_of_range naming the missing entry (the table was not built for this space).
  const Entry& at(const std::string& op, const std::string& shape) const;
  Composed compose(const Architecture& arch) const;
  std::size_t size() const { return entries_.size(); }

 private:
  std::map<std::pair<std::string, std::string>, Entry> entries_;
};

/// `coda lut check`: random candidates simulated whole, compared with the composition.
struct CheckSample {
  Architecture arch;
  Composed lut;
  Composed engine;  // per block: sums of the engine's per-op attribution
};

struct ErrorStats {
  double mean_abs_pct = 0, max_abs_pct = 0;
};

struct CheckReport {
  std::vector<CheckSample> samples;
  // [metric][block]: metric 0 latency, 1 energy; block 0 total, 1 mha, 2 ffn.
  ErrorStats errors[2][3];
};

struct CheckOptions {
  std::size_t samples = 10;
  uint64_t seed = 1;
  unsigned jobs = 0;
  std::function<void(const BuildProgress&)> progress;  // per simulated sample
};

/// Draws `samples` genomes uniformly (std::mt19937_64 seeded with `seed`), composes each from the store's
/// entries (which must be built) and simulates each whole. Deterministic for a seed at any `jobs`.
CheckReport check(const SearchSpace& space, const std::vector<LutContext>& contexts, const Store& store,
                  const CheckOptions& options);

/// Runs `work(i)` for i in [0, n) on `jobs` threads (0: all cores); rethrows the first exception.
void parallel_for(std::size_t n, unsigned jobs, const std::function<void(std::size_t)>& work);

}  // namespace coda::nas::lut
