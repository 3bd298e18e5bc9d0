// rand_txl: randomized Transformer-XL relative encoding (Ruoss et al. 2023,
// "Randomized Positional Encodings Boost Length Generalization of
// Transformers", NOISY_RELATIVE; docs/encodings.md#rand_txl).
//
// As txl (models/encodings/support/txl_relative.hpp):
//   S[a,i,j] = ( (q_i + u_a)·k_j + (q_i + v_a)·(W_R R(ρ(j − i)))_a ) / sqrt(d_h)
// but the sinusoid sees a sampled signed distance ρ(δ) = sign(δ)·r_|δ|, where
// r_0 = 0 and r_1 < ... < r_{T−1} are distinct integers drawn uniformly from
// [1, L), afresh in every layer from Rng(seed, layer), at training and at
// evaluation (models/encodings/support/random_positions.hpp). The same draw serves both sides
// (the reference's randomize_both_sides = False) and every head.
// Training: one draw for the whole batch (the reference's behaviour).
// Evaluation: one draw per sequence (EncodingContext::sequence_seeds), so a
// score averages over draws and does not depend on the sub-batch size
// (models/encodings/support/random_positions.hpp says why).
//
// Source: google-deepmind/randomized_positional_encodings
// models/positional_encodings.py::compute_attention_with_noisy_relative_encodings.
// We implement the *intended* meaning, the sinusoid of the signed sampled
// offset; the reference indexes its [0, L) table with offset + L and so
// clamps every offset to a wrong row (RPE issue #2, docs/encodings.md#rand_txl).
//
// Parameters: as txl (per layer u, v [h, d_h] ~ N(0, 0.02), W_R [D, D]).
// Options: max_length (L, default 2048); L < T is a UsageError.
// Causal: δ ≤ 0 only (the reference raises NotImplementedError there; the
// signed definition extends to it without change). Bidirectional: both sides.
#include "models/encodings/support/random_positions.hpp"
#include "models/encodings/support/txl_relative.hpp"

namespace pebench {

template <typename T>
class RandTxl : public Randomized<TxlRelative<T>> {
 protected:
  int position_draws(const EncodingContext& ctx) const override { return PositionSampler::draws(ctx); }

  void relative_positions(double* out, int layer, const EncodingContext& ctx) override {
    const int T_ = ctx.seq_len, width = 2 * T_ - 1;
    const std::vector<int> r = this->sampler_.distances(ctx, layer);  // [P, T]
    for (int p = 0; p < PositionSampler::draws(ctx); ++p) {
      double* table = out + static_cast<size_t>(p) * width;
      const int* drawn = r.data() + static_cast<size_t>(p) * T_;
      for (int d = 0; d < T_; ++d) {
        table[T_ - 1 + d] = drawn[d];
        table[T_ - 1 - d] = -drawn[d];
      }
    }
  }
};

PEBENCH_ENCODING(RandTxl, "rand_txl", EncodingKind::randomized, "Ruoss et al. 2023 (randomized PE)",
                 "Transformer-XL on offsets sampled from [1, max_length), per layer");

}  // namespace pebench
