// rand_learned: randomized learned absolute encoding (Ruoss et al. 2023,
// "Randomized Positional Encodings Boost Length Generalization of
// Transformers", NOISY_LEARNT; docs/encodings.md#rand_learned).
//
//   x[b,t,:] += P[p_t,:],  P ∈ R^{L×D} learned
// where p_0 < ... < p_{T−1} are T distinct integers drawn uniformly from
// [0, L), sorted, once per forward pass from Rng(seed, input stream), at
// training and at evaluation (models/encodings/support/random_positions.hpp).
// Training: one draw for the whole batch (the reference's behaviour).
// Evaluation: one draw per sequence (EncodingContext::sequence_seeds), so a
// score averages over draws and does not depend on the sub-batch size
// (models/encodings/support/random_positions.hpp says why).
// Backward: dP[p_t] += Σ_b dx[b,t] (rows never drawn get no
// gradient).
//
// Source: google-deepmind/randomized_positional_encodings models/transformer.py
// (NOISY_LEARNT: an hk.Embed(noise_max_length, D) table gathered at the
// sorted sampled rows).
// Parameters: encoding.rand_learned.table [L, D], decayed, initialised exactly
// as the base `learned` table (option "init": by default the reference's
// hk.Embed truncated normal, stddev 1; "normal_0.02" for N(0, 0.02)), so that
// the two differ only in the positions.
// Options: max_length (L, default 2048; it sizes the table), init; L < T is a
// UsageError. Causal and bidirectional alike.
#include "models/encodings/support/random_positions.hpp"
#include "models/encodings/support/shared_options.hpp"
#include "models/layers.hpp"
#include "models/encodings/support/table_lookup.hpp"

namespace pebench {

template <typename T>
class RandLearned : public Randomized<Encoding<T>> {
 public:
  void configure(const json& options) override {
    OptionsReader reader = this->options_reader(options);
    this->sampler_.configure(reader);
    init_ = read_table_init(reader);
    reader.finish();
  }
  json options() const override {
    json out = Randomized<Encoding<T>>::options();
    out["init"] = to_string(init_);
    return out;
  }

  void declare_parameters(ParamLayout& layout, const ModelConfig& config) override {
    table_offset_ = layout.add("encoding." + this->name() + ".table", {this->sampler_.max_length(), config.d_model},
                               table_initializer(init_));
  }
  void bind(T* params, T* grads) override {
    table_ = params + table_offset_;
    dtable_ = grads + table_offset_;
  }

  void input_forward(T* x, const EncodingContext& ctx) override {
    const std::vector<int> positions = this->sampler_.positions(ctx, PositionSampler::kInputStream);  // [P, T]
    rows_.resize(static_cast<size_t>(ctx.batch) * ctx.seq_len);  // [B, T]
    for (int b = 0; b < ctx.batch; ++b)
      for (int t = 0; t < ctx.seq_len; ++t)
        rows_[static_cast<size_t>(b) * ctx.seq_len + t] =
            positions[static_cast<size_t>(PositionSampler::draw_of(ctx, b)) * ctx.seq_len + t];
    table_lookup_add_forward(x, table_, rows_.data(), ctx.batch, ctx.seq_len, ctx.d_model);
  }
  void input_backward(const T* dx, const EncodingContext& ctx) override {
    embedding_backward(dtable_, dx, rows_.data(), T(1), ctx.batch * ctx.seq_len, ctx.d_model);
  }

 private:
  TableInit init_;
  size_t table_offset_ = 0;
  const T* table_ = nullptr;  // [L, D]
  T* dtable_ = nullptr;       // [L, D]
  std::vector<int> rows_;     // [B, T] rows drawn by the last forward pass
};

PEBENCH_ENCODING(RandLearned, "rand_learned", EncodingKind::randomized, "Ruoss et al. 2023 (randomized PE)",
                 "learned table rows at sorted positions sampled from [0, max_length)");

}  // namespace pebench
