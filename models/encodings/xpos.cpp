// xpos: RoPE with an exponential decay per frequency (Sun et al. 2022, "A
// Length-Extrapolatable Transformer"; docs/encodings.md#xpos).
//
// For head-dimension pair c = 0..d_h/2−1 (interleaved (2c, 2c+1), θ_c =
// base^(−2c/d_h), the base `rope` rotation position_math.hpp::rope_apply),
// with pairdot_c(i,j) = (R(iθ)q_i)_{2c,2c+1}·(R(jθ)k_j)_{2c,2c+1} the RoPE
// dot product restricted to pair c (it depends on i − j only):
//   ζ_c = (2c + 0.4·d_h) / (1.4·d_h) ∈ (0.29, 1)
//
// Causal (the paper): S_ij = Σ_c ζ_c^{(i−j)/γ}·pairdot_c(i,j)/sqrt(d_h), j ≤ i.
// Hook 2 computes it by scaling the rotated q and k,
//   q'_m = ζ^{+(m−c0)/γ} ⊙ R(m θ) q_m,   k'_n = ζ^{−(n−c0)/γ} ⊙ R(n θ) k_n
// (both members of a pair share ζ_c), so that q'_m·k'_n is the sum above:
// RoPE's relative score damped by ζ^{(m−n)/γ}, which decays with distance for
// keys in the past (m > n). The centre c0 = ⌊T/2⌋ cancels in the product and
// only keeps the powers in range.
// Backward: the scale commutes with the pair rotation, so dx = R(−pθ)(s ⊙ dy).
//
// Bidirectional extension (ours; docs/encodings.md#bidirectional-attention: |i−j| on both sides):
//   S_ij = Σ_c ζ_c^{|i−j|/γ}·pairdot_c(i,j)/sqrt(d_h),   all i, j,
// damped with distance on both sides (for j > i the causal scales would give
// ζ^{−(j−i)/γ}, which grows without bound; x-transformers asserts xpos is not
// used bidirectionally). |i−j| does not split into a query factor times a key
// factor, so no q/k scaling can produce it. Hook 2 therefore only rotates (q,
// k reach hook 3 as plain RoPE, and the raw score is the RoPE score) and
// hook 3 adds the correction
//   S_ij += Σ_c (ζ_c^{|i−j|/γ} − 1)·pairdot_c(i,j)/sqrt(d_h)
// from a table of ζ_c^{|δ|/γ} − 1 over signed distances δ = j − i, built once
// per forward pass ([d_h/2, 2T − 1]; expm1, so small distances keep their
// precision). Indexed by δ, query i's factors for j = 0..T−1 are one
// contiguous slice, so every inner loop runs along the key axis (S rows, kᵀ
// in per-thread scratch, the table) and vectorises whatever d_h is.
// Backward: dscores passes through unchanged (the raw-score path stays the
// transformer's q·kᵀ GEMM); with g_ij = dS_ij·(ζ_c^{|i−j|/γ} − 1)/sqrt(d_h),
//   dq_i[e] += Σ_j g_ij·k_j[e],   dk_j[e] += Σ_i g_ij·q_i[e],   e ∈ {2c, 2c+1},
// fused in one pass over (i, c, j) per (b, head) unit; each unit's dq and dk
// belong to one thread, so the sums do not depend on the thread count.
// Cost: B·h·T²·d_h multiply-adds per layer forward and 2× that backward (as
// much as the q·kᵀ product, in plain loops instead of a GEMM); memory: the
// table and O(T·d_h) scratch per thread, nothing of size T²·d_h (so memory
// stays bounded at eval length 1000).
// The causal path never runs hook 3.
//
// Source: microsoft/torchscale torchscale/component/xpos_relative_position.py
// (XPOS: scale = (arange(0, d, 2) + 0.4 d)/(1.4 d), positions centred at −T/2,
// keys use 1/scale); lucidrains/x-transformers RotaryEmbedding(use_xpos=True).
// Parameters: none. Options: scale_base (γ, default 512), base (RoPE base,
// default 10000). Identical at training and evaluation.
#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "common/errors.hpp"
#include "models/encoding.hpp"
#include "common/options_reader.hpp"
#include "models/matrix.hpp"
#include "models/encodings/support/position_math.hpp"

namespace pebench {

template <typename T>
class XPos : public Encoding<T> {
 public:
  void configure(const json& options) override {
    OptionsReader reader = this->options_reader(options);
    scale_base_ = reader.number("scale_base", 512.0, 0.0, 1e9, Bound::open);
    base_ = reader.number("base", 10000.0, 1.0, 1e12, Bound::open);
    reader.finish();
  }
  json options() const override { return {{"scale_base", scale_base_}, {"base", base_}}; }

