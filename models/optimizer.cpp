#include "models/optimizer.hpp"

#include <cmath>
#include <string>

#include "common/errors.hpp"

namespace pebench {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr size_t kNormBlock = 4096;  // elements per partial sum of the gradient norm
constexpr size_t kMinParallelWork = size_t(1) << 16;  // smaller models update on one thread

void check_config(const OptimizerConfig& c) {
  auto require = [](bool ok, const std::string& message) {
    if (!ok) throw UsageError("optimizer: " + message);
  };
  require(c.lr > 0.0 && std::isfinite(c.lr), "lr must be a positive number");
  require(c.beta1 >= 0.0 && c.beta1 < 1.0, "beta1 must be in [0, 1)");
  require(c.beta2 >= 0.0 && c.beta2 < 1.0, "beta2 must be in [0, 1)");
  require(c.eps > 0.0, "eps must be positive");
  require(c.weight_decay >= 0.0, "weight_decay must be non-negative");
  require(c.warmup_steps >= 0, "warmup_steps must be non-negative");
  require(c.total_steps >= 1, "total_steps must be at least 1");
  require(c.min_lr_ratio >= 0.0 && c.min_lr_ratio <= 1.0, "min_lr_ratio must be in [0, 1]");
}

// L2 norm of the flat gradient: partial sums over fixed blocks, added in block
// order, so the value (and hence the clipping) is the same for any thread count.
template <typename T>
double global_norm(const T* grads, size_t n) {
  const long blocks = static_cast<long>((n + kNormBlock - 1) / kNormBlock);
  std::vector<double> partial(blocks, 0.0);
#pragma omp parallel for schedule(static) if (n >= kMinParallelWork)
  for (long b = 0; b < blocks; ++b) {
    const size_t first = static_cast<size_t>(b) * kNormBlock, last = std::min(n, first + kNormBlock);
    double sum = 0.0;
    for (size_t i = first; i < last; ++i) sum += static_cast<double>(grads[i]) * grads[i];
    partial[b] = sum;
  }
  double total = 0.0;
  for (double p : partial) total += p;
  return std::sqrt(total);
}
}  // namespace

double learning_rate(const OptimizerConfig& config, int step) {
  if (config.schedule == Schedule::constant) return config.lr;
  if (step < config.warmup_steps) return config.lr * (step + 1) / config.warmup_steps;
  const double span = std::max(1, config.total_steps - config.warmup_steps);
  const double progress = std::min(1.0, (step - config.warmup_steps) / span);
  const double floor = config.min_lr_ratio;
  const double fraction = config.schedule == Schedule::warmup_linear
                              ? 1.0 - progress
                              : 0.5 * (1.0 + std::cos(kPi * progress));
  return config.lr * (floor + (1.0 - floor) * fraction);
}

template <typename T>
AdamW<T>::AdamW(const OptimizerConfig& config, const ParamLayout& layout)
    : config_(config), layout_(layout), m_(layout.total_size(), T(0)), v_(layout.total_size(), T(0)) {
  check_config(config_);
}

template <typename T>
double AdamW<T>::step(T* params, T* grads) {
  const size_t n = layout_.total_size();
  const double norm = global_norm(grads, n);
  if (!std::isfinite(norm)) return norm;
  const T clip = config_.clip_norm > 0.0 && norm > config_.clip_norm ? static_cast<T>(config_.clip_norm / norm)
                                                                      : T(1);
  const double lr = learning_rate(config_, step_);
  ++step_;
  const T beta1 = static_cast<T>(config_.beta1), beta2 = static_cast<T>(config_.beta2);
  const T correction1 = static_cast<T>(1.0 - std::pow(config_.beta1, step_));
  const T correction2 = static_cast<T>(1.0 - std::pow(config_.beta2, step_));
  const T step_size = static_cast<T>(lr), eps = static_cast<T>(config_.eps);
  T* m = m_.data();
  T* v = v_.data();
#pragma omp parallel if (n >= kMinParallelWork)
  for (const ParamTensor& tensor : layout_.tensors()) {
    // Decoupled weight decay (Loshchilov & Hutter 2019), PyTorch order:
    // p ← p·(1 − lr·λ), then the Adam step.
    const T shrink = static_cast<T>(1.0 - (tensor.weight_decay ? lr * config_.weight_decay : 0.0));
#pragma omp for schedule(static) nowait
    for (size_t i = tensor.offset; i < tensor.offset + tensor.size; ++i) {
      if (clip != T(1)) grads[i] *= clip;
      const T g = grads[i];
      // Which operations fuse is spelled out (the file is built with
      // -ffp-contract=off): the moments as one fused multiply-add each, the
      // rest rounded step by step, as every result so far was computed.
      m[i] = std::fma(beta1, m[i], (T(1) - beta1) * g);
      v[i] = std::fma(beta2, v[i], (T(1) - beta2) * g * g);
      const T m_hat = m[i] / correction1, v_hat = v[i] / correction2;
      params[i] = params[i] * shrink - step_size * m_hat / (std::sqrt(v_hat) + eps);
    }
  }
  return norm;
}

template class AdamW<float>;
template class AdamW<double>;

}  // namespace pebench
