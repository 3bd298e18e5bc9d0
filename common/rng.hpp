// Rng: a small, fully specified pseudo-random generator (xoshiro256**, seeded
// through splitmix64) with our own distribution code.
//
// Why not <random>: std::uniform_int_distribution and friends are
// implementation-defined, so the same seed gives different data on libstdc++
// and libc++. Every number pebench publishes must be reproducible from
// (config, seed) alone, so every draw goes through this file.
//
// Streams: Rng(seed, stream) gives independent sequences for the same seed;
// the harness keeps data, init, dropout, eval and position-sampling streams
// apart so that, e.g., every encoding sees the same training data.
#pragma once
#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

namespace pebench {

inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Stable 64-bit hash of a string (FNV-1a): names a stream or a cell.
inline uint64_t hash_string(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) { h ^= c; h *= 0x100000001b3ull; }
  return h;
}

class Rng {
 public:
  explicit Rng(uint64_t seed = 0, uint64_t stream = 0) {
    uint64_t sm = seed ^ (stream * 0xD1B54A32D192ED03ull + 0x8CB92BA72F3D8DD7ull);
    for (auto& word : state_) word = splitmix64(sm);
  }
  Rng(uint64_t seed, std::string_view stream) : Rng(seed, hash_string(stream)) {}

  uint64_t next_u64() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform integer in [0, n), unbiased (rejection on the top of the range).
  uint64_t below(uint64_t n) {
    if (n <= 1) return 0;
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do { x = next_u64(); } while (x >= limit);
    return x % n;
  }
  // Uniform integer in [lo, hi] (inclusive).
  int64_t uniform_int(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
  }
  // Uniform double in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  bool bernoulli(double p) { return uniform() < p; }
  // Standard normal by Box-Muller (no cached second value: keeps state simple).
  double normal() {
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // Normal truncated to [-2σ, 2σ] by resampling (Haiku's TruncatedNormal shape).
  double truncated_normal(double stddev) {
    double z;
    do { z = normal(); } while (z < -2.0 || z > 2.0);
    return z * stddev;
  }
  // Index drawn with probability proportional to weights[i].
  size_t categorical(const std::vector<double>& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double r = uniform() * total;
    for (size_t i = 0; i < weights.size(); ++i) {
      if (r < weights[i]) return i;
      r -= weights[i];
    }
    return weights.size() - 1;
  }
  // A fresh independent generator derived from this one (advances this one).
  Rng split() { return Rng(next_u64(), next_u64()); }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

}  // namespace pebench
