// Cycle-exactness of the engine's mesh model against the RTL mesh: single operations written by hand go through
// the engine (timing only); the engine's mesh operations are replayed through the Verilated mesh, and the cycle
// each operand enters and each output row leaves must be the engine's. The absolute cycles are also checked
// against the timing written down in sim/engine/mesh.h.
#include <gtest/gtest.h>

#include <vector>

#include "sim/config/hw_config.h"
#include "sim/cosim/mesh_cosim.h"
#include "sim/engine/engine.h"
#include "tests/cosim/cosim_test_util.h"
#include "tests/sim/vector_source.h"

namespace coda {
namespace {

using engine::MeshEvent;

using testing::VectorSource;

using testing::compute;
using testing::hw_dim;
using testing::preload;

struct Run {
  cosim::ReplayResult r;
};

cosim::ReplayResult replay(int64_t dim, const std::vector<isa::Command>& cmds) {
  return testing::replay_commands(dim, cmds);
}

void expect_equal_timing(const cosim::ReplayResult& r) {
  testing::expect_equal_timing(r);
  EXPECT_EQ(r.row_count_mismatches, 0u) << r.first_mismatch;
}

class MeshTiming : public ::testing::TestWithParam<int> {};

TEST_P(MeshTiming, OnePreloadAndCompute) {
  const int64_t dim = GetParam();
  const auto d = uint16_t(dim);
  const uint64_t latency = uint64_t(2 * dim);  // 2 * DIM - 1 + output delay 1
  for (uint16_t rows : {d, uint16_t(dim / 2), uint16_t(3), uint16_t(1)}) {
    const auto r = replay(dim, {preload(isa::LocalAddr::sp(64), rows, isa::LocalAddr::acc(0), rows, d),
                                compute(true, rows, d)});
    expect_equal_timing(r);
    ASSERT_EQ(r.timeline.size(), 2u);
    // The preload streams max(rows, 4) beats; the compute enters when the weights are complete.
    const auto& pre = r.timeline[0];
    const auto& cmp = r.timeline[1];
    EXPECT_EQ(cmp.rtl_feed, pre.rtl_feed + std::max<uint64_t>(rows, 4)) << "rows " << rows;
    ASSERT_EQ(cmp.rtl_rows.size(), rows);
    for (uint64_t i = 0; i < rows; ++i) EXPECT_EQ(cmp.rtl_rows[i], cmp.rtl_feed + i + latency) << "row " << i;
  }
}

TEST_P(MeshTiming, BackToBackComputesStreamOneRowPerCycle) {
  const int64_t dim = GetParam();
  const auto d = uint16_t(dim);
  std::vector<isa::Command> cmds{preload(isa::LocalAddr::sp(64), d, isa::LocalAddr::acc(0), d, d), compute(true, d, d)};
  for (uint32_t i = 1; i < 6; ++i) {
    cmds.push_back(preload(isa::LocalAddr::garbage(), d, isa::LocalAddr::acc(i * d), d, d));
    cmds.push_back(compute(false, d, d, i * d));
  }
  const auto r = replay(dim, cmds);
  expect_equal_timing(r);
  ASSERT_EQ(r.timeline.size(), 7u);
  // Each compute enters as soon as the previous one has streamed its DIM rows (or when the execute controller
  // issues it, plus any scratchpad stall); while computes are issued early enough, output rows leave on
  // consecutive cycles.
  for (size_t k = 2; k < r.timeline.size(); ++k) {
    const auto& op = r.timeline[k];
    EXPECT_EQ(op.rtl_feed, std::max(op.ready, r.timeline[k - 1].rtl_feed + uint64_t(dim)) + op.stall) << "compute " << k;
    if (op.ready <= r.timeline[k - 1].rtl_feed + uint64_t(dim) && op.stall == 0) {
      EXPECT_EQ(op.rtl_rows.front(), r.timeline[k - 1].rtl_rows.back() + 1) << "compute " << k;
    }
  }
}

TEST_P(MeshTiming, PreloadOverlapsTheRunningCompute) {
  // P0 C0 P1 C1 P2 C2: each preload fills the shadow weights while the previous compute streams, starting the
  // cycle that compute flipped its weights in. B lives in another scratchpad bank than A (as Gemmini's loops
  // place them), so the two reads do not conflict.
  const int64_t dim = GetParam();
  const auto d = uint16_t(dim);
  const auto hw = hw_dim(dim);
  const auto b_bank = uint32_t(hw.scratchpad.capacity_kb * 1024 / hw.scratchpad.banks / hw.sp_row_bytes());
  std::vector<isa::Command> cmds;
  for (uint32_t i = 0; i < 4; ++i) {
    cmds.push_back(preload(isa::LocalAddr::sp(b_bank + i * d), d, isa::LocalAddr::acc(i * d), d, d));
    cmds.push_back(compute(true, d, d, i * d));
  }
  const auto r = replay(dim, cmds);
  expect_equal_timing(r);
  ASSERT_EQ(r.timeline.size(), 8u);
  const uint64_t n = uint64_t(dim);
  for (size_t k = 2; k < 8; k += 2) {
    const auto& prev_pre = r.timeline[k - 2];
    const auto& prev_compute = r.timeline[k - 1];
    const auto& pre = r.timeline[k];
    const auto& cmp = r.timeline[k + 1];
    // The shadow weights are free from the cycle the previous compute flipped them, and the top port after the
    // previous preload's DIM beats: the preload refills the shadow while that compute streams.
    EXPECT_EQ(pre.rtl_feed, std::max({pre.ready, prev_pre.rtl_feed + n, prev_compute.rtl_feed}) + pre.stall);
    EXPECT_EQ(pre.stall, 0u);
    EXPECT_EQ(pre.rtl_feed, prev_compute.rtl_feed);  // the preload enters in the cycle the compute flips
    // The next compute flips when its weights are complete and the previous compute has left the left port.
    EXPECT_EQ(cmp.rtl_feed, std::max({cmp.ready, pre.rtl_feed + n, prev_compute.rtl_feed + n}) + cmp.stall);
  }
}

TEST_P(MeshTiming, RowsBelowDimAndTheFourRowFloor) {
  const int64_t dim = GetParam();
  const auto d = uint16_t(dim);
  for (uint16_t rows : {uint16_t(1), uint16_t(2), uint16_t(3), uint16_t(5)}) {
    std::vector<isa::Command> cmds{preload(isa::LocalAddr::sp(64), rows, isa::LocalAddr::acc(0), rows, d),
                                   compute(true, rows, d)};
    for (int i = 1; i < 5; ++i) {
      cmds.push_back(preload(isa::LocalAddr::garbage(), rows, isa::LocalAddr::acc(0, true), rows, d));
      cmds.push_back(compute(false, rows, d));
    }
    const auto r = replay(dim, cmds);
    expect_equal_timing(r);
    // Consecutive computes enter max(rows, 4) cycles apart unless issued later (or stalled outside the mesh).
    size_t back_to_back = 0;
    for (size_t k = 2; k < r.timeline.size(); ++k) {
      const auto& op = r.timeline[k];
      const uint64_t port_free = r.timeline[k - 1].rtl_feed + std::max<uint64_t>(rows, 4);
      EXPECT_EQ(op.rtl_feed, std::max(op.ready, port_free) + op.stall) << "rows " << rows;
      back_to_back += op.ready <= port_free && op.stall == 0;
    }
    EXPECT_GE(back_to_back, 2u) << "rows " << rows;
  }
}

TEST_P(MeshTiming, ShortPreloadsBetweenComputes) {
  // Short preloads (rows < 4) alternate with computes of other sizes: the 4-row floor on the top port and the
  // weights-complete check of each flip.
  const int64_t dim = GetParam();
  const auto d = uint16_t(dim);
  std::vector<isa::Command> cmds;
  const uint16_t sizes[] = {1, d, 2, 3, d, 1};
  for (uint32_t i = 0; i < 6; ++i) {
    cmds.push_back(preload(isa::LocalAddr::sp(256 + i * d), sizes[i], isa::LocalAddr::acc(i * d), sizes[(i + 1) % 6], d));
    cmds.push_back(compute(true, sizes[(i + 1) % 6], d, i * d));
  }
  expect_equal_timing(replay(dim, cmds));
}

INSTANTIATE_TEST_SUITE_P(Dims, MeshTiming, ::testing::Values(4, 8, 16));

}  // namespace
}  // namespace coda

