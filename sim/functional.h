// Functional-mode data of a lowered op graph: deterministic inputs and weights in DRAM, the I-BERT kernel
// parameters the engine's units read, the host core's computation of host-placed ops, and the comparison of
// every op output with the models/ integer reference. sim::simulate uses it over the engine's own memory; the
// SystemC platform (sim/tlm) uses it over its TLM memory target.
#pragma once

#include <cstdint>
#include <vector>

#include "models/encoder_layer.h"
#include "models/op_graph.h"
#include "sim/compiler/lowering.h"
#include "sim/engine/engine_context.h"
#include "sim/simulator.h"

namespace coda::sim {

// Lone GEMMs: external tensors (graph inputs, weights, biases) get deterministic random values from `seed`.
void init_inputs(const compiler::Lowering& low, const models::OpGraph& g, std::vector<uint8_t>& mem, uint64_t seed);

// Lone GEMMs: every accelerator matmul's output in `mem` against models::gemm_i8 (+ bias, requantization).
void verify_matmuls(const compiler::Lowering& low, const models::OpGraph& g, const std::vector<uint8_t>& mem,
                    VerifyResult& v);

// The I-BERT layers behind a transformer graph: weights, calibrated scales and kernel parameters per layer, the
// per-op kernel table the units read, and the host core's computation of host-placed ops (with the same
// integer kernels, so that whole-layer outputs stay comparable with the reference; the host's *timing* is the
// float fallback of docs/host-model.md). The constructor sets the calibrated scales on `low`, so it must run
// before the lowering streams. Throws config::InputError for batch != 1.
class LayerNumerics final : public engine::HostExecutor {
 public:
  LayerNumerics(const models::OpGraph& g, compiler::Lowering& low, uint64_t seed);

  const std::vector<engine::OpNumerics>& numerics() const { return numerics_; }
  // Writes the layer input and every layer's weights and biases into `mem`.
  void init(std::vector<uint8_t>& mem) const;
  void run(uint32_t id, std::vector<uint8_t>& mem) override;
  // Compares every op output that reached DRAM with the integer reference executor, layer by layer.
  void verify(const std::vector<uint8_t>& mem, VerifyResult& v) const;

 private:
  const models::OpGraph& g_;
  compiler::Lowering& low_;
  std::vector<models::EncoderLayer> layers_;
  std::vector<engine::OpNumerics> numerics_;
  std::vector<int8_t> input_;
};

}  // namespace coda::sim
