// Comparisons of computed vectors that the kernel tests share.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <vector>

namespace pebench::testing {

// How many elements of a and b differ in their bits (a signed zero or a
// NaN's payload counts; all of them if the sizes differ): what "the same
// bits" means in the kernel tests.
inline size_t floats_differing_in_bits(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return std::max(a.size(), b.size());
  size_t n = 0;
  for (size_t e = 0; e < a.size(); ++e) n += std::memcmp(&a[e], &b[e], sizeof(float)) != 0;
  return n;
}

// max |a − b| relative to max |b| (at least 1).
template <typename T>
double relative_difference(const std::vector<T>& a, const std::vector<T>& b) {
  double worst = 0, scale = 1;
  for (size_t i = 0; i < b.size(); ++i) {
    worst = std::max(worst, std::abs(double(a[i]) - double(b[i])));
    scale = std::max(scale, std::abs(double(b[i])));
  }
  return worst / scale;
}

}  // namespace pebench::testing
