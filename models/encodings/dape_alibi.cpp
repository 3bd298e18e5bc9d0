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
#include <vector>

#include "models/encodings/support/dape.hpp"
#include "models/encodings/support/position_math.hpp"
#include "models/encodings/support/relative_bias.hpp"

namespace pebench {

template <typename T>
class DapeAlibi : public Dape<T> {
 protected:
  void compute_bias(T* bias, int, const EncodingContext& ctx) override {
    const std::vector<double> slopes = alibi_slopes(ctx.n_heads);
    const int width = relative_table_size(ctx.seq_len);
    table_.assign(static_cast<size_t>(ctx.n_heads) * width, T(0));
    for (int a = 0; a < ctx.n_heads; ++a)
      for (int o = ctx.causal ? ctx.seq_len - 1 : 0; o < width; ++o) {
        const int d = offset_of(o, ctx.seq_len);  // i − j
        const double value = ctx.causal ? -d : -std::abs(d) + (d > 0 ? 0.5 : 0.0);
        table_[static_cast<size_t>(a) * width + o] = static_cast<T>(slopes[a] * value);
      }
    relative_bias_expand(bias, table_.data(), ctx.n_heads, ctx.seq_len, ctx.causal);
  }

 private:
  std::vector<T> table_;  // [h,2T−1]
};

PEBENCH_ENCODING(DapeAlibi, "dape_alibi");

}  // namespace pebench
