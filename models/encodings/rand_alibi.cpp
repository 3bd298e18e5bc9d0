// rand_alibi: randomized ALiBi (Ruoss et al. 2023, "Randomized Positional
// Encodings Boost Length Generalization of Transformers", NOISY_ALIBI;
// docs/encodings.md#rand_alibi).
//
// ALiBi with the distance |i − j| replaced by a sampled distance r_|i−j|:
//   causal:        Bias[a,i,j] = −m_a · r_{i−j}                        (j ≤ i)
//   bidirectional: Bias[a,i,j] = −m_a · r_{|i−j|} + 0.5 · m_a · [j < i]
// (the +0.5 on the lower triangle tells left from right, as the base alibi's
// bidirectional form in the CHE reference; both share position_math.hpp's
// alibi_bias). m_a are the standard ALiBi slopes (alibi_slopes); r_0 = 0 and r_1 < ... < r_{T−1} are
// distinct integers drawn uniformly from [1, L), afresh in every layer from
// Rng(seed, layer), at training and at evaluation
// (models/encodings/support/random_positions.hpp), the same on both sides and for every head.
// The bias is added after the 1/sqrt(d_h) scaling.
// Training: one draw for the whole batch (the reference's behaviour).
// Evaluation: one draw per sequence (EncodingContext::sequence_seeds), so a
// score averages over draws and does not depend on the sub-batch size
// (models/encodings/support/random_positions.hpp says why).
//
// Source: google-deepmind/randomized_positional_encodings
// models/positional_encodings.py::compute_noisy_alibi_encodings_biases
// (randomize_both_sides = False).
// Parameters: none. Options: max_length (L, default 2048); L < T is a
// UsageError. Causal and bidirectional as above.
#include "models/encodings/support/additive_bias.hpp"
#include "models/encodings/support/position_math.hpp"
#include "models/encodings/support/random_positions.hpp"

namespace pebench {

template <typename T>
class RandAlibi : public Randomized<AdditiveBias<T>> {
 protected:
  bool per_example(const EncodingContext& ctx) const override { return PositionSampler::draws(ctx) > 1; }

  // bias: [P,h,T,T], one block per draw.
  void compute_bias(T* bias, int layer, const EncodingContext& ctx) override {
    const std::vector<int> r = this->sampler_.distances(ctx, layer);  // [P, T]
    const std::vector<double> slopes = alibi_slopes(ctx.n_heads);
    const size_t block = static_cast<size_t>(ctx.n_heads) * ctx.seq_len * ctx.seq_len;
    for (int p = 0; p < PositionSampler::draws(ctx); ++p)
      alibi_bias(bias + p * block, slopes, r.data() + static_cast<size_t>(p) * ctx.seq_len, ctx.causal, ctx.seq_len);
  }
};

PEBENCH_ENCODING(RandAlibi, "rand_alibi", EncodingKind::randomized, "Ruoss et al. 2023 (randomized PE)",
                 "ALiBi on distances sampled from [1, max_length), per layer");

}  // namespace pebench
