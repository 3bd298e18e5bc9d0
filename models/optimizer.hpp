// AdamW with global-norm gradient clipping and a learning-rate schedule, over
// the flat parameter/gradient buffers (one loop each).
//
// The optimizer knows nothing about encodings: it never calls
// Encoding::project_parameters(). Models are updated through
// Transformer::apply_update, which steps the optimizer and then projects, so
// clamps such as KERPLE's p, r >= 0.01 hold before the next forward pass.
//
// Schedules: `constant` ignores warmup_steps. `warmup_linear` and
// `warmup_cosine` ramp linearly from lr/warmup_steps to lr over the first
// warmup_steps steps, then decay to min_lr_ratio·lr at total_steps (and stay).
// Clipping follows optax.clip_by_global_norm: g ← g·clip_norm/‖g‖ when ‖g‖ > clip_norm.
// Deterministic for any thread count (the norm is summed in a fixed order).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "common/enum_names.hpp"
#include "models/params.hpp"

namespace pebench {

enum class Schedule { constant, warmup_linear, warmup_cosine };
constexpr EnumName<Schedule> kScheduleNames[] = {{Schedule::constant, "constant"},
                                                 {Schedule::warmup_linear, "warmup_linear"},
                                                 {Schedule::warmup_cosine, "warmup_cosine"}};
constexpr const auto& enum_names(Schedule) { return kScheduleNames; }

struct OptimizerConfig {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // decoupled (AdamW), only on tensors with weight_decay = true
  double clip_norm = 1.0;     // global L2 norm; <= 0 disables clipping
  Schedule schedule = Schedule::constant;
  int warmup_steps = 0;
  int total_steps = 1;        // for the linear/cosine decay
  double min_lr_ratio = 0.0;  // decay floor as a fraction of lr
};

// Learning rate at step s (0-based).
double learning_rate(const OptimizerConfig& config, int step);

template <typename T>
class AdamW {
 public:
  // UsageError if the config is invalid. Keeps a reference to `layout`.
  AdamW(const OptimizerConfig& config, const ParamLayout& layout);
  // Clips grads (in place) to the global norm, then updates params. Returns
  // the gradient norm before clipping (NaN/Inf if the gradients are not finite;
  // then nothing is updated).
  double step(T* params, T* grads);
  int steps_taken() const { return step_; }

 private:
  OptimizerConfig config_;
  const ParamLayout& layout_;
  std::vector<T> m_, v_;
  int step_ = 0;
};

}  // namespace pebench