namespace coda {
namespace {

// The replay has teeth: an engine that says otherwise than the RTL is reported.
struct Synthetic {
  std::vector<int8_t> ones = std::vector<int8_t>(16, 1);
  std::vector<int32_t> result = std::vector<int32_t>(16, 4);  // 4x4 ones times 4x4 ones
  engine::MeshEvent preload() const {
    engine::MeshEvent e;
    e.kind = engine::MeshEvent::Kind::Preload;
    e.ready = 0;
    e.feed = 0;
    e.rows = e.occupancy = 4;
    e.operand = ones;
    return e;
  }
  engine::MeshEvent compute() const {
    engine::MeshEvent e;
    e.kind = engine::MeshEvent::Kind::ComputePreloaded;
    e.ready = 1;
    e.feed = 4;  // weights complete after 4 beats
    e.rows = e.occupancy = e.out_rows = 4;
    e.first_out = 4 + 8;  // latency 2 * 4 - 1 + 1
    e.write_start = e.first_out;
    e.operand = ones;
    e.result = result;
    return e;
  }
};

cosim::ReplayResult replay_pair(const engine::MeshEvent& p, const engine::MeshEvent& c) {
  cosim::MeshReplayer rep(4);
  rep.on_mesh(p);
  rep.on_mesh(c);
  return rep.finish();
}

TEST(MeshReplay, AgreesWithTheMeshRulesAndReportsEveryKindOfMismatch) {
  const Synthetic s;
  const auto good = replay_pair(s.preload(), s.compute());
  EXPECT_TRUE(good.ok()) << good.first_mismatch;
  EXPECT_EQ(good.rows_compared, 4u);
  EXPECT_EQ(good.values_compared, 16u);
  EXPECT_EQ(good.rtl_mesh_end, 16u);

  auto c = s.compute();
  c.feed = 5;  // the engine claims the compute entered one cycle later than the RTL allows
  auto r = replay_pair(s.preload(), c);
  EXPECT_EQ(r.feed_mismatches, 1u);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.first_mismatch.find("enters the RTL mesh at cycle 4, the engine's at 5"), std::string::npos)
      << r.first_mismatch;

  c = s.compute();
  c.first_out = 13;  // one cycle more latency than the RTL has
  r = replay_pair(s.preload(), c);
  EXPECT_EQ(r.row_timing_mismatches, 4u);
  EXPECT_NE(r.engine_mesh_end, r.rtl_mesh_end);

  std::vector<int32_t> wrong = s.result;
  wrong[5] = 3;
  c = s.compute();
  c.result = wrong;
  r = replay_pair(s.preload(), c);
  EXPECT_EQ(r.value_mismatches, 1u);
  EXPECT_NE(r.first_mismatch.find("C[1][1] = 4 in the RTL, 3 in the engine"), std::string::npos) << r.first_mismatch;

  // A compute-preloaded whose weights never arrive: the RTL waits for them forever, which the replay reports.
  cosim::MeshReplayer rep(4);
  rep.on_mesh(s.compute());
  EXPECT_THROW(rep.finish(), std::runtime_error);
}

}  // namespace
}  // namespace coda
