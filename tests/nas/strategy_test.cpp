// Strategies: portable random draws, determinism, checkpoint round trips, operators, constraint handling and
// convergence of NSGA-II and the refill strategy on a discrete ZDT1 problem whose front is known.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "nas/nsga2.h"
#include "nas/pareto.h"
#include "nas/pareto_refill.h"
#include "nas/rng.h"
#include "nas/strategy.h"
#include "nas/variation.h"

namespace coda::nas {
namespace {

TEST(Rng, IsTheStandardMt19937_64) {
  // The standard fixes the 10000th output of a default-seeded (5489) mt19937_64.
  Rng r(5489);
  for (int i = 0; i < 9999; ++i) r.next();
  EXPECT_EQ(r.next(), 9981545732273789042ull);
}

TEST(Rng, BoundedDrawsArePortableAndInRange) {
  // Values fixed by this file's own draws (rejection sampling + modulo), not by a library distribution.
  Rng r(1);
  std::vector<std::uint64_t> got;
  for (int i = 0; i < 8; ++i) got.push_back(r.below(10));
  Rng again(1);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(again.below(10), got[i]);
  Rng u(1);
  const std::uint64_t first = u.next();
  EXPECT_EQ(got[0], first % 10);  // 2^64 - 1 - (2^64 mod 10) is above almost every draw: no rejection here
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 7000; ++i) ++counts[r.below(7)];
  for (int c : counts) EXPECT_GT(c, 800);
  EXPECT_EQ(r.below(1), 0u);
  for (int i = 0; i < 1000; ++i) {
    const double x = r.unit();
    EXPECT_GE(x, 0.0);
    EXPECT_LT(x, 1.0);
  }
}

TEST(Rng, StateRoundTrip) {
  Rng a(42);
  for (int i = 0; i < 100; ++i) a.next();
  Rng b(0);
  b.restore(a.state());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.below(1000), b.below(1000));
  EXPECT_THROW(b.restore("garbage"), std::invalid_argument);
}

TEST(Variation, MutationAndCrossover) {
  const std::vector<GeneDomain> d{{"a", 4}, {"fixed", 1}, {"b", 2}};
  Rng rng(3);
  for (int t = 0; t < 100; ++t) {
    Genome g{1, 0, 0};
    detail::mutate(g, d, 1.0, rng);
    EXPECT_NE(g[0], 1);  // p = 1: every mutable gene changes
    EXPECT_EQ(g[1], 0);  // a single-choice gene never does
    EXPECT_EQ(g[2], 1);
    Genome h{1, 0, 0};
    detail::mutate(h, d, 0.0, rng, /*at_least_one=*/true);
    EXPECT_EQ((h[0] != 1) + (h[2] != 0), 1);
    const Genome c = detail::uniform_crossover({0, 0, 0}, {3, 0, 1}, rng);
    EXPECT_TRUE(c[0] == 0 || c[0] == 3);
    EXPECT_TRUE(c[2] == 0 || c[2] == 1);
  }
  // Mutation draws the new value uniformly among the other choices.
  std::map<int, int> seen;
  for (int t = 0; t < 3000; ++t) {
    Genome g{2, 0, 0};
    detail::mutate(g, d, 1.0, rng);
    ++seen[g[0]];
  }
  EXPECT_EQ(seen.size(), 3u);
  for (const auto& [v, n] : seen) EXPECT_GT(n, 850) << v;
}

// Discrete ZDT1: x0 in {0, 1/20, ..., 1}, five more genes in {0, 1/4, ..., 1}. The front is g = 1 (all other
// genes 0): f2 = 1 - sqrt(f1) at 21 points.
const std::vector<GeneDomain> kZdt{{"x0", 21}, {"x1", 5}, {"x2", 5}, {"x3", 5}, {"x4", 5}, {"x5", 5}};

Objectives zdt1(const Genome& g) {
  const double f1 = g[0] / 20.0;
  double s = 0;
  for (std::size_t i = 1; i < g.size(); ++i) s += g[i] / 4.0;
  const double gg = 1 + 9 * s / 5;
  return {{f1, gg * (1 - std::sqrt(f1 / gg))}, 0.0};
}

double true_front_hv() {
  std::vector<std::pair<double, double>> pts;
  for (int i = 0; i <= 20; ++i) pts.emplace_back(i / 20.0, 1 - std::sqrt(i / 20.0));
  return hypervolume_2d(pts, {1.1, 1.1});
}

