#include "sim/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <ostream>
#include <random>

#include "models/encoder_layer.h"
#include "models/gemm.h"
#include "models/ibert.h"
#include "sim/config/diagnostics.h"
#include "sim/engine/engine.h"
#include "sim/engine/loop_unroller.h"

namespace coda::sim {

namespace {

class DumpObserver final : public engine::CommandObserver {
 public:
  explicit DumpObserver(std::ostream& os) : os_(os) {}
  void on_command(const isa::Command& c, uint64_t seq, uint64_t dispatch, uint64_t start, uint64_t end) override {
    os_ << fmt::format("{:>10} {:>12} {:>12} {:>12}  op={:<5} {}\n", seq, dispatch, start, end,
                       c.op == engine::kNoOp ? -1 : int64_t(c.op), isa::to_string(c));
  }

 private:
  std::ostream& os_;
};

// Functional mode: external tensors (graph inputs, weights, biases) get deterministic random values.
void init_inputs(const compiler::Lowering& low, const models::OpGraph& g, std::vector<uint8_t>& mem, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> i8(-128, 127);
  std::uniform_int_distribution<int> bias(-4096, 4096);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const auto& p = low.plans()[i];
    if (p.placement != compiler::Placement::Accelerator) continue;
    const auto& mm = g.ops[i].mm;
    auto fill8 = [&](const compiler::TensorRef& t, int64_t rows, int64_t cols) {
      if (!t.external) return;
      const uint64_t n = uint64_t(rows) * uint64_t(cols) * uint64_t(mm.batch);
      for (uint64_t k = 0; k < n; ++k) mem[t.addr + k] = static_cast<uint8_t>(static_cast<int8_t>(i8(rng)));
    };
    fill8(p.a, p.a.rows, p.a.cols);
    fill8(p.b, p.b.rows, p.b.cols);
    if (mm.has_bias) {
      for (int64_t k = 0; k < mm.n; ++k) {
        const int32_t v = bias(rng);
        std::memcpy(&mem[p.d.addr + uint64_t(k) * 4], &v, 4);
      }
    }
  }
}

void verify_matmuls(const compiler::Lowering& low, const models::OpGraph& g, const std::vector<uint8_t>& mem,
                    VerifyResult& v) {
  v.ran = true;
  std::vector<int8_t> a, b;
  std::vector<int32_t> c;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const auto& p = low.plans()[i];
    if (p.placement != compiler::Placement::Accelerator) continue;
    const models::Op& op = g.ops[i];
    const auto& mm = op.mm;
    ++v.ops_checked;
    for (int64_t bt = 0; bt < mm.batch; ++bt) {
      const compiler::OpPlan::Bases base = p.bases(bt);
      const uint64_t a_base = base.a, b_base = base.b, c_base = base.c;
      a.assign(size_t(mm.m * mm.k), 0);
      b.assign(size_t(mm.k * mm.n), 0);
      for (int64_t r = 0; r < mm.m; ++r)
        for (int64_t k = 0; k < mm.k; ++k)
          a[size_t(r * mm.k + k)] = static_cast<int8_t>(
              mm.transpose_a ? mem[a_base + uint64_t(k) * p.a.stride + uint64_t(r)] : mem[a_base + uint64_t(r) * p.a.stride + uint64_t(k)]);
      for (int64_t k = 0; k < mm.k; ++k)
        for (int64_t n = 0; n < mm.n; ++n)
          b[size_t(k * mm.n + n)] = static_cast<int8_t>(
              mm.transpose_b ? mem[b_base + uint64_t(n) * p.b.stride + uint64_t(k)] : mem[b_base + uint64_t(k) * p.b.stride + uint64_t(n)]);
      c.assign(size_t(mm.m * mm.n), 0);
      models::gemm_i8(mm.m, mm.n, mm.k, a.data(), mm.k, false, b.data(), mm.n, false, c.data(), mm.n);
      for (int64_t r = 0; r < mm.m; ++r) {
        for (int64_t n = 0; n < mm.n; ++n) {
          int32_t expect = c[size_t(r * mm.n + n)];
          if (mm.has_bias) {
            int32_t bv;
            std::memcpy(&bv, &mem[p.d.addr + uint64_t(n) * 4], 4);
            expect += bv;
          }
          int32_t got;
          if (p.c_full) {
            std::memcpy(&got, &mem[c_base + uint64_t(r) * p.c.stride + uint64_t(n) * 4], 4);
          } else {
            expect = models::requantize_i8(expect, p.scale);
            got = static_cast<int8_t>(mem[c_base + uint64_t(r) * p.c.stride + uint64_t(n)]);
          }
          ++v.elements_checked;
          if (got != expect) {
            if (v.mismatches == 0)
              v.first_mismatch = fmt::format("{}[batch {}][{}][{}]: expected {}, got {}", op.name, bt, r, n, expect, got);
            ++v.mismatches;
          }
        }
      }
    }
  }
}


