// rope: rotary position embedding (Su et al. 2021, "RoFormer", eq. 34;
// docs/encodings.md#rope). In every layer and head, q and k are rotated pair by
// pair before the dot product; v is not:
//
//   (y_2k, y_2k+1) = R(p·θ_k)·(x_2k, x_2k+1),  θ_k = base^(−2k/d_h),  p = 0 … T−1,
//
// so q'_i·k'_j depends on i − j only. Interleaved pairs (2k, 2k+1) as in the
// CHE/RPE reference (google-deepmind/randomized_positional_encodings,
// models/positional_encodings.py apply_rotary_encoding) and RoFormer.
// Backward: the rotation is orthogonal, dx = R(−p·θ)·dy.
// Hook 2 only. Parameters: none. Option: "base" (default 10000, > 1).
// Causal and bidirectional alike; identical at training and evaluation.
// Requires an even head dimension.
#include <limits>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "models/encoding.hpp"
#include "models/encodings/support/position_math.hpp"

namespace pebench {

template <typename T>
class Rope : public Encoding<T> {
 public:
  void configure(const json& options) override {
    OptionsReader reader = this->options_reader(options);
    base_ = reader.number("base", base_, 1.0, std::numeric_limits<double>::infinity(), Bound::open);
    reader.finish();
  }
  json options() const override { return {{"base", base_}}; }

  void declare_parameters(ParamLayout&, const ModelConfig& config) override {
    if (config.d_head() % 2 != 0)
      throw UsageError("encoding 'rope' needs an even head dimension, got " + std::to_string(config.d_head()));
  }

  void begin_forward(const EncodingContext& ctx) override {
    positions_.resize(ctx.seq_len);
    for (int p = 0; p < ctx.seq_len; ++p) positions_[p] = p;
  }

  void qk_forward(T* q, T* k, int, const EncodingContext& ctx) override { rotate(q, k, +1, ctx); }
  void qk_backward(T* dq, T* dk, int, const EncodingContext& ctx) override { rotate(dq, dk, -1, ctx); }

 private:
  void rotate(T* q, T* k, int direction, const EncodingContext& ctx) const {
    for (T* x : {q, k})
      rope_apply(x, positions_.data(), false, ctx.batch, ctx.n_heads, ctx.seq_len, ctx.d_head, direction, base_);
  }

  double base_ = 10000.0;
  std::vector<double> positions_;  // [T]
};

PEBENCH_ENCODING(Rope, "rope", EncodingKind::rotary, "Su et al. 2021 (RoFormer)",
                 "q and k rotated by angles proportional to the position, in every layer");

}  // namespace pebench