// Runs `gens` generations; returns every batch and the hypervolume of all evaluated points.
struct Trace {
  std::vector<std::vector<Genome>> batches;
  double hv = 0;
  std::size_t front_points = 0;
};

Trace drive(Strategy& s, int gens, const std::function<Objectives(const Genome&)>& f = zdt1) {
  Trace r;
  std::vector<std::pair<double, double>> all;
  std::set<Genome> on_front;
  for (int g = 0; g < gens; ++g) {
    auto batch = s.ask();
    std::vector<Objectives> obj;
    for (const auto& x : batch) {
      check_genome(kZdt, x);
      obj.push_back(f(x));
      if (obj.back().feasible()) all.emplace_back(obj.back().values[0], obj.back().values[1]);
      bool rest_zero = true;
      for (std::size_t i = 1; i < x.size(); ++i) rest_zero = rest_zero && x[i] == 0;
      if (rest_zero) on_front.insert(x);
    }
    s.tell(batch, obj);
    r.batches.push_back(std::move(batch));
  }
  r.hv = hypervolume_2d(all, {1.1, 1.1});
  r.front_points = on_front.size();
  return r;
}

StrategyOptions opts(std::uint64_t seed) {
  StrategyOptions o;
  o.seed = seed;
  return o;
}

TEST(Nsga2, ReachesTheKnownFrontOfDiscreteZdt1) {
  const double best = true_front_hv();
  for (std::uint64_t seed : {1, 2, 3}) {
    auto s = make_strategy("nsga2", kZdt, opts(seed));
    const Trace r = drive(*s, 40);
    EXPECT_NEAR(r.hv, best, 1e-12) << "seed " << seed;
    EXPECT_EQ(r.front_points, 21u) << "seed " << seed;  // every Pareto-optimal genome was found
    // The survivors are the first front of what was evaluated, spread by crowding: mostly rank 0.
    const auto& n = dynamic_cast<const Nsga2&>(*s);
    EXPECT_EQ(n.population().size(), 40u);
  }
}

TEST(ParetoRefill, ApproachesTheKnownFront) {
  const double best = true_front_hv();
  auto s = make_strategy("refill", kZdt, opts(1));
  const Trace r = drive(*s, 40);
  EXPECT_NEAR(r.hv, best, 1e-12);
  EXPECT_EQ(r.front_points, 21u);
  // The kept set is non-dominated.
  const auto& kept = dynamic_cast<const ParetoRefill&>(*s).kept();
  std::vector<Objectives> o;
  for (const auto& g : kept) o.push_back(zdt1(g));
  EXPECT_EQ(non_dominated_sort(o).size(), 1u);
  EXPECT_LE(kept.size(), 40u);
}

TEST(Strategies, SameSeedSameBatchesOtherSeedOthers) {
  for (const char* name : {"nsga2", "refill"}) {
    auto a = make_strategy(name, kZdt, opts(5));
    auto b = make_strategy(name, kZdt, opts(5));
    auto c = make_strategy(name, kZdt, opts(6));
    const Trace ra = drive(*a, 6), rb = drive(*b, 6), rc = drive(*c, 6);
    EXPECT_EQ(ra.batches, rb.batches) << name;
    EXPECT_NE(ra.batches, rc.batches) << name;
    for (const auto& batch : ra.batches) EXPECT_EQ(batch.size(), 40u) << name;
  }
}

TEST(Strategies, CheckpointRoundTripContinuesIdentically) {
  for (const char* name : {"nsga2", "refill"}) {
    auto full = make_strategy(name, kZdt, opts(9));
    const Trace whole = drive(*full, 10);
    auto first = make_strategy(name, kZdt, opts(9));
    const Trace head = drive(*first, 4);
    const std::string saved = first->state().dump();
    auto second = make_strategy(name, kZdt, opts(12345));  // the seed comes back with the state
    second->restore(nlohmann::json::parse(saved));
    const Trace tail = drive(*second, 6);
    std::vector<std::vector<Genome>> joined = head.batches;
    joined.insert(joined.end(), tail.batches.begin(), tail.batches.end());
    EXPECT_EQ(joined, whole.batches) << name;
  }
  auto n = make_strategy("nsga2", kZdt, opts(1));
  auto r = make_strategy("refill", kZdt, opts(1));
  drive(*n, 1);
  EXPECT_THROW(r->restore(n->state()), StrategyError);
}

