#pragma once
// Pareto utilities over minimised objectives with constrained domination (Deb 2000): a feasible point beats an
// infeasible one, two infeasible points are ordered by total violation, two feasible points by Pareto dominance.
#include <cstddef>
#include <utility>
#include <vector>

#include "nas/strategy.h"

namespace coda::nas {

/// True if `a` constrained-dominates `b`.
bool dominates(const Objectives& a, const Objectives& b);

/// Fast non-dominated sort: the fronts, best first; each front lists point indices in increasing order.
/// Two objectives use an O(N log N) sweep per front set, more use Deb's O(M N^2) algorithm; both give the same
/// fronts. Throws std::invalid_argument if the points have different numbers of objectives.
std::vector<std::vector<std::size_t>> non_dominated_sort(const std::vector<Objectives>& points);

/// The rank (front number, 0 = best) of every point.
std::vector<std::size_t> pareto_ranks(const std::vector<Objectives>& points);

/// Crowding distance of each member of `front` (same order as `front`): the boundary points of every objective
/// get +infinity, the others the sum over objectives of (next - previous) / (max - min) along that objective.
/// Ties in an objective are ordered by index, so the result never depends on the sort implementation.
std::vector<double> crowding_distance(const std::vector<Objectives>& points, const std::vector<std::size_t>& front);

/// The indices (increasing) of the feasible non-dominated points; empty if no point is feasible.
std::vector<std::size_t> pareto_front(const std::vector<Objectives>& points);

/// The 2-D hypervolume dominated by `points` (minimised) and bounded by `reference`; points not strictly
/// better than the reference in both coordinates contribute nothing.
double hypervolume_2d(std::vector<std::pair<double, double>> points, std::pair<double, double> reference);

}  // namespace coda::nas
