// rand_sinusoidal: randomized sinusoidal absolute encoding (Ruoss et al.
// 2023, "Randomized Positional Encodings Boost Length Generalization of
// Transformers", NOISY_SIN_COS; docs/encodings.md#rand_sinusoidal).
//
//   x[b,t,:] += R(p_t),  R(p) = [sin(p·ω_0..ω_{D/2−1}) | cos(...)], ω_c = 10000^(−2c/D)
// where p_0 < p_1 < ... < p_{T−1} are T distinct integers drawn uniformly from
// [0, L), sorted, once per forward pass from Rng(seed, input stream), at
// training and at evaluation (models/encodings/support/random_positions.hpp).
// Training: one draw for the whole batch (the reference's behaviour).
// Evaluation: one draw per sequence (EncodingContext::sequence_seeds), so a
// score averages over draws and does not depend on the sub-batch size
// (models/encodings/support/random_positions.hpp says why).
// The sinusoid is the base `sinusoidal` encoding's
// (position_math.hpp::sinusoid_row, the reference's concatenated layout).
//
// Source: google-deepmind/randomized_positional_encodings
// models/transformer.py (NOISY_SIN_COS branch of add_positional_encodings) and
// models/positional_encodings.py::noisy_fixed_positional_encodings.
// Parameters: none. Options: max_length (L, default 2048); L < T is a
// UsageError. Causal and bidirectional alike (input-level encoding).
#include <fmt/format.h>

#include "common/errors.hpp"
#include "models/encodings/support/position_math.hpp"
#include "models/encodings/support/random_positions.hpp"

namespace pebench {

template <typename T>
class RandSinusoidal : public Randomized<Encoding<T>> {
 public:
  void declare_parameters(ParamLayout&, const ModelConfig& config) override {
    if (config.d_model % 2 != 0)
      throw UsageError(fmt::format("encoding '{}' needs an even d_model, got {}", this->name(), config.d_model));
  }

  void input_forward(T* x, const EncodingContext& ctx) override {
    const int T_ = ctx.seq_len, D = ctx.d_model;
    const std::vector<int> positions = this->sampler_.positions(ctx, PositionSampler::kInputStream);  // [P, T]
    std::vector<T> rows(positions.size() * D);  // [P, T, D]
    for (size_t n = 0; n < positions.size(); ++n) sinusoid_row(rows.data() + n * D, positions[n], D);
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < ctx.batch; ++b)
      for (int t = 0; t < T_; ++t) {
        T* out = x + (static_cast<size_t>(b) * T_ + t) * D;
        const T* row = rows.data() + (static_cast<size_t>(PositionSampler::draw_of(ctx, b)) * T_ + t) * D;
        for (int c = 0; c < D; ++c) out[c] += row[c];
      }
  }
};

PEBENCH_ENCODING(RandSinusoidal, "rand_sinusoidal", EncodingKind::randomized, "Ruoss et al. 2023 (randomized PE)",
                 "sinusoidal at sorted positions sampled from [0, max_length)");

}  // namespace pebench
