// rand_alibi: randomized ALiBi (Ruoss et al. 2023, "Randomized Positional
// Encodings Boost Length Generalization of Transformers", NOISY_ALIBI;
// specs/encodings.md §5 and §9, tasks-chomsky.md §4).
//
// ALiBi with the distance |i − j| replaced by a sampled distance r_|i−j|:
//   causal:        Bias[a,i,j] = −m_a · r_{i−j}                        (j ≤ i)
//   bidirectional: Bias[a,i,j] = −m_a · r_{|i−j|} + 0.5 · m_a · [j < i]
// (the +0.5 on the lower triangle tells left from right, as the base alibi's
// bidirectional form in the CHE reference; both share position_math.hpp's
// alibi_bias). m_a are the standard ALiBi slopes (alibi_slopes); r_0 = 0 and r_1 < ... < r_{T−1} are
// distinct integers drawn uniformly from [1, L), afresh in every layer from
// Rng(position_seed, layer), at training and at evaluation
// (models/random_positions.hpp), the same on both sides, for every head and
// every example. The bias is added after the 1/sqrt(d_h) scaling.
//
// Source: google-deepmind/randomized_positional_encodings
// models/positional_encodings.py::compute_noisy_alibi_encodings_biases
// (randomize_both_sides = False).
// Parameters: none. Options: max_length (L, default 2048); L < T is a
// UsageError. Causal and bidirectional as above.
#include "models/additive_bias.hpp"
#include "models/position_math.hpp"
#include "models/random_positions.hpp"

namespace pebench {

template <typename T>
class RandAlibi : public Randomized<AdditiveBias<T>> {
 protected:
  void compute_bias(T* bias, int layer, const EncodingContext& ctx) override {
    const std::vector<int> r = this->sampler_.distances(ctx.position_seed, layer, ctx.seq_len);  // [T]
    alibi_bias(bias, alibi_slopes(ctx.n_heads), r.data(), ctx.causal, ctx.seq_len);
  }
};

PEBENCH_ENCODING(RandAlibi, "rand_alibi");

}  // namespace pebench
