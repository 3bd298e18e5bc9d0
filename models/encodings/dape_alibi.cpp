// dape_alibi: DAPE V1 over an ALiBi base bias (Zheng et al. 2024, "DAPE:
// Data-Adaptive Positional Encoding for Length Extrapolation";
// chuanyang-Zheng/DAPE DAPE.py AliBi_DAPE, `alibi_c` in the megatron code;
// docs/encodings.md#dape_alibi).
//
//   Bias[a,i,j] = −m_a·(i − j)                                  causal (j ≤ i)
//   Bias[a,i,j] = m_a·(−|i − j| + 0.5·[j < i])                  bidirectional (docs/encodings.md#bidirectional-attention, CHE form)
//   S = x + Bias + W2·LeakyReLU(W1·[x; Bias] + b1) + b2          per layer (dape.hpp)
//
// m_a the ALiBi slopes (docs/encodings.md#alibi). The reference builds the true distance
// form −m·tril(i − j), not the key-only trick m·j, and so does this file: the
// MLP sees the bias values, and only the true form is translation invariant.
// Parameters: the per-layer DAPE MLP only (the slopes are fixed).
// Options: mlp_width (32).
#include "models/encodings/support/dape.hpp"
#include "models/encodings/support/position_math.hpp"

namespace pebench {

template <typename T>
class DapeAlibi : public Dape<T> {
 protected:
  // bias: [h,T,T], zero on entry; ALiBi's own formula (position_math.hpp alibi_bias).
  void compute_bias(T* bias, int, const EncodingContext& ctx) override {
    alibi_bias(bias, alibi_slopes(ctx.n_heads), ctx.causal, ctx.seq_len);
  }
};

PEBENCH_ENCODING(DapeAlibi, "dape_alibi", EncodingKind::contextual, "Zheng et al. 2024 (DAPE)",
                 "the ALiBi bias corrected by a per-layer MLP of the logits and the bias");

}  // namespace pebench
