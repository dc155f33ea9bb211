#include "sim/isa/command.h"

#include <fmt/format.h>

namespace coda::isa {

const char* opcode_name(Opcode op) {
  switch (op) {
    case Opcode::ConfigEx: return "config_ex";
    case Opcode::ConfigLd: return "config_ld";
    case Opcode::ConfigSt: return "config_st";
    case Opcode::ConfigNorm: return "config_norm";
    case Opcode::Mvin: return "mvin";
    case Opcode::Mvin2: return "mvin2";
    case Opcode::Mvin3: return "mvin3";
    case Opcode::Mvout: return "mvout";
    case Opcode::Preload: return "preload";
    case Opcode::ComputePreloaded: return "compute_preloaded";
    case Opcode::ComputeAccumulated: return "compute_accumulated";
    case Opcode::Fence: return "fence";
    case Opcode::Flush: return "flush";
    case Opcode::LoopWs: return "loop_ws";
    case Opcode::HostOp: return "host_op";
  }
  return "?";
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::None: return "none";
    case Activation::Relu: return "relu";
    case Activation::LayerNorm: return "layernorm";
    case Activation::IGelu: return "igelu";
    case Activation::Softmax: return "softmax";
  }
  return "?";
}

const char* norm_cmd_name(NormCmd n) {
  switch (n) {
    case NormCmd::Reset: return "reset";
    case NormCmd::Sum: return "sum";
    case NormCmd::Mean: return "mean";
    case NormCmd::Variance: return "variance";
    case NormCmd::InvStddev: return "inv_stddev";
    case NormCmd::Max: return "max";
    case NormCmd::SumExp: return "sum_exp";
    case NormCmd::InvSumExp: return "inv_sum_exp";
  }
  return "?";
}

namespace {
std::string local(LocalAddr a) {
  if (a.is_garbage()) return "garbage";
  std::string s = fmt::format("{}[{}]", a.is_acc() ? "acc" : "sp", a.row());
  if (a.accumulate()) s += "+acc";
  if (a.full_row()) s += "+full";
  if (a.norm_cmd()) s += fmt::format("+{}", norm_cmd_name(static_cast<NormCmd>(a.norm_cmd())));
  return s;
}
}  // namespace

std::string to_string(const Command& c) {
  const char* name = opcode_name(c.opcode);
  switch (c.opcode) {
    case Opcode::Mvin:
    case Opcode::Mvin2:
    case Opcode::Mvin3:
      return fmt::format("{:<19} dram=0x{:x} {} rows={} cols={}", name, c.dram_addr, local(c.addr1), c.rows1, c.cols1);
    case Opcode::Mvout:
      if (c.addr1.norm_cmd())
        return fmt::format("{:<19} dram=none {} rows={} cols={} slot={}", name, local(c.addr1), c.rows1, c.cols1, c.stream);
      return fmt::format("{:<19} dram=0x{:x} {} rows={} cols={}", name, c.dram_addr, local(c.addr1), c.rows1, c.cols1);
    case Opcode::Preload:
      return fmt::format("{:<19} B={} {}x{} C={} {}x{}", name, local(c.addr1), c.rows1, c.cols1, local(c.addr2), c.rows2,
                         c.cols2);
    case Opcode::ComputePreloaded:
    case Opcode::ComputeAccumulated:
      return fmt::format("{:<19} A={} {}x{} D={} {}x{}", name, local(c.addr1), c.rows1, c.cols1, local(c.addr2), c.rows2,
                         c.cols2);
    case Opcode::ConfigEx:
      return fmt::format("{:<19} dataflow={} act={} a_t={} b_t={}", name, c.dataflow == Dataflow::WS ? "ws" : "os",
                         activation_name(c.act), int(c.a_transpose), int(c.b_transpose));
    case Opcode::ConfigLd:
      if (c.int8_in)
        return fmt::format("{:<19} stream={} stride={} int8 scale={}/2^{}", name, c.stream, c.stride, c.scale_mult,
                           c.scale_shift);
      return fmt::format("{:<19} stream={} stride={}", name, c.stream, c.stride);
    case Opcode::ConfigSt:
      return fmt::format("{:<19} stride={} act={} scale={}/2^{}", name, c.stride, activation_name(c.act), c.scale_mult,
                         c.scale_shift);
    case Opcode::HostOp:
      return fmt::format("{:<19} cycles={}", name, c.host_cycles);
    case Opcode::LoopWs:
      return fmt::format("{:<19} loop={}", name, c.loop);
    default:
      return name;
  }
}

}  // namespace coda::isa
