// Helpers the co-simulation tests share (mesh_timing_test.cpp, os_mesh_timing_test.cpp, gemm_cosim_test.cpp):
// a DIM x DIM hardware config, hand-written PRELOAD/COMPUTE commands, a replay of commands through the engine
// and the RTL mesh, and the checks every co-simulated GEMM must pass.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "sim/config/hw_config.h"
#include "sim/cosim/mesh_cosim.h"
#include "sim/engine/engine.h"
#include "tests/sim/vector_source.h"

namespace coda::testing {

inline config::HwConfig hw_dim(int64_t dim) {
  config::HwConfig hw;
  hw.mesh.rows = hw.mesh.cols = dim;
  return hw;
}

// Preload of a B block with `rows` rows (K for the OS mesh); names C (c_rows rows) for the next compute.
inline isa::Command preload(isa::LocalAddr b, uint16_t rows, isa::LocalAddr c, uint16_t c_rows, uint16_t dim) {
  isa::Command p;
  p.opcode = isa::Opcode::Preload;
  p.addr1 = b;
  p.rows1 = rows;
  p.cols1 = dim;
  p.addr2 = c;
  p.rows2 = c_rows;
  p.cols2 = dim;
  return p;
}
// Compute of an A block with `rows` rows and `cols` columns (DIM for WS; K, the columns the OS mesh streams).
inline isa::Command compute(bool preloaded, uint16_t rows, uint16_t cols, uint32_t a_row = 0) {
  isa::Command c;
  c.opcode = preloaded ? isa::Opcode::ComputePreloaded : isa::Opcode::ComputeAccumulated;
  c.addr1 = isa::LocalAddr::sp(a_row);
  c.rows1 = rows;
  c.cols1 = cols;
  return c;
}

// Runs `cmds` through the engine at DIM `dim` (timing only) and replays its mesh operations through the RTL
// mesh (opt.keep_timeline is set).
inline cosim::ReplayResult replay_commands(int64_t dim, const std::vector<isa::Command>& cmds,
                                           cosim::ReplayOptions opt = {}) {
  const auto hw = hw_dim(dim);
  engine::Engine eng(hw, {});
  opt.keep_timeline = true;
  cosim::MeshReplayer rep(int(dim), opt);
  eng.set_mesh_observer(&rep);
  VectorSource src;
  src.cmds = cmds;
  eng.run(src, 0);
  return rep.finish();
}

// Every operand entry and output row at the engine's cycle, and the same mesh end.
inline void expect_equal_timing(const cosim::ReplayResult& r) {
  EXPECT_EQ(r.feed_mismatches, 0u) << r.first_mismatch;
  EXPECT_EQ(r.row_timing_mismatches, 0u) << r.first_mismatch;
  EXPECT_EQ(r.engine_mesh_end, r.rtl_mesh_end);
  EXPECT_TRUE(r.ok()) << r.first_mismatch;
  for (const auto& op : r.timeline) {
    EXPECT_EQ(op.rtl_feed, op.engine_feed);
    EXPECT_EQ(op.rtl_rows, op.engine_rows);
  }
}

struct GemmCase {
  int64_t dim, m, k, n;
  uint64_t seed;
};
// The GEMM shapes both dataflows are co-simulated with.
inline const auto kGemmCases =
    ::testing::Values(GemmCase{4, 16, 16, 16, 1}, GemmCase{4, 37, 53, 29, 2}, GemmCase{8, 64, 64, 64, 3},
                      GemmCase{8, 5, 70, 9, 4}, GemmCase{16, 64, 64, 64, 5}, GemmCase{16, 100, 48, 33, 6},
                      GemmCase{16, 3, 16, 200, 7}, GemmCase{16, 128, 256, 64, 8});

// A whole co-simulated GEMM: RTL and engine agree on every operand entry, output row and value and on the mesh
// end; every output element went through the RTL; the engine's result is the reference GEMM's.
inline void expect_gemm_agrees(const cosim::GemmCosim& g, const GemmCase& c) {
  const auto& r = g.rtl;
  EXPECT_TRUE(g.ok()) << r.first_mismatch;
  EXPECT_EQ(r.feed_mismatches, 0u);
  EXPECT_EQ(r.row_timing_mismatches, 0u);
  EXPECT_EQ(r.value_mismatches, 0u);
  EXPECT_EQ(r.engine_mesh_end, r.rtl_mesh_end);
  EXPECT_GT(r.computes, 0u);
  EXPECT_GE(r.values_compared, uint64_t(c.m * c.n));
  EXPECT_EQ(g.engine.verify.mismatches, 0u);
  EXPECT_EQ(g.engine.verify.elements_checked, uint64_t(c.m * c.n));
  EXPECT_LE(r.engine_mesh_end, g.engine.total_cycles);
}

}  // namespace coda::testing
