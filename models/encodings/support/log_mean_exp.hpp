// log((1/n)·Σ_k exp(ℓ_k)) computed stably as max + log Σ exp(ℓ_k − max) − log n:
// MEP's bias is the log of a mean of kernels whose Gaussian member
// exp(−m·d²) underflows long before the others (docs/encodings.md#mep), so
// the kernels are kept as log-kernels ℓ_k and never exponentiated raw.
// Shared by mep and mep_param.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>

namespace pebench {

// Returns log-mean-exp(ℓ); if `weights` is given, writes ∂/∂ℓ_k = softmax(ℓ)_k.
template <size_t N>
double log_mean_exp(const std::array<double, N>& log_kernels, std::array<double, N>* weights = nullptr) {
  const double top = *std::max_element(log_kernels.begin(), log_kernels.end());
  double sum = 0.0;
  std::array<double, N> shifted{};
  for (size_t k = 0; k < N; ++k) sum += shifted[k] = std::exp(log_kernels[k] - top);
  if (weights)
    for (size_t k = 0; k < N; ++k) (*weights)[k] = shifted[k] / sum;
  return top + std::log(sum) - std::log(static_cast<double>(N));
}

}  // namespace pebench