// ---- whole-layer functional mode (transformer graphs) ----

template <typename T>
std::vector<T> read_tensor(const std::vector<uint8_t>& mem, const compiler::TensorRef& t) {
  std::vector<T> v(size_t(t.rows * t.cols));
  for (int64_t r = 0; r < t.rows; ++r)
    std::memcpy(v.data() + r * t.cols, mem.data() + t.addr + uint64_t(r) * t.stride, size_t(t.cols) * sizeof(T));
  return v;
}

template <typename T>
void write_tensor(std::vector<uint8_t>& mem, const compiler::TensorRef& t, const std::vector<T>& v) {
  for (int64_t r = 0; r < t.rows; ++r)
    std::memcpy(mem.data() + t.addr + uint64_t(r) * t.stride, v.data() + r * t.cols, size_t(t.cols) * sizeof(T));
}

// The I-BERT layers behind a transformer graph: weights, calibrated scales and kernel parameters per layer, the
// per-op kernel table the units read, and the host core's computation of host-placed ops (with the same
// integer kernels, so that whole-layer outputs stay comparable with the reference; the host's *timing* is the
// float fallback of docs/host-model.md).
class LayerNumerics final : public engine::HostExecutor {
 public:
  LayerNumerics(const models::OpGraph& g, compiler::Lowering& low, uint64_t seed) : g_(g), low_(low) {
    const auto& spec = g.spec;
    if (spec.batch != 1)
      throw config::InputError({"<-w " + spec.name + ">", 0, 0}, "batch",
                               "functional mode of a transformer workload supports batch 1 only");
    numerics_.assign(g.ops.size(), engine::OpNumerics{});
    layers_.reserve(size_t(spec.layers));
    for (int64_t l = 0; l < spec.layers; ++l) {
      const models::LayerDims d = spec.layer(l);
      models::EncoderLayerDims dims{spec.seq_len, d.hidden, d.heads, d.head_dim, d.ffn, spec.causal};
      layers_.push_back(models::make_encoder_layer(dims, seed + uint64_t(l) * 7919));
    }
    for (const auto& op : g.ops) {
      if (op.layer < 0) continue;
      const models::EncoderLayer& L = layers_[size_t(op.layer)];
      const std::string_view n = std::string_view(op.name).substr(op.name.find('.') + 1);
      auto& num = numerics_[op.id];
      if (n == "softmax") num.softmax = &L.softmax;
      if (n == "ln1") num.layernorm = &L.ln1;
      if (n == "ln2") num.layernorm = &L.ln2;
      if (n == "gelu" || n == "ffn1") num.gelu = &L.gelu;
      if (n == "q_requant") low.set_scale(op.id, L.q_requant);
      if (n == "k_requant") low.set_scale(op.id, L.k_requant);
      if (n == "v_requant") low.set_scale(op.id, L.v_requant);
      if (n == "attn_requant") low.set_scale(op.id, L.context_requant);
      if (n == "gelu_requant") low.set_scale(op.id, L.gelu_requant);
      if (n == "attn_resadd") low.set_scale(op.id, L.residual1_rescale);
      if (n == "ffn_resadd") low.set_scale(op.id, L.residual2_rescale);
    }
    input_ = models::quantize_i8(models::random_activations(spec.seq_len, spec.hidden, seed), layers_[0].scales.input);
  }

  const std::vector<engine::OpNumerics>& numerics() const { return numerics_; }

  void init(std::vector<uint8_t>& mem) const {
    write_tensor(mem, low_.graph_input(), input_);
    for (const auto& op : g_.ops) {
      if (op.kind != models::OpKind::MatMul || op.layer < 0) continue;
      const models::EncoderLayer& L = layers_[size_t(op.layer)];
      const std::string_view n = std::string_view(op.name).substr(op.name.find('.') + 1);
      const models::QuantLinear* lin = n == "q_proj" ? &L.wq : n == "k_proj" ? &L.wk : n == "v_proj" ? &L.wv
                                       : n == "out_proj" ? &L.wo : n == "ffn1" ? &L.ffn1 : n == "ffn2" ? &L.ffn2 : nullptr;
      if (!lin) continue;
      const auto& p = low_.plans()[op.id];
      std::memcpy(mem.data() + p.b.addr, lin->weight.data(), lin->weight.size());
      std::memcpy(mem.data() + p.d.addr, lin->bias.data(), lin->bias.size() * 4);
    }
  }

