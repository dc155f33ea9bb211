// `coda cosim`: the engine and the RTL mesh on one GEMM (or, without Verilator, a clear refusal).
#include <gtest/gtest.h>

#include "tests/integration/cli_run.h"

namespace coda {
namespace {

using testing::coda;
using testing::scratch;

#if CODA_HAVE_RTL

std::string fmt_dim(int dim) {
  const std::string d = std::to_string(dim);
  return "cosim -c configs/hw/gemmini-default.yaml -p mesh.rows=" + d + " -p mesh.cols=" + d + " --gemm 40,24,56 --seed 3";
}

TEST(CosimCli, ReportsEqualCyclesAndDataForEachVerilatedDim) {
  for (int dim : {4, 8, 16}) {
    const auto dir = scratch("cosim");
    const auto r = coda(fmt_dim(dim), dir);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("result: equal cycles and data"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("timing mismatches: 0 operand entries, 0 output rows, 0 row counts"), std::string::npos)
        << r.out;
  }
}

TEST(CosimCli, OutputStationaryFromTheConfigOrTheFlag) {
  for (int dim : {4, 8, 16}) {
    const auto dir = scratch("cosim_os");
    const auto r = coda(fmt_dim(dim) + " -p mesh.dataflow=os", dir);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("output-stationary"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("result: equal cycles and data"), std::string::npos) << r.out;
  }
  const auto dir = scratch("cosim_os_flag");
  auto r = coda(fmt_dim(8) + " --dataflow os", dir);  // gemmini-default builds both dataflows
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("output-stationary"), std::string::npos) << r.out;
  r = coda(fmt_dim(8) + " -p mesh.dataflow=ws --dataflow os", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("mesh.dataflow"), std::string::npos) << r.err;
}

TEST(CosimCli, WritesWaveformsOnRequest) {
  const auto dir = scratch("cosim_vcd");
  const auto vcd = dir / "mesh.vcd";
  const auto r = coda("cosim -c configs/hw/gemmini-default.yaml -p mesh.rows=4 -p mesh.cols=4 --gemm 8,8,8 --vcd '" +
                          vcd.string() + "'",
                      dir);
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string text = testing::slurp(vcd);
  EXPECT_NE(text.find("$enddefinitions"), std::string::npos);
  EXPECT_NE(text.find("a_ready"), std::string::npos);
}

TEST(CosimCli, RejectsADimWithoutAVerilatedMesh) {
  const auto dir = scratch("cosim_bad");
  const auto r = coda("cosim -c configs/hw/gemmini-default.yaml -p mesh.rows=32 -p mesh.cols=32 --gemm 8,8,8", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("mesh.rows"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("DIM 4, 8 and 16"), std::string::npos) << r.err;
}

#else

TEST(CosimCli, ExplainsThatItWasBuiltWithoutVerilator) {
  const auto dir = scratch("cosim_off");
  const auto r = coda("cosim -c configs/hw/gemmini-default.yaml --gemm 8,8,8", dir);
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("without Verilator"), std::string::npos) << r.err;
}

#endif

TEST(CosimCli, RejectsABadGemmShape) {
  const auto dir = scratch("cosim_shape");
  const auto r = coda("cosim -c configs/hw/gemmini-default.yaml --gemm 8,0", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("gemm"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace coda
