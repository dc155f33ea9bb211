// The language model's own random numbers: SplitMix64 draws turned into uniforms, integers and approximately
// normal values with integer and IEEE arithmetic only (no std:: distributions, whose output differs between
// standard libraries), so the same seed gives the same bytes everywhere.
#pragma once

#include <cstdint>

namespace coda::models::lm {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0, uint64_t stream = 0) : state_(seed ^ (stream * 0xd1b54a32d192ed03ULL)) { next(); }

  uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n), n >= 1 (multiply-shift; the bias is below 2^-32 for the sizes used here).
  uint64_t below(uint64_t n) { return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64); }
  // Irwin-Hall of 4 uniforms, centred and scaled to unit variance (support +-2 sqrt 3).
  double normal() { return (uniform() + uniform() + uniform() + uniform() - 2.0) * 1.7320508075688772; }

  uint64_t state() const { return state_; }
  void set_state(uint64_t s) { state_ = s; }

 private:
  uint64_t state_;
};

}  // namespace coda::models::lm
