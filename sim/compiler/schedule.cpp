#include "sim/compiler/schedule.h"

namespace coda::compiler {

std::string_view fusion_point_name(FusionPoint p) {
  switch (p) {
    case FusionPoint::QkSoftmax: return "qk_softmax";
    case FusionPoint::OutProjLayerNorm: return "out_proj_layernorm";
    case FusionPoint::Ffn2LayerNorm: return "ffn2_layernorm";
    case FusionPoint::Ffn1Gelu: return "ffn1_gelu";
  }
  return "?";
}

Schedule Schedule::unfused() { return Schedule{}; }

Schedule Schedule::all_fused() {
  Schedule s;
  s.name = "fused";
  s.fused.fill(true);
  return s;
}

}  // namespace coda::compiler
