// txl: Transformer-XL relative positional encoding, the "relative" baseline
// of the Chomsky-hierarchy benchmark (Delétang et al. 2023, NNCH, and Ruoss et
// al. 2023, RPE; docs/encodings.md#txl).
//
// Per layer, head a, query i, key j:
//   S[a,i,j] = ( (q_i + u_a)·k_j + (q_i + v_a)·(W_R R(j − i))_a ) / sqrt(d_h)
// with R the concatenated [sin | cos] sinusoid of the signed offset δ = j − i
// (D = h·d_h channels, timescale 10000). Math, parameters and backward live in
// models/encodings/support/txl_relative.hpp (shared with rand_txl).
//
// Source: Dai et al. 2019, "Transformer-XL: Attentive Language Models Beyond a
// Fixed-Length Context" §3.3; reference code
// google-deepmind/randomized_positional_encodings
// models/positional_encodings.py::compute_attention_with_relative_encodings
// (content bias u "relpos_contentbias", relative bias v
// "relpos_relativebias", both N(0, 0.02); bias-free hk.Linear for W_R).
//
// Parameters, per layer: u, v [h, d_h] ~ N(0, 0.02); W_R [D, D] ~ truncated
// normal(1/sqrt(D)). No options.
// Causal: offsets δ ≤ 0 only. Bidirectional: both signs, as in the reference.
#include "models/encodings/support/txl_relative.hpp"

namespace pebench {

template <typename T>
class Txl : public TxlRelative<T> {
 protected:
  void relative_positions(double* out, int, const EncodingContext& ctx) override {
    for (int delta = -(ctx.seq_len - 1); delta <= ctx.seq_len - 1; ++delta)
      out[delta + ctx.seq_len - 1] = delta;
  }
};

PEBENCH_ENCODING(Txl, "txl", EncodingKind::relative_embedding, "Dai et al. 2019 (Transformer-XL)",
                 "sinusoids of the offset, projected per layer and scored against the query");

}  // namespace pebench