TEST(Strategies, InitialGenomesComeFirst) {
  StrategyOptions o = opts(1);
  o.initial = {{20, 4, 4, 4, 4, 4}, {0, 0, 0, 0, 0, 0}, {20, 4, 4, 4, 4, 4}};
  auto s = make_strategy("nsga2", kZdt, o);
  const auto batch = s->ask();
  ASSERT_EQ(batch.size(), 40u);
  EXPECT_EQ(batch[0], o.initial[0]);
  EXPECT_EQ(batch[1], o.initial[1]);
  EXPECT_EQ(std::set<Genome>(batch.begin(), batch.end()).size(), 40u);  // de-duplicated
}

TEST(Strategies, SmallSpacesDoNotLoopForever) {
  const std::vector<GeneDomain> tiny{{"a", 2}, {"b", 1}};
  auto s = make_strategy("nsga2", tiny, opts(1));
  const auto first = s->ask();
  EXPECT_EQ(first.size(), 2u);  // the whole space
  s->tell(first, {{{1.0, 2.0}, 0}, {{2.0, 1.0}, 0}});
  EXPECT_EQ(s->ask().size(), 40u);  // offspring repeat genomes once the space is exhausted
}

TEST(Strategies, BadSettingsAreErrors) {
  EXPECT_THROW(make_strategy("cmaes", kZdt, opts(1)), StrategyError);
  StrategyOptions o = opts(1);
  o.population = 1;
  EXPECT_THROW(make_strategy("nsga2", kZdt, o), StrategyError);
  o = opts(1);
  o.mutation_probability = 1.5;
  EXPECT_THROW(make_strategy("nsga2", kZdt, o), StrategyError);
  o = opts(1);
  o.initial = {{21, 0, 0, 0, 0, 0}};
  EXPECT_THROW(make_strategy("nsga2", kZdt, o), StrategyError);
  EXPECT_THROW(make_strategy("nsga2", {}, opts(1)), StrategyError);
  EXPECT_THROW(make_strategy("nsga2", {{"a", 0}}, opts(1)), StrategyError);
}

TEST(Strategies, ConstraintsSteerTheSearchToTheFeasibleRegion) {
  // ZDT1 with f1 >= 0.5 required (violation 0.5 - f1): the survivors end feasible and cover the feasible front.
  auto constrained = [](const Genome& g) {
    Objectives o = zdt1(g);
    o.violation = std::max(0.0, 0.5 - o.values[0]);
    return o;
  };
  for (const char* name : {"nsga2", "refill"}) {
    auto s = make_strategy(name, kZdt, opts(4));
    drive(*s, 30, constrained);
    const auto batch = s->ask();  // offspring of the final survivors
    std::size_t feasible = 0;
    for (const auto& g : batch) feasible += constrained(g).feasible();
    EXPECT_GT(feasible, batch.size() / 2) << name;
  }
  // Survival prefers any feasible point to an infeasible one, and smaller violations among infeasible ones.
  const std::vector<Objectives> pool{{{0.0, 0.0}, 0.3}, {{9.0, 9.0}, 0.0}, {{0.0, 0.0}, 0.1}, {{8.0, 9.5}, 0.0}};
  EXPECT_EQ(select_survivors(pool, 2), (std::vector<std::size_t>{1, 3}));
  EXPECT_EQ(select_survivors(pool, 3), (std::vector<std::size_t>{1, 2, 3}));
}

TEST(Nsga2, SurvivalCutsTheLastFrontByCrowding) {
  // Front 0: four points on a line; keeping 3 drops the most crowded interior point.
  const std::vector<Objectives> pool{{{0, 10}, 0}, {{1, 9}, 0}, {{5, 5}, 0}, {{10, 0}, 0}, {{11, 11}, 0}};
  // Interior crowding: (1,9): 5/10 + 5/10 = 1.0 ; (5,5): 9/10 + 9/10 = 1.8.
  EXPECT_EQ(select_survivors(pool, 3), (std::vector<std::size_t>{0, 2, 3}));
  EXPECT_EQ(select_survivors(pool, 4), (std::vector<std::size_t>{0, 1, 2, 3}));
  EXPECT_EQ(select_survivors(pool, 9), (std::vector<std::size_t>{0, 1, 2, 3, 4}));
}

}  // namespace
}  // namespace coda::nas