  void declare_parameters(ParamLayout&, const ModelConfig& config) override {
    if (config.d_head() % 2 != 0)
      throw UsageError(fmt::format("encoding '{}' needs an even d_head, got {}", this->name(), config.d_head()));
  }

  // Positions 0..T−1, and either the per-pair scales ζ_c^{±(t−c0)/γ} (causal)
  // or the distance table ζ_c^{|δ|/γ} − 1 (bidirectional) of this pass.
  void begin_forward(const EncodingContext& ctx) override {
    const int T_ = ctx.seq_len, pairs = ctx.d_head / 2, centre = T_ / 2;
    positions_.resize(T_);
    for (int t = 0; t < T_; ++t) positions_[t] = t;
    if (!ctx.causal) {
      build_decay_table(ctx);
      return;
    }
    query_scale_.resize(static_cast<size_t>(T_) * pairs);
    key_scale_.resize(static_cast<size_t>(T_) * pairs);
    for (int t = 0; t < T_; ++t) {
      for (int c = 0; c < pairs; ++c) {
        const double zeta = pair_zeta(c, ctx.d_head);
        const double power = (t - centre) / scale_base_;
        query_scale_[static_cast<size_t>(t) * pairs + c] = static_cast<T>(std::pow(zeta, power));
        key_scale_[static_cast<size_t>(t) * pairs + c] = static_cast<T>(std::pow(zeta, -power));
      }
    }
  }

  // Causal: rotate and scale. Bidirectional: rotate only (hook 3 decays).
  void qk_forward(T* q, T* k, int, const EncodingContext& ctx) override {
    rotate(q, +1, ctx);
    rotate(k, +1, ctx);
    if (!ctx.causal) return;
    scale_pairs(q, query_scale_.data(), ctx);
    scale_pairs(k, key_scale_.data(), ctx);
  }
  void qk_backward(T* dq, T* dk, int, const EncodingContext& ctx) override {
    if (ctx.causal) {
      scale_pairs(dq, query_scale_.data(), ctx);
      scale_pairs(dk, key_scale_.data(), ctx);
    }
    rotate(dq, -1, ctx);
    rotate(dk, -1, ctx);
  }

  bool has_logits_hook() const override { return true; }

  // Bidirectional only: S_ij += Σ_c decay_c(j − i)·pairdot_c(i,j)/sqrt(d_h),
  // decay_c(δ) = ζ_c^{|δ|/γ} − 1, pairdot_c = q_i[2c]·k_j[2c] + q_i[2c+1]·k_j[2c+1]
  // (q, k already rotated by hook 2). Per (b, head) unit, with kᵀ in
  // per-thread scratch, so that every inner loop runs along the key axis j
  // (contiguous in S, kᵀ and the table) whatever d_h is.
  void logits_forward(T* scores, const T* q, const T* k, int, const EncodingContext& ctx) override {
    if (ctx.causal) return;
    const int T_ = ctx.seq_len, dh = ctx.d_head;
    const T scale = T(1) / std::sqrt(static_cast<T>(dh));
#pragma omp parallel
    {
      std::vector<T> kt(static_cast<size_t>(dh) * T_);  // [d_h, T]
#pragma omp for schedule(static)
      for (int unit = 0; unit < ctx.batch * ctx.n_heads; ++unit) {
        const size_t head = static_cast<size_t>(unit) * T_ * dh;
        matrix(kt.data(), dh, T_, T_) = matrix(k + head, T_, dh, dh).transpose();
        for (int i = 0; i < T_; ++i) {
          const T* qi = q + head + static_cast<size_t>(i) * dh;
          T* s = scores + (static_cast<size_t>(unit) * T_ + i) * T_;  // [T]
          for (int c = 0; c < dh / 2; ++c) {
            const T a0 = qi[2 * c] * scale, a1 = qi[2 * c + 1] * scale;
            const T* k0 = kt.data() + static_cast<size_t>(2 * c) * T_;
            const T* k1 = k0 + T_;
            const T* w = decay_row(c, i, T_);
#pragma omp simd
            for (int j = 0; j < T_; ++j) s[j] += w[j] * (a0 * k0[j] + a1 * k1[j]);
          }
        }
      }
    }
  }

