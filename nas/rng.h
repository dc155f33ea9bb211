#pragma once
// The search's random numbers: std::mt19937_64, whose output sequence and textual state format the C++ standard
// specifies, with bounded draws written here (the std:: distributions are implementation-defined), so a seed
// gives the same search on every platform and standard library.
#include <cstdint>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

namespace coda::nas {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 1) : gen_(seed) {}

  std::uint64_t next() { return gen_(); }

  /// Uniform integer in [0, n), n >= 1: rejection sampling on the top of the 64-bit range (no modulo bias).
  std::uint64_t below(std::uint64_t n) {
    if (n <= 1) return 0;
    const std::uint64_t limit = UINT64_MAX - (UINT64_MAX % n + 1) % n;  // largest multiple of n, minus one
    std::uint64_t x = gen_();
    while (x > limit) x = gen_();
    return x % n;
  }

  /// Uniform double in [0, 1) with 53 random bits.
  double unit() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }

  /// True with probability p.
  bool chance(double p) { return unit() < p; }

  /// The generator's state as text (the standard's format: the 312 state words and the position).
  std::string state() const {
    std::ostringstream s;
    s << gen_;
    return s.str();
  }
  void restore(const std::string& text) {
    std::istringstream s(text);
    std::mt19937_64 g;
    s >> g;
    if (s.fail()) throw std::invalid_argument("invalid random-generator state in the checkpoint");
    gen_ = g;
  }

 private:
  std::mt19937_64 gen_;
};

}  // namespace coda::nas
