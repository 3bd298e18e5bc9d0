// xpos: RoPE with an exponential decay per frequency (Sun et al. 2022, "A
// Length-Extrapolatable Transformer"; specs/encodings.md §4b).
//
// For head-dimension pair c = 0..d_h/2−1 (interleaved (2c, 2c+1), θ_c =
// base^(−2c/d_h), the base `rope` rotation position_math.hpp::rope_apply):
//   ζ_c = (2c + 0.4·d_h) / (1.4·d_h) ∈ (0.29, 1)
//   q'_m = ζ^{+(m−c0)/γ} ⊙ R(m θ) q_m,   k'_n = ζ^{−(n−c0)/γ} ⊙ R(n θ) k_n
// (both members of a pair share ζ_c), so that q'_m·k'_n = Σ_c ζ_c^{(m−n)/γ}
// (R((m−n)θ) q)_c·k_c: RoPE's relative score damped by ζ^{(m−n)/γ}, which
// decays with distance for keys in the past (m > n). The centre c0 = ⌊T/2⌋
// cancels in the product and only keeps the powers in range.
// Backward: the scale commutes with the pair rotation, so dx = R(−pθ)(s ⊙ dy).
//
// Source: microsoft/torchscale torchscale/component/xpos_relative_position.py
// (XPOS: scale = (arange(0, d, 2) + 0.4 d)/(1.4 d), positions centred at −T/2,
// keys use 1/scale); lucidrains/x-transformers RotaryEmbedding(use_xpos=True).
// Parameters: none. Options: scale_base (γ, default 512), base (RoPE base,
// default 10000).
// Causal only: for m < n the factor grows without bound (x-transformers
// asserts xpos is not used bidirectionally), so supports_bidirectional() is
// false and the model refuses bidirectional tasks.
#include <cmath>

#include <fmt/format.h>

#include "common/errors.hpp"
#include "models/encoding.hpp"
#include "models/encoding_options.hpp"
#include "models/position_math.hpp"

namespace pebench {

template <typename T>
class XPos : public Encoding<T> {
 public:
  void configure(const json& options) override {
    EncodingOptions reader(this->name(), options);
    scale_base_ = reader.number("scale_base", 512.0, 0.0, 1e9, true);
    base_ = reader.number("base", 10000.0, 1.0, 1e12, true);
    reader.finish();
  }
  json options() const override { return {{"scale_base", scale_base_}, {"base", base_}}; }
  bool supports_bidirectional() const override { return false; }

  void declare_parameters(ParamLayout&, const ModelConfig& config) override {
    if (config.d_head() % 2 != 0)
      throw UsageError(fmt::format("encoding '{}' needs an even d_head, got {}", this->name(), config.d_head()));
  }

  // Positions 0..T−1 and the per-pair scales ζ_c^{(t−c0)/γ} of this pass.
  void begin_forward(const EncodingContext& ctx) override {
    const int T_ = ctx.seq_len, pairs = ctx.d_head / 2, centre = T_ / 2;
    positions_.resize(T_);
    query_scale_.resize(static_cast<size_t>(T_) * pairs);
    key_scale_.resize(static_cast<size_t>(T_) * pairs);
    for (int t = 0; t < T_; ++t) {
      positions_[t] = t;
      for (int c = 0; c < pairs; ++c) {
        const double zeta = (2.0 * c + 0.4 * ctx.d_head) / (1.4 * ctx.d_head);
        const double power = (t - centre) / scale_base_;
        query_scale_[static_cast<size_t>(t) * pairs + c] = static_cast<T>(std::pow(zeta, power));
        key_scale_[static_cast<size_t>(t) * pairs + c] = static_cast<T>(std::pow(zeta, -power));
      }
    }
  }

  void qk_forward(T* q, T* k, int, const EncodingContext& ctx) override {
    rotate(q, +1, ctx);
    rotate(k, +1, ctx);
    scale_pairs(q, query_scale_.data(), ctx);
    scale_pairs(k, key_scale_.data(), ctx);
  }
  void qk_backward(T* dq, T* dk, int, const EncodingContext& ctx) override {
    scale_pairs(dq, query_scale_.data(), ctx);
    scale_pairs(dk, key_scale_.data(), ctx);
    rotate(dq, -1, ctx);
    rotate(dk, -1, ctx);
  }

 private:
  void rotate(T* x, int direction, const EncodingContext& ctx) const {
    rope_apply(x, positions_.data(), false, ctx.batch, ctx.n_heads, ctx.seq_len, ctx.d_head, direction, base_);
  }
  // x: [B,h,T,d_h] in place, x[..., t, 2c + e] *= scale[t, c].
  static void scale_pairs(T* x, const T* scale, const EncodingContext& ctx) {
    const int T_ = ctx.seq_len, dh = ctx.d_head;
#pragma omp parallel for collapse(2) schedule(static)
    for (int head = 0; head < ctx.batch * ctx.n_heads; ++head)
      for (int t = 0; t < T_; ++t) {
        T* row = x + (static_cast<size_t>(head) * T_ + t) * dh;
        const T* s = scale + static_cast<size_t>(t) * (dh / 2);
        for (int c = 0; c < dh; ++c) row[c] *= s[c / 2];
      }
  }

  double scale_base_ = 512.0;
  double base_ = 10000.0;
  std::vector<double> positions_;  // [T] 0..T−1
  std::vector<T> query_scale_;     // [T, d_h/2] ζ_c^{+(t−c0)/γ}
  std::vector<T> key_scale_;       // [T, d_h/2] ζ_c^{−(t−c0)/γ}
};

PEBENCH_ENCODING(XPos, "xpos");

}  // namespace pebench
