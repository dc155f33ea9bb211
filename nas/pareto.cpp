#include "nas/pareto.h"

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>
#include <stdexcept>

namespace coda::nas {

bool dominates(const Objectives& a, const Objectives& b) {
  const bool fa = a.feasible(), fb = b.feasible();
  if (fa != fb) return fa;
  if (!fa) return a.violation < b.violation;
  bool strictly = false;
  for (std::size_t m = 0; m < a.values.size(); ++m) {
    if (a.values[m] > b.values[m]) return false;
    if (a.values[m] < b.values[m]) strictly = true;
  }
  return strictly;
}

namespace {

// Deb's fast non-dominated sort over the points `idx` (all feasible, or the general case).
std::vector<std::vector<std::size_t>> sort_general(const std::vector<Objectives>& pts,
                                                   const std::vector<std::size_t>& idx) {
  const std::size_t n = idx.size();
  std::vector<std::vector<std::size_t>> dominated(n);  // positions in idx
  std::vector<std::size_t> count(n, 0);
  std::vector<std::vector<std::size_t>> fronts;
  std::vector<std::size_t> current;
  for (std::size_t p = 0; p < n; ++p) {
    for (std::size_t q = p + 1; q < n; ++q) {
      if (dominates(pts[idx[p]], pts[idx[q]])) {
        dominated[p].push_back(q);
        ++count[q];
      } else if (dominates(pts[idx[q]], pts[idx[p]])) {
        dominated[q].push_back(p);
        ++count[p];
      }
    }
  }
  for (std::size_t p = 0; p < n; ++p)
    if (count[p] == 0) current.push_back(p);
  while (!current.empty()) {
    std::vector<std::size_t> next;
    for (std::size_t p : current)
      for (std::size_t q : dominated[p])
        if (--count[q] == 0) next.push_back(q);
    std::vector<std::size_t> front;
    front.reserve(current.size());
    for (std::size_t p : current) front.push_back(idx[p]);
    std::sort(front.begin(), front.end());
    fronts.push_back(std::move(front));
    current = std::move(next);
  }
  return fronts;
}

// Two objectives, all points feasible: sweep in lexicographic order; a point joins the first front whose
// last member (the one with the smallest second objective) does not dominate it. Fronts are monotone, so the
// first such front is found by binary search.
std::vector<std::vector<std::size_t>> sort_2d(const std::vector<Objectives>& pts, std::vector<std::size_t> idx) {
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
    const auto& va = pts[a].values;
    const auto& vb = pts[b].values;
    if (va[0] != vb[0]) return va[0] < vb[0];
    if (va[1] != vb[1]) return va[1] < vb[1];
    return a < b;
  });
  std::vector<std::vector<std::size_t>> fronts;
  std::vector<std::size_t> last;  // last member of each front
  for (std::size_t p : idx) {
    const double x = pts[p].values[0], y = pts[p].values[1];
    auto dominated_by = [&](std::size_t k) {
      const double lx = pts[last[k]].values[0], ly = pts[last[k]].values[1];
      return ly < y || (ly == y && lx < x);
    };
    std::size_t lo = 0, hi = fronts.size();  // first front not dominating p
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (dominated_by(mid))
        lo = mid + 1;
      else
        hi = mid;
    }
    if (lo == fronts.size()) {
      fronts.emplace_back();
      last.push_back(p);
    }
    fronts[lo].push_back(p);
    last[lo] = p;
  }
  for (auto& f : fronts) std::sort(f.begin(), f.end());
  return fronts;
}

}  // namespace

std::vector<std::vector<std::size_t>> non_dominated_sort(const std::vector<Objectives>& points) {
  if (points.empty()) return {};
  const std::size_t m = points.front().values.size();
  std::vector<std::size_t> feasible, infeasible;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (points[i].values.size() != m)
      throw std::invalid_argument("non_dominated_sort: points with different numbers of objectives");
    (points[i].feasible() ? feasible : infeasible).push_back(i);
  }
  std::vector<std::vector<std::size_t>> fronts =
      feasible.empty() ? std::vector<std::vector<std::size_t>>{}
                       : (m == 2 ? sort_2d(points, feasible) : sort_general(points, feasible));
  // Infeasible points: one front per distinct total violation, smallest first.
  std::map<double, std::vector<std::size_t>> by_violation;
  for (std::size_t i : infeasible) by_violation[points[i].violation].push_back(i);
  for (auto& [v, f] : by_violation) fronts.push_back(std::move(f));
  return fronts;
}

std::vector<std::size_t> pareto_ranks(const std::vector<Objectives>& points) {
  std::vector<std::size_t> rank(points.size(), 0);
  const auto fronts = non_dominated_sort(points);
  for (std::size_t k = 0; k < fronts.size(); ++k)
    for (std::size_t i : fronts[k]) rank[i] = k;
  return rank;
}

std::vector<double> crowding_distance(const std::vector<Objectives>& points, const std::vector<std::size_t>& front) {
  const std::size_t n = front.size();
  std::vector<double> d(n, 0.0);
  if (n == 0) return d;
  const double inf = std::numeric_limits<double>::infinity();
  const std::size_t m = points[front[0]].values.size();
  std::vector<std::size_t> order(n);
  for (std::size_t obj = 0; obj < m; ++obj) {
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const double va = points[front[a]].values[obj], vb = points[front[b]].values[obj];
      if (va != vb) return va < vb;
      return front[a] < front[b];
    });
    d[order.front()] = inf;
    d[order.back()] = inf;
    const double lo = points[front[order.front()]].values[obj], hi = points[front[order.back()]].values[obj];
    if (!(hi > lo)) continue;
    for (std::size_t k = 1; k + 1 < n; ++k) {
      if (d[order[k]] == inf) continue;
      d[order[k]] +=
          (points[front[order[k + 1]]].values[obj] - points[front[order[k - 1]]].values[obj]) / (hi - lo);
    }
  }
  return d;
}

std::vector<std::size_t> pareto_front(const std::vector<Objectives>& points) {
  const auto fronts = non_dominated_sort(points);
  if (fronts.empty() || !points[fronts[0][0]].feasible()) return {};
  return fronts[0];
}

double hypervolume_2d(std::vector<std::pair<double, double>> points, std::pair<double, double> reference) {
  std::erase_if(points, [&](const auto& p) { return !(p.first < reference.first && p.second < reference.second); });
  std::sort(points.begin(), points.end());
  double hv = 0.0, prev_y = reference.second;
  for (const auto& [x, y] : points) {
    if (y < prev_y) {
      hv += (reference.first - x) * (prev_y - y);
      prev_y = y;
    }
  }
  return hv;
}

}  // namespace coda::nas
