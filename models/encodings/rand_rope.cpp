// rand_rope: randomized rotary encoding (Ruoss et al. 2023, "Randomized
// Positional Encodings Boost Length Generalization of Transformers",
// NOISY_ROTARY; docs/encodings.md#rand_rope).
//
// RoPE (interleaved pairs (2c, 2c+1), θ_c = 10000^(−2c/d_h), the base `rope`
// encoding's position_math.hpp::rope_apply) with position p_t instead of t:
//   q'_t = R(p_t θ) q_t,  k'_t = R(p_t θ) k_t;  backward: rotate by −p_t θ.
// p_0 < ... < p_{T−1} are T distinct integers drawn uniformly from [0, L),
// sorted, afresh in every layer from Rng(seed, layer), at training and at
// evaluation (models/encodings/support/random_positions.hpp); q and k and every head share the
// layer's draw.
// Training: one draw for the whole batch (the reference's behaviour).
// Evaluation: one draw per sequence (EncodingContext::sequence_seeds), so a
// score averages over draws and does not depend on the sub-batch size
// (models/encodings/support/random_positions.hpp says why).
//
// Source: google-deepmind/randomized_positional_encodings
// models/transformer.py (NOISY_ROTARY: one hk.next_rng_key() per attention
// layer, used for q and k) and models/positional_encodings.py::apply_rotary_encoding.
// Parameters: none. Options: max_length (L, default 2048); L < T is a
// UsageError. Causal and bidirectional alike.
#include <fmt/format.h>

#include "common/errors.hpp"
#include "models/encodings/support/position_math.hpp"
#include "models/encodings/support/random_positions.hpp"

namespace pebench {

template <typename T>
class RandRope : public Randomized<Encoding<T>> {
 public:
  void declare_parameters(ParamLayout&, const ModelConfig& config) override {
    if (config.d_head() % 2 != 0)
      throw UsageError(fmt::format("encoding '{}' needs an even d_head, got {}", this->name(), config.d_head()));
  }
  void begin_forward(const EncodingContext& ctx) override {
    Randomized<Encoding<T>>::begin_forward(ctx);
    positions_.assign(ctx.n_layers, {});
  }

  void qk_forward(T* q, T* k, int layer, const EncodingContext& ctx) override {
    const std::vector<int> drawn = this->sampler_.positions(ctx, layer);  // [P, T]
    positions_[layer].assign(drawn.begin(), drawn.end());
    per_sequence_ = PositionSampler::draws(ctx) > 1;
    rotate(q, k, layer, ctx, +1);
  }
  void qk_backward(T* dq, T* dk, int layer, const EncodingContext& ctx) override {
    rotate(dq, dk, layer, ctx, -1);
  }

 private:
  void rotate(T* q, T* k, int layer, const EncodingContext& ctx, int direction) const {
    const double* positions = positions_[layer].data();
    rope_apply(q, positions, per_sequence_, ctx.batch, ctx.n_heads, ctx.seq_len, ctx.d_head, direction);
    rope_apply(k, positions, per_sequence_, ctx.batch, ctx.n_heads, ctx.seq_len, ctx.d_head, direction);
  }

  std::vector<std::vector<double>> positions_;  // [N][P, T] each layer's draws of this pass
  bool per_sequence_ = false;                   // P = B (evaluation) rather than 1
};

PEBENCH_ENCODING(RandRope, "rand_rope", EncodingKind::randomized, "Ruoss et al. 2023 (randomized PE)",
                 "RoPE at sorted positions sampled from [0, max_length), per layer");

}  // namespace pebench
