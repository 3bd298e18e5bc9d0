// KERPLE kernels (Chi et al. 2022, "KERPLE: Kernelized Relative Positional
// Embedding for Length Extrapolation"; chijames/KERPLE megatron/mpu/layers.py
// ParallelKerpleLog / ParallelKerplePower; specs/encodings.md §7), one set of
// per-head parameters (p, r) evaluated as a table over offsets:
//
//   log:   Bias(d) = −p_a·log(1 + r_a·d)
//   power: Bias(d) = −r_a·d^{p_a}
//
// with d = i − j under a causal mask (only d ≥ 0 is kept) and d = |i − j| for
// bidirectional attention (the kernel is defined on |m − n|; DESIGN §2).
// Init as the reference (torch.rand): p ~ 2·U(0,1), r ~ U(0,1). Constraints,
// applied by project() after every optimizer step and at init: p, r ≥ 0.01,
// and p ≤ 2 for the power kernel (conditional positive definiteness). The
// reference clamps in place before each forward, i.e. at the same points.
//
// Used by kerple_log, kerple_power (shared across layers), dape_kerple (one
// per layer, as the DAPE repo) and mep_param (its KERPLE-log kernel).
#pragma once
#include <algorithm>
#include <cmath>
#include <string>

#include "models/encoding.hpp"
#include "models/params.hpp"
#include "models/relative_bias.hpp"

namespace pebench {

enum class KerpleForm { log, power };

template <typename T>
class KerpleKernel {
 public:
  static constexpr double kMinValue = 0.01;  // eps of the reference clamps
  static constexpr double kMaxPower = 2.0;   // p ≤ 2 for the power kernel

  explicit KerpleKernel(KerpleForm form = KerpleForm::log) : form_(form) {}

  // Adds "<prefix>.p" and "<prefix>.r", [h] each; encoding scalars are not weight-decayed.
  void declare(ParamLayout& layout, const std::string& prefix, int heads) {
    heads_ = heads;
    p_offset_ = layout.add(prefix + ".p", {heads}, Init::uniform(0.0, 2.0), /*weight_decay=*/false);
    r_offset_ = layout.add(prefix + ".r", {heads}, Init::uniform(0.0, 1.0), /*weight_decay=*/false);
  }
  void bind(T* params, T* grads) {
    p_ = params + p_offset_;
    r_ = params + r_offset_;
    dp_ = grads + p_offset_;
    dr_ = grads + r_offset_;
  }
  void project() {
    const T floor = static_cast<T>(kMinValue);
    for (int a = 0; a < heads_; ++a) {
      p_[a] = std::max(p_[a], floor);
      r_[a] = std::max(r_[a], floor);
      if (form_ == KerpleForm::power) p_[a] = std::min(p_[a], static_cast<T>(kMaxPower));
    }
  }

  // table: [h, 2T−1]; the kernel at every offset the mask keeps.
  void compute_table(T* table, const EncodingContext& ctx) const {
    const int width = relative_table_size(ctx.seq_len);
    for (int a = 0; a < heads_; ++a)
      for (int o = first_offset(ctx); o < width; ++o)
        table[static_cast<size_t>(a) * width + o] = static_cast<T>(value(a, distance(o, ctx)));
  }
  // dtable: [h, 2T−1]; dp[a] += Σ_o dtable·∂Bias/∂p, dr[a] += Σ_o dtable·∂Bias/∂r.
  void table_backward(const T* dtable, const EncodingContext& ctx) {
    const int width = relative_table_size(ctx.seq_len);
    for (int a = 0; a < heads_; ++a) {
      double dp = 0.0, dr = 0.0;
      for (int o = first_offset(ctx); o < width; ++o) {
        const double g = dtable[static_cast<size_t>(a) * width + o];
        const Partials partials = derivatives(a, distance(o, ctx));
        dp += g * partials.dp;
        dr += g * partials.dr;
      }
      dp_[a] += static_cast<T>(dp);
      dr_[a] += static_cast<T>(dr);
    }
  }

 private:
  struct Partials { double dp, dr; };

  static int first_offset(const EncodingContext& ctx) { return ctx.causal ? ctx.seq_len - 1 : 0; }
  static double distance(int o, const EncodingContext& ctx) { return std::abs(offset_of(o, ctx.seq_len)); }

  double value(int a, double d) const {
    const double p = p_[a], r = r_[a];
    if (form_ == KerpleForm::log) return -p * std::log1p(r * d);
    return d == 0.0 ? 0.0 : -r * std::pow(d, p);
  }
  // log:   ∂/∂p = −log(1 + r d),  ∂/∂r = −p d/(1 + r d)
  // power: ∂/∂r = −d^p,           ∂/∂p = −r d^p ln d   (both 0 at d = 0, as PyTorch's pow backward)
  Partials derivatives(int a, double d) const {
    const double p = p_[a], r = r_[a];
    if (form_ == KerpleForm::log) return {-std::log1p(r * d), -p * d / (1.0 + r * d)};
    if (d == 0.0) return {0.0, 0.0};
    const double power = std::pow(d, p);
    return {-r * power * std::log(d), -power};
  }

  KerpleForm form_;
  int heads_ = 0;
  size_t p_offset_ = 0, r_offset_ = 0;
  T* p_ = nullptr;   // [h]
  T* r_ = nullptr;   // [h]
  T* dp_ = nullptr;  // [h]
  T* dr_ = nullptr;  // [h]
};

// The kerple_log / kerple_power encodings: one kernel shared by every layer,
// as chijames/KERPLE builds the module once in gpt2_model.py and passes it to
// every layer; its gradients therefore sum over layers.
template <typename T>
class KerpleBias : public RelativeBias<T> {
 public:
  explicit KerpleBias(KerpleForm form) : kernel_(form) {}

  void declare_parameters(ParamLayout& layout, const ModelConfig& config) override {
    kernel_.declare(layout, "encoding.kerple", config.n_heads);
  }
  void bind(T* params, T* grads) override { kernel_.bind(params, grads); }
  void project_parameters() override { kernel_.project(); }

 protected:
  bool learnable() const override { return true; }
  void compute_table(T* table, int, const EncodingContext& ctx) override { kernel_.compute_table(table, ctx); }
  void table_backward(const T* dtable, int, const EncodingContext& ctx) override {
    kernel_.table_backward(dtable, ctx);
  }

 private:
  KerpleKernel<T> kernel_;
};

}  // namespace pebench
