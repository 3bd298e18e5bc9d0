// TxlRelative<T>: Transformer-XL relative attention logits, the base of the
// `txl` and `rand_txl` encodings.
//
// Source: Dai et al. 2019, "Transformer-XL" §3.3 (terms (b)-(d) of the
// relative score), in the form the Chomsky-hierarchy benchmarks use as their
// RELATIVE encoding (docs/encodings.md#txl):
// google-deepmind/randomized_positional_encodings
// models/positional_encodings.py::compute_attention_with_relative_encodings.
//
// Per layer, for head a, query i and key j, with δ = j − i:
//   S[b,a,i,j] = ( (q_i + u_a)·k_j + (q_i + v_a)·K_a(δ) ) / sqrt(d_h)
//   K(δ)       = W_R · R(ρ(δ))              [D], head a reads columns a·d_h .. (a+1)·d_h−1
//   R(p)       = [sin(p·ω_0..ω_{D/2−1}) | cos(...)], ω_c = 10000^(−2c/D)   (sinusoid_row)
// ρ(δ) is the position the sinusoid sees: δ itself for txl, the sampled
// signed distance sign(δ)·r_|δ| for rand_txl (relative_positions()). A pass
// may use several tables ρ (position_draws(): rand_txl draws one per sequence
// at evaluation); sequence b reads table draw_of(b), and dW_R sums over them.
// The hook receives q·kᵀ/sqrt(d_h) and adds the u, v and W_R terms.
//
// Parameters, per layer l (the reference creates them inside each attention
// module): encoding.<name>.layer<l>.u, .v: [h, d_h], N(0, 0.02), no weight
// decay; .w_r: [D, D] bias-free Linear, truncated normal σ = 1/sqrt(D) (Haiku
// Linear default), decayed.
//
// Backward: dS passes through unchanged (the added terms do not depend on the
// raw scores); with g = dS/sqrt(d_h):
//   dk_j += u_a Σ_i g_ij          du_a += Σ_{b,i,j} g_ij k_j
//   dq_i += Σ_j g_ij K_a(δ_ij)    dv_a += Σ_{b,i,j} g_ij K_a(δ_ij)
//   dK_a(δ) = Σ_{b, j−i=δ} g_ij (q_i + v_a),   dW_R += Σ_δ dK(δ) R(ρ(δ))ᵀ
// Computation: per (b, a) one GEMM P = (Q + v_a)·K_aᵀ over all offsets,
// read through the "relative shift" S[i,j] += P[i, j − i + T − 1] (the
// Transformer-XL trick without the reshape); the backward scatters dS into
// dP the same way and uses GEMMs for dq and dK. Memory: [T, 2T−1] scratch per
// thread. Every reduction runs in a fixed order with each thread owning its
// outputs, so results do not depend on the thread count.
//
// Causal and bidirectional: both (the reference builds both sides when the
// attention is not causal); a causal pass only computes offsets δ ≤ 0.
#pragma once
#include <cstddef>
#include <vector>

#include "models/encoding.hpp"

namespace pebench {

template <typename T>
class TxlRelative : public Encoding<T> {
 public:
  void declare_parameters(ParamLayout& layout, const ModelConfig& config) override;
  void bind(T* params, T* grads) override;
  void begin_forward(const EncodingContext& ctx) override;
  bool has_logits_hook() const override { return true; }
  void logits_forward(T* scores, const T* q, const T* k, int layer,
                      const EncodingContext& ctx) override;
  void logits_backward(T* dscores, T* dq, T* dk, const T* q, const T* k, int layer,
                       const EncodingContext& ctx) override;

 protected:
  // How many tables ρ this pass uses: 1, or ctx.batch (one per sequence).
  virtual int position_draws(const EncodingContext& ctx) const { (void)ctx; return 1; }
  // out: [P, 2T−1], out[p, δ + T − 1] = ρ_p(δ) for δ = j − i in [−(T−1), T−1],
  // P = position_draws(ctx).
  virtual void relative_positions(double* out, int layer, const EncodingContext& ctx) = 0;

 private:
  struct LayerOffsets {
    size_t u = 0, v = 0, w_r = 0;  // into the flat parameter/gradient buffers
  };
  // Offsets δ computed this pass: [−(T−1), 0] causal, [−(T−1), T−1] otherwise.
  static int offset_rows(const EncodingContext& ctx) { return ctx.causal ? ctx.seq_len : 2 * ctx.seq_len - 1; }
  void project_positions(int layer, const EncodingContext& ctx);
  // du_part, dv_part: [B,h,d_h], drel_part: [B,h,rows,d_h], one slot per (b, a).
  void unit_backward(T* dq, T* dk, T* du_part, T* dv_part, T* drel_part, const T* dscores, const T* q,
                     const T* k, int layer, const EncodingContext& ctx) const;

  std::vector<LayerOffsets> offsets_;
  T* params_ = nullptr;
  T* grads_ = nullptr;
  int d_model_ = 0;
  // Kept from the forward pass for the backward, per layer:
  // Table of sequence b: 0, or b when every sequence has its own.
  int draw_of(int b, const EncodingContext& ctx) const { return position_draws(ctx) > 1 ? b : 0; }

  std::vector<std::vector<T>> sinusoids_;  // [N][P, rows, D]  R(ρ_p(δ)), row δ + T − 1
  std::vector<std::vector<T>> rel_keys_;   // [N][P, rows, D]  K_p(δ) = W_R R(ρ_p(δ))
};

}  // namespace pebench
