// Pareto utilities against hand-computed values.
#include "nas/pareto.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "nas/rng.h"

namespace coda::nas {
namespace {

Objectives pt(double a, double b, double violation = 0) { return {{a, b}, violation}; }

TEST(Pareto, ConstrainedDomination) {
  EXPECT_TRUE(dominates(pt(1, 1), pt(2, 2)));
  EXPECT_TRUE(dominates(pt(1, 2), pt(1, 3)));
  EXPECT_FALSE(dominates(pt(1, 2), pt(1, 2)));  // equal: neither
  EXPECT_FALSE(dominates(pt(1, 3), pt(2, 2)));
  EXPECT_TRUE(dominates(pt(100, 100), pt(1, 1, 0.5)));  // feasible beats infeasible
  EXPECT_FALSE(dominates(pt(1, 1, 0.5), pt(100, 100)));
  EXPECT_TRUE(dominates(pt(9, 9, 0.1), pt(1, 1, 0.2)));  // infeasible: smaller violation wins
  EXPECT_FALSE(dominates(pt(1, 1, 0.2), pt(9, 9, 0.2)));
}

TEST(Pareto, NonDominatedSortHandComputed) {
  // A(1,5) B(2,3) C(3,1) D(2,4) E(4,4) F(3,3) G(1,5)=A
  const std::vector<Objectives> p{pt(1, 5), pt(2, 3), pt(3, 1), pt(2, 4), pt(4, 4), pt(3, 3), pt(1, 5)};
  const auto fronts = non_dominated_sort(p);
  ASSERT_EQ(fronts.size(), 3u);
  EXPECT_EQ(fronts[0], (std::vector<std::size_t>{0, 1, 2, 6}));
  EXPECT_EQ(fronts[1], (std::vector<std::size_t>{3, 5}));
  EXPECT_EQ(fronts[2], (std::vector<std::size_t>{4}));
  EXPECT_EQ(pareto_ranks(p), (std::vector<std::size_t>{0, 0, 0, 1, 2, 1, 0}));
  EXPECT_EQ(pareto_front(p), (std::vector<std::size_t>{0, 1, 2, 6}));
}

TEST(Pareto, InfeasiblePointsComeAfterFeasibleOnesByViolation) {
  const std::vector<Objectives> p{pt(1, 1, 0.3), pt(5, 5), pt(0, 0, 0.1), pt(6, 6), pt(2, 2, 0.3)};
  const auto fronts = non_dominated_sort(p);
  ASSERT_EQ(fronts.size(), 4u);
  EXPECT_EQ(fronts[0], (std::vector<std::size_t>{1}));
  EXPECT_EQ(fronts[1], (std::vector<std::size_t>{3}));
  EXPECT_EQ(fronts[2], (std::vector<std::size_t>{2}));
  EXPECT_EQ(fronts[3], (std::vector<std::size_t>{0, 4}));
  EXPECT_TRUE(pareto_front({pt(1, 1, 0.3)}).empty());
}

TEST(Pareto, TwoObjectiveSweepAgreesWithDebsAlgorithm) {
  // A constant third objective sends the same points through the general O(MN^2) algorithm.
  Rng rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<Objectives> two, three;
    const std::size_t n = 1 + rng.below(60);
    for (std::size_t i = 0; i < n; ++i) {
      const double a = static_cast<double>(rng.below(8)), b = static_cast<double>(rng.below(8));
      const double v = rng.below(5) == 0 ? static_cast<double>(rng.below(3)) : 0.0;
      two.push_back({{a, b}, v});
      three.push_back({{a, b, 0.0}, v});
    }
    ASSERT_EQ(non_dominated_sort(two), non_dominated_sort(three)) << "trial " << trial;
  }
}

TEST(Pareto, CrowdingDistanceHandComputed) {
  // Ranges 10 and 10. Interior: p1 = (3-0)/10 + (10-3)/10 = 1.0, p2 = (10-1)/10 + (6-0)/10 = 1.5.
  const std::vector<Objectives> p{pt(0, 10), pt(1, 6), pt(3, 3), pt(10, 0)};
  const auto d = crowding_distance(p, {0, 1, 2, 3});
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(d[0], inf);
  EXPECT_DOUBLE_EQ(d[1], 1.0);
  EXPECT_DOUBLE_EQ(d[2], 1.5);
  EXPECT_EQ(d[3], inf);
  // A subset, given out of order: distances follow the order of `front`.
  const auto s = crowding_distance(p, {2, 0, 3});
  EXPECT_DOUBLE_EQ(s[0], 2.0);  // (10-0)/10 + (10-0)/10
  EXPECT_EQ(s[1], inf);
  EXPECT_EQ(s[2], inf);
  // One or two points: all boundary.
  EXPECT_EQ(crowding_distance(p, {1})[0], inf);
}

TEST(Pareto, HypervolumeHandComputed) {
  // Staircase (1,3) (2,2) (3,1) under reference (4,4): 3*1 + 2*1 + 1*1 = 6; a dominated point and one outside
  // the reference add nothing.
  EXPECT_DOUBLE_EQ(hypervolume_2d({{1, 3}, {2, 2}, {3, 1}}, {4, 4}), 6.0);
  EXPECT_DOUBLE_EQ(hypervolume_2d({{3, 3}, {1, 3}, {2, 2}, {3, 1}, {5, 0}}, {4, 4}), 6.0);
  EXPECT_DOUBLE_EQ(hypervolume_2d({}, {4, 4}), 0.0);
  EXPECT_DOUBLE_EQ(hypervolume_2d({{0, 0}}, {2, 3}), 6.0);
}

}  // namespace
}  // namespace coda::nas
