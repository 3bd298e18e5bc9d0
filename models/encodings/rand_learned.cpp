// rand_learned: randomized learned absolute encoding (Ruoss et al. 2023,
// "Randomized Positional Encodings Boost Length Generalization of
// Transformers", NOISY_LEARNT; specs/encodings.md §3 and §9).
//
//   x[b,t,:] += P[p_t,:],  P ∈ R^{L×D} learned
// where p_0 < ... < p_{T−1} are T distinct integers drawn uniformly from
// [0, L), sorted, once per forward pass from Rng(position_seed, input stream),
// at training and at evaluation (models/random_positions.hpp); one draw for
// the whole batch. Backward: dP[p_t] += Σ_b dx[b,t] (rows never drawn get no
// gradient).
//
// Source: google-deepmind/randomized_positional_encodings models/transformer.py
// (NOISY_LEARNT: an hk.Embed(noise_max_length, D) table gathered at the
// sorted sampled rows).
// Parameters: encoding.rand_learned.table [L, D], N(0, 0.02) and decayed,
// exactly as the base `learned` table, so that the two differ only in the
// positions (the reference's hk.Embed default would be truncated normal σ = 1).
// Options: max_length (L, default 2048; it sizes the table); L < T is a
// UsageError. Causal and bidirectional alike.
#include "models/random_positions.hpp"
#include "models/layers.hpp"
#include "models/table_lookup.hpp"

namespace pebench {

template <typename T>
class RandLearned : public Randomized<Encoding<T>> {
 public:
  void declare_parameters(ParamLayout& layout, const ModelConfig& config) override {
    table_offset_ = layout.add("encoding." + this->name() + ".table", {this->sampler_.max_length(), config.d_model},
                               Init::normal(0.02));
  }
  void bind(T* params, T* grads) override {
    table_ = params + table_offset_;
    dtable_ = grads + table_offset_;
  }

  void input_forward(T* x, const EncodingContext& ctx) override {
    const std::vector<int> positions =
        this->sampler_.positions(ctx.position_seed, PositionSampler::kInputStream, ctx.seq_len);
    rows_.resize(static_cast<size_t>(ctx.batch) * ctx.seq_len);  // [B, T]
    for (size_t n = 0; n < rows_.size(); ++n) rows_[n] = positions[n % ctx.seq_len];
    table_lookup_add_forward(x, table_, rows_.data(), ctx.batch, ctx.seq_len, ctx.d_model);
  }
  void input_backward(const T* dx, const EncodingContext& ctx) override {
    embedding_backward(dtable_, dx, rows_.data(), T(1), ctx.batch * ctx.seq_len, ctx.d_model);
  }

 private:
  size_t table_offset_ = 0;
  const T* table_ = nullptr;  // [L, D]
  T* dtable_ = nullptr;       // [L, D]
  std::vector<int> rows_;     // [B, T] rows drawn by the last forward pass
};

PEBENCH_ENCODING(RandLearned, "rand_learned");

}  // namespace pebench