  // dscores passes through unchanged. With g_ij = dS_ij·decay_c(j − i), for
  // both members e of pair c:
  //   dq_i[e] += Σ_j g_ij·k_j[e]/sqrt(d_h),  dk_j[e] += g_ij·q_i[e]/sqrt(d_h),
  // all from one pass over (i, c, j) per unit; dk is gathered as dkᵀ [d_h, T]
  // in scratch and added once. Each unit's dq, dk belong to one thread.
  void logits_backward(T* dscores, T* dq, T* dk, const T* q, const T* k, int, const EncodingContext& ctx) override {
    if (ctx.causal) return;
    const int T_ = ctx.seq_len, dh = ctx.d_head;
    const T scale = T(1) / std::sqrt(static_cast<T>(dh));
#pragma omp parallel
    {
      std::vector<T> kt(static_cast<size_t>(dh) * T_), dkt(kt.size());  // [d_h, T]
#pragma omp for schedule(static)
      for (int unit = 0; unit < ctx.batch * ctx.n_heads; ++unit) {
        const size_t head = static_cast<size_t>(unit) * T_ * dh;
        matrix(kt.data(), dh, T_, T_) = matrix(k + head, T_, dh, dh).transpose();
        std::fill(dkt.begin(), dkt.end(), T(0));
        for (int i = 0; i < T_; ++i) {
          const T* qi = q + head + static_cast<size_t>(i) * dh;
          T* dqi = dq + head + static_cast<size_t>(i) * dh;
          const T* ds = dscores + (static_cast<size_t>(unit) * T_ + i) * T_;  // [T]
          for (int c = 0; c < dh / 2; ++c) {
            const T a0 = qi[2 * c] * scale, a1 = qi[2 * c + 1] * scale;
            const T* k0 = kt.data() + static_cast<size_t>(2 * c) * T_;
            const T* k1 = k0 + T_;
            T* dk0 = dkt.data() + static_cast<size_t>(2 * c) * T_;
            T* dk1 = dk0 + T_;
            const T* w = decay_row(c, i, T_);
            T sum0 = 0, sum1 = 0;
#pragma omp simd reduction(+ : sum0, sum1)
            for (int j = 0; j < T_; ++j) {
              const T g = ds[j] * w[j];
              sum0 += g * k0[j];
              sum1 += g * k1[j];
              dk0[j] += a0 * g;
              dk1[j] += a1 * g;
            }
            dqi[2 * c] += sum0 * scale;
            dqi[2 * c + 1] += sum1 * scale;
          }
        }
        matrix(dk + head, T_, dh, dh) += matrix(dkt.data(), dh, T_, T_).transpose();
      }
    }
  }

 private:
  // decay_[c, T − 1 + δ] = ζ_c^{|δ|/γ} − 1 for δ = j − i ∈ [−(T−1), T−1]:
  // [d_h/2, 2T − 1], so that query i's row over j = 0..T−1 is contiguous.
  void build_decay_table(const EncodingContext& ctx) {
    const int T_ = ctx.seq_len, dh = ctx.d_head, width = 2 * T_ - 1;
    decay_.resize(static_cast<size_t>(dh / 2) * width);
    for (int c = 0; c < dh / 2; ++c) {
      const double log_zeta = std::log(pair_zeta(c, dh));
      for (int d = 0; d < T_; ++d) {
        const T value = static_cast<T>(std::expm1(d / scale_base_ * log_zeta));
        decay_[static_cast<size_t>(c) * width + T_ - 1 + d] = value;
        decay_[static_cast<size_t>(c) * width + T_ - 1 - d] = value;
      }
    }
  }
  // Pair c's factors for query i: [T], entry j is ζ_c^{|i−j|/γ} − 1.
  const T* decay_row(int c, int i, int seq_len) const {
    return decay_.data() + static_cast<size_t>(c) * (2 * seq_len - 1) + (seq_len - 1 - i);
  }
  // ζ_c = (2c + 0.4·d_h)/(1.4·d_h), shared by both members of pair c.
  static double pair_zeta(int c, int d_head) { return (2.0 * c + 0.4 * d_head) / (1.4 * d_head); }

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
  std::vector<T> query_scale_;     // causal: [T, d_h/2] ζ_c^{+(t−c0)/γ}
  std::vector<T> key_scale_;       // causal: [T, d_h/2] ζ_c^{−(t−c0)/γ}
  std::vector<T> decay_;           // bidirectional: [d_h/2, 2T − 1] ζ_c^{|j−i|/γ} − 1
};

PEBENCH_ENCODING(XPos, "xpos", EncodingKind::rotary, "Sun et al. 2022 (xPos)",
                 "RoPE whose scores decay exponentially with the distance, per frequency");

}  // namespace pebench
