// sqrt_alibi (example plugin encoding): ALiBi with the distance under a square
// root, a fixed-exponent member of KERPLE's power family (Chi et al. 2022,
// "KERPLE: Kernelized Relative Positional Embedding for Length
// Extrapolation", eq. 8 with r1 = ALiBi's slope m_a and r2 = 1/2 fixed instead
// of learned). A fixed per-head bias on the scaled logits, every layer:
//
//   causal:        Bias[a,i,j] = −m_a·sqrt(i − j)                 (j <= i)
//   bidirectional: Bias[a,i,j] = −m_a·sqrt(|i − j|) + 0.5·m_a·[j < i]
//
// Slopes m_a: ALiBi's geometric sequence (Press et al. 2022, §3;
// models/encodings/support/position_math.hpp alibi_slopes). The bidirectional left/right offset
// is ALiBi's CHE form (models/encodings/alibi.cpp), so the model can tell left
// from right. Hook 3 only, through AdditiveBias, which also passes the
// gradient through (the bias has no parameters). Identical at training and
// evaluation.
//
// This file builds unchanged in-tree (models/encodings/) or as a plugin
// (examples/plugin/CMakeLists.txt): it includes only installed headers.
#include <cmath>
#include <vector>

#include "models/encodings/support/additive_bias.hpp"
#include "models/encodings/support/position_math.hpp"

namespace pebench {

template <typename T>
class SqrtAlibi : public AdditiveBias<T> {
 protected:
  // bias: [h,T,T]
  void compute_bias(T* bias, int, const EncodingContext& ctx) override {
    const std::vector<double> slopes = alibi_slopes(ctx.n_heads);  // [h]
    const int length = ctx.seq_len;
    for (int a = 0; a < ctx.n_heads; ++a)
      for (int i = 0; i < length; ++i) {
        T* row = bias + (static_cast<size_t>(a) * length + i) * length;
        for (int j = 0; j < (ctx.causal ? i + 1 : length); ++j) {
          const double left_offset = (!ctx.causal && j < i) ? 0.5 : 0.0;
          row[j] = static_cast<T>(slopes[a] * (left_offset - std::sqrt(static_cast<double>(std::abs(i - j)))));
        }
      }
  }
};

PEBENCH_ENCODING(SqrtAlibi, "sqrt_alibi", EncodingKind::additive_bias, "Chi et al. 2022 (KERPLE power kernel)",
                 "a fixed per-head penalty in the square root of the distance, ALiBi's slopes");

}  // namespace pebench
