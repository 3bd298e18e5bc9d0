// Row reductions and exp/tanh whose results depend only on the values, never
// on memory alignment, thread count or whether the compiler vectorised.
//
// Why not Eigen's array ops: for unaligned maps Eigen peels a scalar head
// until the data is aligned, so a row sum's grouping (and, for exp/tanh, the
// scalar-vs-packet formula) depends on the row's address. The same row then
// sums differently in a thread's scratch buffer, in a sub-batch or in another
// allocation, which breaks bit-identical results. Here every sum uses
// kLanes partial sums combined in a fixed order (vectorisable, no
// reassociation needed), and the float exp is a polynomial made of +, × and
// exponent-bit arithmetic only, identical in scalar and vector code.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace pebench::vec {

constexpr int kLanes = 16;

// Σ term(i) for i < n, grouped as kLanes interleaved partial sums added in
// lane order: the one grouping every sum below shares.
template <typename T, typename Term>
inline T grouped_sum(int n, Term term) {
  T lanes[kLanes] = {};
  int i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) lanes[l] += term(i + l);
  for (int l = 0; i + l < n; ++l) lanes[l] += term(i + l);
  T total = 0;
  for (int l = 0; l < kLanes; ++l) total += lanes[l];
  return total;
}

// Σ x[i].
template <typename T>
inline T sum(const T* x, int n) {
  return grouped_sum<T>(n, [x](int i) { return x[i]; });
}

// Σ a[i]·b[i].
template <typename T>
inline T dot(const T* a, const T* b, int n) {
  return grouped_sum<T>(n, [a, b](int i) { return a[i] * b[i]; });
}

// max x[i] (exact, so any grouping gives the same value; kLanes partial
// maxima let the compiler vectorise it). n >= 1.
template <typename T>
inline T max(const T* x, int n) {
  T lanes[kLanes];
  for (int l = 0; l < kLanes; ++l) lanes[l] = x[0];
  int i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) lanes[l] = lanes[l] < x[i + l] ? x[i + l] : lanes[l];
  for (int l = 0; i + l < n; ++l) lanes[l] = lanes[l] < x[i + l] ? x[i + l] : lanes[l];
  T best = lanes[0];
  for (int l = 1; l < kLanes; ++l) best = best < lanes[l] ? lanes[l] : best;
  return best;
}

// exp for float: Cephes expf (range reduction by ln 2 split in two constants,
// degree-6 polynomial), about 1 ulp on [-87, 88]; inputs are clamped there.
// n = round(x·log2 e) by the 1.5·2^23 trick, which (unlike std::floor)
// GCC vectorises; it rounds to nearest, so |r| <= ln2/2 as Cephes needs.
inline float exp(float x) {
  x = std::min(88.3762626647949f, std::max(-87.3365478515625f, x));
  constexpr float kRound = 12582912.0f;  // 1.5·2^23
  const float n = (x * 1.44269504088896341f + kRound) - kRound;
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;  // 2^n
  return p * __builtin_bit_cast(float, bits);
}
inline double exp(double x) { return std::exp(x); }

// tanh through exp: 1 − 2/(e^{2x} + 1) (saturates correctly at both ends).
inline float tanh(float x) { return 1.0f - 2.0f / (vec::exp(2.0f * x) + 1.0f); }
inline double tanh(double x) { return std::tanh(x); }

// x[i] = exp(x[i] − shift) in place, returning Σ x[i] (the new values):
// one pass instead of two, the same result as sum() afterwards.
template <typename T>
inline T exp_shifted_sum(T* x, T shift, int n) {
  return grouped_sum<T>(n, [x, shift](int i) { return x[i] = vec::exp(x[i] - shift); });
}

}  // namespace pebench::vec
