// KERPLE kernels (Chi et al. 2022, "KERPLE: Kernelized Relative Positional
// Embedding for Length Extrapolation"; chijames/KERPLE megatron/mpu/layers.py
// ParallelKerpleLog / ParallelKerplePower; docs/encodings.md#kerple_log), one set of
// per-head parameters (p, r) evaluated as a table over offsets:
//
//   log:   Bias(d) = −p_a·log(1 + r_a·d)
//   power: Bias(d) = −r_a·d^{p_a}
//
// with d = i − j under a causal mask (only d ≥ 0 is kept) and d = |i − j| for
// bidirectional attention. Init as the reference (torch.rand): p ~ 2·U(0,1),
// r ~ U(0,1). Constraints, applied by project() after every optimizer step and
// at init: p, r ≥ 0.01, and p ≤ 2 for the power kernel (conditional positive
// definiteness). The reference clamps in place before each forward, i.e. at
// the same points.
//
// Bidirectional attention (the reference is causal only). The kernel is a
// function of |m − n| in the paper, so one (p, r) pair for both sides would
// make the bias order-blind: a key 3 tokens to the left and one 3 tokens to
// the right would look the same, and a task like reverse_string, which must
// tell them apart, would have to learn order from content alone, while alibi
// (+0.5 on the lower triangle), t5 (two-sided buckets), fire (signed input)
// and cope (two tables) all see it. The natural extension of a kernel
// with per-head parameters is a second set for the other side, as T5 gives
// each side its own buckets: in the "directional" form (default) keys with
// j ≤ i use (p, r) and keys with j > i use (p_right, r_right), drawn and
// clamped the same way; d = |i − j| on both sides, so the diagonal is 0 and the
// bias stays a conditionally positive definite kernel on each side. The
// "symmetric" form (option "bidirectional": "symmetric") uses (p, r) on both.
// p_right, r_right exist in both attention modes (the model does not know its
// task's mode when it declares parameters); a causal pass never reads them and
// they get no gradient, like the right-hand buckets of t5.
//
// Used by kerple_log, kerple_power (shared across layers), dape_kerple (one
// per layer, as the DAPE repo) and mep_param (its KERPLE-log kernel).
#pragma once
#include <algorithm>
#include <cmath>
#include <string>

#include "models/encoding.hpp"
#include "models/encodings/support/shared_options.hpp"
#include "models/params.hpp"
#include "models/encodings/support/relative_bias.hpp"

namespace pebench {

enum class KerpleForm { log, power };

template <typename T>
class KerpleKernel {
 public:
  static constexpr double kMinValue = 0.01;  // eps of the reference clamps
  static constexpr double kMaxPower = 2.0;   // p ≤ 2 for the power kernel

  explicit KerpleKernel(KerpleForm form = KerpleForm::log) : form_(form) {}

  // Set before declare(): whether the right side gets its own parameters.
  void set_bidirectional_form(BidirectionalForm form) { bidirectional_ = form; }
  BidirectionalForm bidirectional_form() const { return bidirectional_; }

  // Adds "<prefix>.p" and "<prefix>.r", [h] each (and "<prefix>.p_right",
  // "<prefix>.r_right" in the directional form); encoding scalars are not weight-decayed.
  void declare(ParamLayout& layout, const std::string& prefix, int heads) {
    heads_ = heads;
    const int sides = bidirectional_ == BidirectionalForm::directional ? 2 : 1;
    for (int side = 0; side < sides; ++side) {
      const std::string suffix = side == kLeft ? "" : "_right";
      sides_[side].p_offset = layout.add(prefix + ".p" + suffix, {heads}, Init::uniform(0.0, 2.0), false);
      sides_[side].r_offset = layout.add(prefix + ".r" + suffix, {heads}, Init::uniform(0.0, 1.0), false);
    }
    if (sides == 1) sides_[kRight] = sides_[kLeft];
  }
  void bind(T* params, T* grads) {
    for (auto& side : sides_) {
      side.p = params + side.p_offset;
      side.r = params + side.r_offset;
      side.dp = grads + side.p_offset;
      side.dr = grads + side.r_offset;
    }
  }
  void project() {
    const T floor = static_cast<T>(kMinValue);
    for (auto& side : sides_)
      for (int a = 0; a < heads_; ++a) {
        side.p[a] = std::max(side.p[a], floor);
        side.r[a] = std::max(side.r[a], floor);
        if (form_ == KerpleForm::power) side.p[a] = std::min(side.p[a], static_cast<T>(kMaxPower));
      }
  }

