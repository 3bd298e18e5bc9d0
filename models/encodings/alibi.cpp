// alibi: attention with linear biases (Press et al. 2022, "Train Short, Test
// Long", §3; docs/encodings.md#alibi). A fixed per-head bias is added to the
// logits after the 1/sqrt(d_h) scaling, in every layer, with no input PE:
//
//   causal:        Bias[a,i,j] = −m_a·(i − j)                 (j <= i)
//   bidirectional: Bias[a,i,j] =  m_a·(−|i − j| + 0.5·[j < i])
//
// Slopes m_a: the standard geometric sequence for any head count
// (position_math.hpp alibi_slopes; fairseq get_slopes). The bidirectional form
// is the CHE/RPE reference's (google-deepmind/randomized_positional_encodings
// models/positional_encodings.py compute_alibi_encodings_biases): symmetric
// in distance plus 0.5 on the lower triangle so left and right differ
// (docs/encodings.md#bidirectional-attention). Hook 3 only (via AdditiveBias). Parameters: none.
// Identical at training and evaluation.
#include "models/encodings/support/additive_bias.hpp"
#include "models/encodings/support/position_math.hpp"

namespace pebench {

template <typename T>
class Alibi : public AdditiveBias<T> {
 protected:
  void compute_bias(T* bias, int, const EncodingContext& ctx) override {
    alibi_bias(bias, alibi_slopes(ctx.n_heads), ctx.causal, ctx.seq_len);
  }
};

PEBENCH_ENCODING(Alibi, "alibi", EncodingKind::additive_bias, "Press et al. 2022 (ALiBi)",
                 "a fixed per-head penalty linear in the distance");

}  // namespace pebench
