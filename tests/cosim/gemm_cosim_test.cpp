// Whole tiled GEMMs: the engine's command stream for the mesh (in functional mode) replayed through the RTL
// mesh: every operand entry, output row and value equal, and the same total mesh cycles.
#include <gtest/gtest.h>

#include "sim/config/diagnostics.h"
#include "sim/config/hw_config.h"
#include "sim/cosim/mesh_cosim.h"
#include "tests/cosim/cosim_test_util.h"

namespace coda {
namespace {

using testing::hw_dim;
using Case = testing::GemmCase;

class GemmCosim : public ::testing::TestWithParam<Case> {};

TEST_P(GemmCosim, RtlMeshEqualsTheEngine) {
  const Case c = GetParam();
  const auto g = cosim::cosim_gemm(hw_dim(c.dim), c.m, c.k, c.n, c.seed);
  testing::expect_gemm_agrees(g, c);
}

INSTANTIATE_TEST_SUITE_P(Shapes, GemmCosim, testing::kGemmCases);

TEST(GemmCosimStalls, ContendedMemoriesStillMatchCycleForCycle) {
  // A single-ported accumulator and a one-bank scratchpad make the engine hold operands back often (write
  // back-pressure, bank conflicts): the replay applies those stalls and every cycle still agrees.
  for (int64_t dim : {8, 16}) {
    auto hw = hw_dim(dim);
    hw.accumulator.ports = 1;
    hw.scratchpad.banks = 1;
    const auto g = cosim::cosim_gemm(hw, 100, 70, 90, 4);
    EXPECT_TRUE(g.ok()) << g.rtl.first_mismatch;
    EXPECT_GT(g.rtl.stalls, 10u);
    EXPECT_EQ(g.rtl.engine_mesh_end, g.rtl.rtl_mesh_end);
  }
}

TEST(GemmCosimConfig, RejectsMeshesWithoutAVerilatedModel) {
  auto hw = hw_dim(12);
  try {
    cosim::check_mesh_config(hw, "hw.yaml");
    FAIL() << "DIM 12 accepted";
  } catch (const config::InputError& e) {
    const std::string what = e.diagnostics().front().str();
    EXPECT_NE(what.find("hw.yaml"), std::string::npos) << what;
    EXPECT_NE(what.find("mesh.rows"), std::string::npos) << what;
  }
  hw = hw_dim(16);
  hw.mesh.output_delay_cycles = 2;
  EXPECT_THROW(cosim::check_mesh_config(hw, "hw.yaml"), config::InputError);
  hw = hw_dim(8);
  EXPECT_NO_THROW(cosim::check_mesh_config(hw, "hw.yaml"));
  EXPECT_THROW(cosim::MeshReplayer(12), std::invalid_argument);
}

}  // namespace
}  // namespace coda