  void run(uint32_t id, std::vector<uint8_t>& mem) override {
    namespace ib = models::ibert;
    const models::Op& op = g_.ops[id];
    const compiler::OpPlan& p = low_.plans()[id];
    const models::EncoderLayer* L = op.layer >= 0 ? &layers_[size_t(op.layer)] : nullptr;
    switch (op.kind) {
      case models::OpKind::Softmax: {
        const auto x = read_tensor<int32_t>(mem, p.a);
        std::vector<int8_t> y(x.size());
        const int64_t n = op.cols;
        for (int64_t r = 0; r < op.rows; ++r) {
          const std::ptrdiff_t valid = p.causal ? std::ptrdiff_t(std::min<int64_t>(n, r % n + 1)) : -1;
          ib::softmax_row(std::span(x).subspan(size_t(r * n), size_t(n)), std::span(y).subspan(size_t(r * n), size_t(n)),
                          L->softmax, valid);
        }
        write_tensor(mem, p.c, y);
        break;
      }
      case models::OpKind::LayerNorm:
        write_tensor(mem, p.c, ib::layernorm(read_tensor<int32_t>(mem, p.a), op.rows, *numerics_[id].layernorm));
        break;
      case models::OpKind::Gelu:
        write_tensor(mem, p.c, ib::gelu(read_tensor<int32_t>(mem, p.a), L->gelu));
        break;
      case models::OpKind::ResidualAdd:
        write_tensor(mem, p.c, models::residual_add(read_tensor<int32_t>(mem, p.a), read_tensor<int8_t>(mem, p.b), p.scale));
        break;
      case models::OpKind::Requantize:
        write_tensor(mem, p.c, models::requantize_i8(read_tensor<int32_t>(mem, p.a), p.scale));
        break;
      default:
        throw std::logic_error("functional host: no computation for " + op.name);
    }
  }

  // Compares every op output that reached DRAM with the integer reference executor, layer by layer.
  void verify(const std::vector<uint8_t>& mem, VerifyResult& v) const {
    v.ran = true;
    std::vector<int8_t> x = input_;
    for (size_t l = 0; l < layers_.size(); ++l) {
      const models::EncoderIntTensors t = models::run_encoder_layer_int(layers_[l], x);
      for (uint32_t id : g_.layer_ops(int32_t(l))) {
        const models::Op& op = g_.ops[id];
        const compiler::OpPlan& p = low_.plans()[id];
        if (!p.c_in_dram || p.c.rows == 0) continue;
        const std::string_view n = std::string_view(op.name).substr(op.name.find('.') + 1);
        const std::vector<int32_t>* ref32 = n == "q_proj" ? &t.q_acc : n == "k_proj" ? &t.k_acc : n == "v_proj" ? &t.v_acc
                                          : n == "qk" ? &t.scores : n == "attn_v" ? &t.context_acc : n == "out_proj" ? &t.attn_out
                                          : n == "attn_resadd" ? &t.residual1 : n == "ffn1" ? &t.ffn1 : n == "gelu" ? &t.gelu
                                          : n == "ffn2" ? &t.ffn2 : n == "ffn_resadd" ? &t.residual2 : nullptr;
        const std::vector<int8_t>* ref8 = n == "q_requant" ? &t.q : n == "k_requant" ? &t.k : n == "v_requant" ? &t.v
                                        : n == "softmax" ? &t.probs : n == "attn_requant" ? &t.context : n == "ln1" ? &t.ln1
                                        : n == "gelu_requant" ? &t.gelu_q : n == "ln2" ? &t.out : nullptr;
        ++v.ops_checked;
        auto check = [&](const auto& got, const auto& ref) {
          if (got.size() != ref.size()) throw std::logic_error("verify: size mismatch for " + op.name);
          for (size_t i = 0; i < ref.size(); ++i) {
            ++v.elements_checked;
            if (got[i] != ref[i]) {
              if (v.mismatches == 0)
                v.first_mismatch = fmt::format("{}[{}][{}]: expected {}, got {}", op.name, int64_t(i) / op.cols,
                                               int64_t(i) % op.cols, int64_t(ref[i]), int64_t(got[i]));
              ++v.mismatches;
            }
          }
        };
        if (p.c.type == models::DType::Int8 && ref8) {
          check(read_tensor<int8_t>(mem, p.c), *ref8);
        } else if (p.c.type == models::DType::Int32 && ref32) {
          check(read_tensor<int32_t>(mem, p.c), *ref32);
        } else {
          throw std::logic_error("verify: no reference tensor for " + op.name);
        }
      }
      x = t.out;
    }
  }

 private:
  const models::OpGraph& g_;
  compiler::Lowering& low_;
  std::vector<models::EncoderLayer> layers_;
  std::vector<engine::OpNumerics> numerics_;
  std::vector<int8_t> input_;
};

}  // namespace