  // table: [h, 2T−1]; the kernel at every offset the mask keeps.
  void compute_table(T* table, const EncodingContext& ctx) const {
    const int width = relative_table_size(ctx.seq_len);
    for (int a = 0; a < heads_; ++a)
      for (int o = first_offset(ctx); o < width; ++o)
        table[static_cast<size_t>(a) * width + o] = static_cast<T>(value(side_of(o, ctx), a, distance(o, ctx)));
  }
  // dtable: [h, 2T−1]; dp[a] += Σ_o dtable·∂Bias/∂p, dr[a] += Σ_o dtable·∂Bias/∂r,
  // into the parameters of each offset's side.
  void table_backward(const T* dtable, const EncodingContext& ctx) {
    const int width = relative_table_size(ctx.seq_len);
    for (int a = 0; a < heads_; ++a) {
      double dp[2] = {0.0, 0.0}, dr[2] = {0.0, 0.0};
      for (int o = first_offset(ctx); o < width; ++o) {
        const int side = side_of(o, ctx);
        const double g = dtable[static_cast<size_t>(a) * width + o];
        const Partials partials = derivatives(side, a, distance(o, ctx));
        dp[side] += g * partials.dp;
        dr[side] += g * partials.dr;
      }
      // In the symmetric form both sides are the same buffers: left first, then right.
      for (int side : {kLeft, kRight}) {
        sides_[side].dp[a] += static_cast<T>(dp[side]);
        sides_[side].dr[a] += static_cast<T>(dr[side]);
      }
    }
  }

 private:
  enum { kLeft = 0, kRight = 1 };
  struct Partials { double dp, dr; };
  struct Side {
    size_t p_offset = 0, r_offset = 0;
    T* p = nullptr;   // [h]
    T* r = nullptr;   // [h]
    T* dp = nullptr;  // [h]
    T* dr = nullptr;  // [h]
  };

  static int first_offset(const EncodingContext& ctx) { return ctx.causal ? ctx.seq_len - 1 : 0; }
  static double distance(int o, const EncodingContext& ctx) { return std::abs(offset_of(o, ctx.seq_len)); }
  // Keys at or left of the query (i − j ≥ 0) use the left parameters.
  static int side_of(int o, const EncodingContext& ctx) { return offset_of(o, ctx.seq_len) >= 0 ? kLeft : kRight; }

  double value(int side, int a, double d) const {
    const double p = sides_[side].p[a], r = sides_[side].r[a];
    if (form_ == KerpleForm::log) return -p * std::log1p(r * d);
    return d == 0.0 ? 0.0 : -r * std::pow(d, p);
  }
  // log:   ∂/∂p = −log(1 + r d),  ∂/∂r = −p d/(1 + r d)
  // power: ∂/∂r = −d^p,           ∂/∂p = −r d^p ln d   (both 0 at d = 0, as PyTorch's pow backward)
  Partials derivatives(int side, int a, double d) const {
    const double p = sides_[side].p[a], r = sides_[side].r[a];
    if (form_ == KerpleForm::log) return {-std::log1p(r * d), -p * d / (1.0 + r * d)};
    if (d == 0.0) return {0.0, 0.0};
    const double power = std::pow(d, p);
    return {-r * power * std::log(d), -power};
  }

  KerpleForm form_;
  BidirectionalForm bidirectional_ = BidirectionalForm::directional;
  int heads_ = 0;
  Side sides_[2];  // left (j ≤ i), right (j > i); the same buffers in the symmetric form
};

// The kerple_log / kerple_power encodings: one kernel shared by every layer,
// as chijames/KERPLE builds the module once in gpt2_model.py and passes it to
// every layer; its gradients therefore sum over layers.
template <typename T>
class KerpleBias : public RelativeBias<T> {
 public:
  explicit KerpleBias(KerpleForm form) : kernel_(form) {}

  void configure(const json& options) override {
    OptionsReader reader = this->options_reader(options);
    kernel_.set_bidirectional_form(read_bidirectional_form(reader));
    reader.finish();
  }
  json options() const override { return {{"bidirectional", to_string(kernel_.bidirectional_form())}}; }

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
