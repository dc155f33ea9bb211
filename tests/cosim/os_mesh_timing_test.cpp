// Cycle-exactness of the engine's output-stationary mesh timing against the OS RTL mesh
// (rtl/mesh/os_mesh_with_delays.v): single operations written by hand go through the engine after a CONFIG_EX
// selecting OS, the engine's mesh operations are replayed through the Verilated OS mesh, and every operand entry
// and output row must agree; the absolute cycles are also checked against the rules in sim/engine/mesh.h.
// Whole tiled GEMMs with the OS dataflow go through cosim_gemm at DIM 4, 8 and 16.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "sim/config/diagnostics.h"
#include "sim/config/hw_config.h"
#include "sim/cosim/mesh_cosim.h"
#include "sim/engine/engine.h"
#include "tests/cosim/cosim_test_util.h"
#include "tests/sim/vector_source.h"

namespace coda {
namespace {

using testing::VectorSource;

using testing::compute;
using testing::expect_equal_timing;
using testing::hw_dim;
using testing::preload;

isa::Command config_os() {
  isa::Command c;
  c.opcode = isa::Opcode::ConfigEx;
  c.dataflow = isa::Dataflow::OS;
  return c;
}
cosim::ReplayResult replay(int64_t dim, std::vector<isa::Command> cmds, bool transposed = false) {
  cosim::ReplayOptions opt;
  opt.dataflow = isa::Dataflow::OS;
  isa::Command cfg = config_os();
  cfg.a_transpose = cfg.b_transpose = transposed;
  cmds.insert(cmds.begin(), cfg);
  return testing::replay_commands(dim, cmds, opt);
}

// The mesh.h rule: row i of a compute whose last column entered at L leaves at L + 2*DIM + 1 + (DIM - 1 - i)
// (latency 2*DIM - 1 + output delay 1, one drain register, bottom row first).
uint64_t os_row_exit(uint64_t last_col, int64_t dim, uint64_t i) {
  return last_col + uint64_t(2 * dim) + 1 + uint64_t(dim) - 1 - i;
}

class OsMeshTiming : public ::testing::TestWithParam<int> {};

TEST_P(OsMeshTiming, OnePreloadAndCompute) {
  // K = DIM, K < DIM, the K < 4 floor and K = 1; output rows = DIM and fewer.
  const int64_t dim = GetParam();
  const auto d = uint16_t(dim);
  struct Shape {
    uint16_t rows, k;
  };
  for (Shape s : {Shape{d, d}, Shape{uint16_t(dim / 2), d}, Shape{d, 3}, Shape{3, 1}, Shape{1, 1}, Shape{2, 2}}) {
    const auto r = replay(dim, {preload(isa::LocalAddr::sp(64), s.k, isa::LocalAddr::acc(0), s.rows, d),
                                compute(true, s.rows, s.k)});
    expect_equal_timing(r);
    ASSERT_EQ(r.timeline.size(), 2u);
    const auto& pre = r.timeline[0];
    const auto& cmp = r.timeline[1];
    // The preload streams max(K, 4) beats; the compute enters when the B buffer is complete.
    EXPECT_EQ(cmp.rtl_feed, pre.rtl_feed + std::max<uint64_t>(s.k, 4)) << "k " << s.k;
    // The timeline lists the written rows in the order they leave: row rows-1 first, row 0 last.
    ASSERT_EQ(cmp.rtl_rows.size(), s.rows);
    const uint64_t last_col = cmp.rtl_feed + s.k - 1;
    for (uint64_t n = 0; n < s.rows; ++n) {
      const uint64_t i = s.rows - 1 - n;
      EXPECT_EQ(cmp.rtl_rows[n], os_row_exit(last_col, dim, i)) << "rows " << s.rows << " k " << s.k << " row " << i;
    }
  }
}

TEST_P(OsMeshTiming, BackToBackComputesDrainOneRowPerCycle) {
  // One B block reused by six computes of K = DIM (LOOP_WS's order): each enters DIM cycles after the previous
  // one, so the drains follow each other without a gap.
  const int64_t dim = GetParam();
  const auto d = uint16_t(dim);
  std::vector<isa::Command> cmds{preload(isa::LocalAddr::sp(1024), d, isa::LocalAddr::acc(0), d, d),
                                 compute(true, d, d)};
  for (uint32_t i = 1; i < 6; ++i) {
    cmds.push_back(preload(isa::LocalAddr::garbage(), d, isa::LocalAddr::acc(i * d), d, d));
    cmds.push_back(compute(false, d, d, i * d));
  }
  const auto r = replay(dim, cmds);
  expect_equal_timing(r);
  ASSERT_EQ(r.timeline.size(), 7u);
  size_t contiguous = 0;
  for (size_t k = 2; k < r.timeline.size(); ++k) {
    const auto& op = r.timeline[k];
    EXPECT_EQ(op.rtl_feed, std::max(op.ready, r.timeline[k - 1].rtl_feed + uint64_t(dim)) + op.stall) << "compute " << k;
    // Bottom row first: the previous compute's row 0 is its last beat, this compute's row DIM-1 its first.
    if (op.ready <= r.timeline[k - 1].rtl_feed + uint64_t(dim) && op.stall == 0) {
      EXPECT_EQ(op.rtl_rows.front(), r.timeline[k - 1].rtl_rows.back() + 1) << "compute " << k;
      ++contiguous;
    }
  }
  EXPECT_GE(contiguous, 2u);
}

TEST_P(OsMeshTiming, ShortComputesWaitForTheDrain) {
  // K < DIM: the left port is free after max(K, 4) cycles, but each compute drains DIM rows, so a compute's last
  // column enters at least DIM cycles after the previous one's.
  const int64_t dim = GetParam();
  const auto d = uint16_t(dim);
  for (uint16_t k : {uint16_t(1), uint16_t(2), uint16_t(3), uint16_t(5 % dim + 1), d}) {
    std::vector<isa::Command> cmds{preload(isa::LocalAddr::sp(1024), k, isa::LocalAddr::acc(0), d, d),
                                   compute(true, d, k)};
    for (uint32_t i = 1; i < 5; ++i) {
      cmds.push_back(preload(isa::LocalAddr::garbage(), k, isa::LocalAddr::acc(0, true), d, d));
      cmds.push_back(compute(false, d, k));
    }
    const auto r = replay(dim, cmds);
    expect_equal_timing(r);
    for (size_t j = 2; j < r.timeline.size(); ++j) {
      const auto& op = r.timeline[j];
      const auto& prev = r.timeline[j - 1];
      const uint64_t port_free = prev.rtl_feed + std::max<uint64_t>(k, 4);
      const uint64_t drain_free = prev.rtl_feed + uint64_t(dim);  // same K: last columns DIM apart
      EXPECT_EQ(op.rtl_feed, std::max({op.ready, port_free, drain_free}) + op.stall) << "k " << k;
    }
  }
}

TEST_P(OsMeshTiming, MixedShapesAndPreloadOverlap) {
  // Preloads of several sizes alternate with computes of other K and row counts: the B buffer's shadow is
  // refilled once the previous preload was flipped, the 4-beat floor, the drain spacing with unequal K.
  const int64_t dim = GetParam();
  const auto d = uint16_t(dim);
  const auto hw = hw_dim(dim);
  const auto b_bank = uint32_t(hw.scratchpad.capacity_kb * 1024 / hw.scratchpad.banks / hw.sp_row_bytes());
  std::vector<isa::Command> cmds;
  const uint16_t ks[] = {1, d, 2, 3, d, 1, uint16_t(dim / 2)};
  const uint16_t rows[] = {d, 3, 1, d, 2, d, std::min<uint16_t>(5, d)};
  for (uint32_t i = 0; i < 7; ++i) {
    cmds.push_back(preload(isa::LocalAddr::sp(b_bank + i * d), ks[i], isa::LocalAddr::acc(i * d), rows[i], d));
    cmds.push_back(compute(true, rows[i], ks[i], i * d));
  }
  expect_equal_timing(replay(dim, cmds));
}

// The rows of docs/validation.md's OS table: each op's entries (engine/RTL) and the mesh cycles, printed, and
// asserted equal.
TEST(OsMeshTable, SingleOperationsAgree) {
  for (int64_t dim : {4, 8, 16}) {
    const auto d = uint16_t(dim);
    struct Row {
      const char* name;
      std::vector<isa::Command> cmds;
    };
    std::vector<Row> rows;
    rows.push_back({"preload + compute, K = DIM, DIM rows",
                    {preload(isa::LocalAddr::sp(1024), d, isa::LocalAddr::acc(0), d, d), compute(true, d, d)}});
    rows.push_back({"preload + compute, K = 3 (4-column floor), DIM rows",
                    {preload(isa::LocalAddr::sp(1024), 3, isa::LocalAddr::acc(0), d, d), compute(true, d, 3)}});
    rows.push_back({"preload + compute, K = DIM, 3 rows",
                    {preload(isa::LocalAddr::sp(1024), d, isa::LocalAddr::acc(0), 3, d), compute(true, 3, d)}});
    std::vector<isa::Command> b2b{preload(isa::LocalAddr::sp(1024), d, isa::LocalAddr::acc(0), d, d), compute(true, d, d)};
    std::vector<isa::Command> short_k{preload(isa::LocalAddr::sp(1024), 1, isa::LocalAddr::acc(0), d, d),
                                      compute(true, d, 1)};
    for (uint32_t i = 1; i < 6; ++i) {
      b2b.push_back(preload(isa::LocalAddr::garbage(), d, isa::LocalAddr::acc(i * d), d, d));
      b2b.push_back(compute(false, d, d, i * d));
    }
    for (uint32_t i = 1; i < 5; ++i) {
      short_k.push_back(preload(isa::LocalAddr::garbage(), 1, isa::LocalAddr::acc(i * d), d, d));
      short_k.push_back(compute(false, d, 1, i * d));
    }
    rows.push_back({"6 back-to-back computes (one preload), K = DIM", b2b});
    rows.push_back({"5 computes with K = 1 (drains DIM apart)", short_k});
    for (const Row& row : rows) {
      const auto r = replay(dim, row.cmds);
      expect_equal_timing(r);
      std::string entries;
      for (const auto& op : r.timeline)
        entries += (entries.empty() ? "" : " ") + std::string(op.kind == engine::MeshEvent::Kind::Preload ? "P" : "C") +
                   std::to_string(op.engine_feed) + "/" + std::to_string(op.rtl_feed);
      std::printf("| %s | %d | %s | %llu | %llu |\n", row.name, int(dim), entries.c_str(),
                  static_cast<unsigned long long>(r.engine_mesh_end), static_cast<unsigned long long>(r.rtl_mesh_end));
    }
  }
}

TEST_P(OsMeshTiming, TransposedOperandsStreamDimColumns) {
  // Through the transposer both operands are DIM rows/columns whatever the block: the compute streams DIM
  // columns, so its rows leave as those of a K = DIM compute.
  const int64_t dim = GetParam();
  const auto d = uint16_t(dim);
  const auto r = replay(dim,
                        {preload(isa::LocalAddr::sp(1024), 3, isa::LocalAddr::acc(0), 3, d), compute(true, 3, 3),
                         preload(isa::LocalAddr::garbage(), 3, isa::LocalAddr::acc(d), 3, d), compute(false, 3, 3, d)},
                        /*transposed=*/true);
  expect_equal_timing(r);
  ASSERT_EQ(r.timeline.size(), 3u);
  EXPECT_EQ(r.timeline[2].rtl_feed, std::max(r.timeline[2].ready, r.timeline[1].rtl_feed + uint64_t(dim)) +
                                        r.timeline[2].stall);
  const uint64_t last_col = r.timeline[1].rtl_feed + uint64_t(dim) - 1;
  EXPECT_EQ(r.timeline[1].rtl_rows.back(), os_row_exit(last_col, dim, 0));
}

INSTANTIATE_TEST_SUITE_P(Dims, OsMeshTiming, ::testing::Values(4, 8, 16));

using Case = testing::GemmCase;

class OsGemmCosim : public ::testing::TestWithParam<Case> {};

TEST_P(OsGemmCosim, RtlMeshEqualsTheEngine) {
  const Case c = GetParam();
  cosim::ReplayOptions opt;
  opt.dataflow = isa::Dataflow::OS;
  const auto g = cosim::cosim_gemm(hw_dim(c.dim), c.m, c.k, c.n, c.seed, opt);
  testing::expect_gemm_agrees(g, c);
  EXPECT_EQ(g.engine.dataflow, "OS");
}

INSTANTIATE_TEST_SUITE_P(Shapes, OsGemmCosim, testing::kGemmCases);

TEST(OsGemmCosimStalls, ContendedMemoriesStillMatchCycleForCycle) {
  for (int64_t dim : {8, 16}) {
    auto hw = hw_dim(dim);
    hw.accumulator.ports = 1;
    hw.scratchpad.banks = 1;
    cosim::ReplayOptions opt;
    opt.dataflow = isa::Dataflow::OS;
    const auto g = cosim::cosim_gemm(hw, 100, 70, 90, 4, opt);
    EXPECT_TRUE(g.ok()) << g.rtl.first_mismatch;
    EXPECT_EQ(g.rtl.engine_mesh_end, g.rtl.rtl_mesh_end);
  }
}

// The OS replay has teeth: a wrong exit cycle, a wrong value or the wrong row order in the engine's report is
// caught.
TEST(OsMeshReplay, ReportsWrongTimingAndValues) {
  const std::vector<int8_t> ones(16, 1);
  std::vector<int32_t> result(16, 4);  // 4x4 ones times 4x4 ones
  engine::MeshEvent p;
  p.kind = engine::MeshEvent::Kind::Preload;
  p.dataflow = isa::Dataflow::OS;
  p.rows = p.occupancy = 4;
  p.operand = ones;
  engine::MeshEvent c;
  c.kind = engine::MeshEvent::Kind::ComputePreloaded;
  c.dataflow = isa::Dataflow::OS;
  c.ready = 1;
  c.feed = 4;  // the B buffer is complete after 4 beats
  c.rows = c.occupancy = c.out_rows = 4;
  c.first_out = (4 + 4 - 1) + 2 * 4 + 1;  // last column + 2 * DIM + output delay; row 3 first
  c.write_start = c.first_out;
  c.operand = ones;
  c.result = result;
  auto run = [&](const engine::MeshEvent& pre, const engine::MeshEvent& cmp) {
    cosim::ReplayOptions opt;
    opt.dataflow = isa::Dataflow::OS;
    cosim::MeshReplayer rep(4, opt);
    rep.on_mesh(pre);
    rep.on_mesh(cmp);
    return rep.finish();
  };
  const auto good = run(p, c);
  EXPECT_TRUE(good.ok()) << good.first_mismatch;
  EXPECT_EQ(good.rows_compared, 4u);
  EXPECT_EQ(good.values_compared, 16u);
  EXPECT_EQ(good.rtl_mesh_end, c.first_out + 4);
  auto late = c;
  late.first_out += 1;
  EXPECT_EQ(run(p, late).row_timing_mismatches, 4u);
  result[1 * 4 + 2] = 5;  // C[1][2]
  auto wrong = c;
  wrong.result = result;
  const auto r = run(p, wrong);
  EXPECT_EQ(r.value_mismatches, 1u);
  EXPECT_NE(r.first_mismatch.find("C[1][2] = 4 in the RTL, 5 in the engine"), std::string::npos) << r.first_mismatch;
}

TEST(OsGemmCosimConfig, DataflowFollowsTheConfig) {
  auto hw = hw_dim(8);
  hw.mesh.dataflow = config::Dataflow::OS;
  EXPECT_EQ(cosim::cosim_dataflow(hw), isa::Dataflow::OS);
  EXPECT_NO_THROW(cosim::check_mesh_config(hw, "hw.yaml", isa::Dataflow::OS));
  EXPECT_THROW(cosim::check_mesh_config(hw, "hw.yaml", isa::Dataflow::WS), config::InputError);
  hw.mesh.dataflow = config::Dataflow::WS;
  EXPECT_EQ(cosim::cosim_dataflow(hw), isa::Dataflow::WS);
  EXPECT_THROW(cosim::check_mesh_config(hw, "hw.yaml", isa::Dataflow::OS), config::InputError);
  hw.mesh.dataflow = config::Dataflow::Both;
  EXPECT_EQ(cosim::cosim_dataflow(hw), isa::Dataflow::WS);
  EXPECT_NO_THROW(cosim::check_mesh_config(hw, "hw.yaml", isa::Dataflow::OS));
  // OS events through the WS replayer (and the reverse) are refused.
  cosim::ReplayOptions opt;
  opt.dataflow = isa::Dataflow::OS;
  cosim::MeshReplayer rep(4, opt);
  engine::MeshEvent e;
  e.dataflow = isa::Dataflow::WS;
  e.rows = 4;
  EXPECT_THROW(rep.on_mesh(e), std::invalid_argument);
}

}  // namespace
}  // namespace coda
