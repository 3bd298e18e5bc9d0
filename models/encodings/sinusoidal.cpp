// sinusoidal: fixed sinusoids added to the token embeddings (Vaswani et al.
// 2017, "Attention Is All You Need", §3.5; docs/encodings.md#sinusoidal).
//
//   x[b,p,:] += PE[p],  PE[p] = [sin(p·ω_0) … sin(p·ω_{D/2−1}) | cos(p·ω_0) … cos(p·ω_{D/2−1})],
//   ω_i = 10000^(−2i/D),  p = 0 … T−1.
//
// The concatenated (not interleaved) layout and the addition to sqrt(D)-scaled
// embeddings follow the CHE/RPE reference (google-deepmind/
// randomized_positional_encodings, models/positional_encodings.py
// sinusoid_position_encoding; models/transformer.py embed_sequences); the two
// layouts differ by a fixed channel permutation. The scaling itself is the
// model's `embed_scale` (on by default).
// Hook 1 only. Parameters: none; the gradient passes through unchanged.
// Causal and bidirectional alike; identical at training and evaluation.
// Requires an even d_model.
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "models/encoding.hpp"
#include "models/encodings/support/position_math.hpp"

namespace pebench {

template <typename T>
class Sinusoidal : public Encoding<T> {
 public:
  void declare_parameters(ParamLayout&, const ModelConfig& config) override {
    if (config.d_model % 2 != 0)
      throw UsageError("encoding 'sinusoidal' needs an even d_model, got " + std::to_string(config.d_model));
  }

  // The table grows to the longest length seen and is reused after that.
  void begin_forward(const EncodingContext& ctx) override {
    const int D = ctx.d_model;
    for (int p = rows_; p < ctx.seq_len; ++p) {
      table_.resize(static_cast<size_t>(p + 1) * D);
      sinusoid_row(table_.data() + static_cast<size_t>(p) * D, p, D);
    }
    rows_ = std::max(rows_, ctx.seq_len);
  }

  void input_forward(T* x, const EncodingContext& ctx) override {
    const size_t per_sequence = static_cast<size_t>(ctx.seq_len) * ctx.d_model;
#pragma omp parallel for schedule(static) if (ctx.batch * per_sequence >= (1u << 15))
    for (int b = 0; b < ctx.batch; ++b) {
      T* row = x + b * per_sequence;
      for (size_t e = 0; e < per_sequence; ++e) row[e] += table_[e];
    }
  }

 private:
  std::vector<T> table_;  // [rows_, D]
  int rows_ = 0;
};

PEBENCH_ENCODING(Sinusoidal, "sinusoidal", EncodingKind::absolute, "Vaswani et al. 2017 (Transformer)",
                 "fixed sinusoids of the position added to the token embeddings");

}  // namespace pebench