SimResult simulate(const config::HwConfig& hw, const models::OpGraph& graph, const SimOptions& options) {
  const bool functional = options.functional || options.verify;
  compiler::Lowering lowering(graph, hw, options.lowering);
  engine::EngineOptions eo;
  eo.functional = functional;
  eo.memory_bytes = functional ? lowering.memory_bytes() : 0;
  // Transformer graphs run real I-BERT layers in functional mode; lone GEMMs random operands.
  std::unique_ptr<LayerNumerics> layers;
  if (functional && graph.spec.layers > 0) {
    layers = std::make_unique<LayerNumerics>(graph, lowering, options.seed);
    eo.numerics = &layers->numerics();
    eo.host = layers.get();
  }
  engine::Engine eng(hw, eo);
  std::unique_ptr<DumpObserver> dump;
  if (options.dump_commands) {
    dump = std::make_unique<DumpObserver>(*options.dump_commands);
    *options.dump_commands << fmt::format("{:>10} {:>12} {:>12} {:>12}  {}\n", "seq", "dispatch", "start", "end", "command");
    eng.set_observer(dump.get());
  }
  eng.set_mesh_observer(options.mesh_observer);
  if (layers) {
    layers->init(eng.memory());
  } else if (functional) {
    init_inputs(lowering, graph, eng.memory(), options.seed);
  }
  engine::LoopUnroller unroller(hw, lowering);
  eng.run(unroller, graph.ops.size());

  SimResult r;
  r.workload = graph.spec.name;
  r.tiling = lowering.tiling().name();
  r.dataflow = options.lowering.dataflow == isa::Dataflow::WS ? "WS" : "OS";
  r.schedule = options.lowering.schedule.name;
  r.fusion = lowering.decisions();
  r.total_cycles = eng.total_cycles();
  r.seconds = double(r.total_cycles) / (hw.clock_ghz * 1e9);
  r.counters = eng.counters();
  r.total_macs = uint64_t(graph.total_macs());
  r.mesh_utilization = r.total_cycles ? double(r.total_macs) / (double(hw.mesh.rows * hw.mesh.cols) * double(r.total_cycles)) : 0;
  // Attribution: each op owns the cycles by which it pushes the completion frontier (program order), so the
  // per-op cycles sum exactly to the total.
  uint64_t frontier = 0;
  r.ops.reserve(graph.ops.size());
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const models::Op& op = graph.ops[i];
    const engine::OpTiming& t = eng.op_timing()[i];
    OpResult o;
    o.name = op.name;
    o.kind = op.kind;
    o.category = op.category();
    o.block = op.block;
    o.layer = op.layer;
    o.placement = compiler::placement_name(lowering.plans()[i].placement);
    o.commands = t.commands;
    o.macs = uint64_t(op.macs());
    o.actions = t.actions;
    if (lowering.plans()[i].placement == compiler::Placement::Host) {
      // The host's loops stream their operands from and to DRAM (the host model's bytes_per_cycle term).
      o.actions.dram_bytes_read += uint64_t(op.bytes_in());
      o.actions.dram_bytes_written += uint64_t(op.bytes_out());
    }
    if (t.commands) {
      o.start = t.start;
      o.end = t.end;
      for (size_t u = 0; u < engine::kNumUnits; ++u) {
        o.unit_used[u] = t.unit_start[u] != engine::OpTiming::kNone;
        o.unit_start[u] = o.unit_used[u] ? t.unit_start[u] : 0;
        o.unit_end[u] = t.unit_end[u];
      }
      if (t.end > frontier) {
        o.cycles = t.end - frontier;
        frontier = t.end;
      }
    } else {
      o.start = o.end = frontier;
    }
    r.breakdown_cycles[static_cast<size_t>(o.category)] += o.cycles;
    r.ops.push_back(std::move(o));
  }
  if (frontier < r.total_cycles) {
    // Tail cycles (e.g. a final store that completes after the last op's frontier) go to the last op.
    if (!r.ops.empty()) {
      r.ops.back().cycles += r.total_cycles - frontier;
      r.breakdown_cycles[static_cast<size_t>(r.ops.back().category)] += r.total_cycles - frontier;
    }
  }
  // Energy: each op's actions plus the static energy of its attributed cycles, so ops sum to the total.
  if (!r.ops.empty()) r.ops.back().actions += eng.other_actions();
  for (auto& o : r.ops) {
    o.energy_by_unit = energy::energy_of(hw, o.actions, o.cycles);
    o.energy_j = o.energy_by_unit.total();
    r.actions += o.actions;
  }
  r.energy_by_unit = energy::energy_of(hw, r.ops.empty() ? eng.other_actions() : r.actions, r.total_cycles);
  r.energy_j = r.energy_by_unit.total();
  r.edp_js = r.energy_j * r.seconds;
  if (options.verify) {
    if (layers) {
      layers->verify(eng.memory(), r.verify);
    } else {
      verify_matmuls(lowering, graph, eng.memory(), r.verify);
    }
  }
  return r;
}

}  // namespace coda::sim
