// learned: a trained absolute position table added to the token embeddings
// (GPT-2 / BERT; docs/encodings.md#learned; the RPE reference's LEARNT encoding,
// google-deepmind/randomized_positional_encodings models/transformer.py).
//
//   x[b,p,:] += P[p],  P ∈ R^{L×D},  L = the model's max_seq_len,
//   dP[p] += Σ_b dx[b,p,:]          (rows p >= T get no gradient).
//
// Init (option "init", models/encodings/support/shared_options.hpp TableInit): by default the
// Chomsky-hierarchy reference's, a truncated normal with stddev 1 (Haiku's
// hk.Embed default) next to sqrt(D)-scaled token embeddings, so position and
// token signals start at comparable sizes; "normal_0.02" gives GPT-2/BERT's
// N(0, 0.02), which starts the positions ~50 times below the tokens.
// Parameter: "encoding.learned.table" [L, D], decayed like the other weight matrices. Positions p >= L do not
// exist, so this encoding cannot extrapolate past L: a longer sequence is a
// UsageError (the model's own max_seq_len check normally fires first).
// Hook 1 only. Causal and bidirectional alike; identical at training and evaluation.
#include <string>

#include "common/errors.hpp"
#include "models/encoding.hpp"
#include "models/encodings/support/shared_options.hpp"

namespace pebench {

template <typename T>
class Learned : public Encoding<T> {
 public:
  void configure(const json& options) override {
    OptionsReader reader = this->options_reader(options);
    init_ = read_table_init(reader);
    reader.finish();
  }
  json options() const override { return {{"init", to_string(init_)}}; }

  void declare_parameters(ParamLayout& layout, const ModelConfig& config) override {
    rows_ = config.max_seq_len;
    offset_ = layout.add("encoding.learned.table", {rows_, config.d_model}, table_initializer(init_));
  }
  void bind(T* params, T* grads) override {
    table_ = params + offset_;
    table_grad_ = grads + offset_;
  }

  void begin_forward(const EncodingContext& ctx) override {
    if (ctx.seq_len > rows_)
      throw UsageError("encoding 'learned': sequence length " + std::to_string(ctx.seq_len) +
                       " exceeds its table of " + std::to_string(rows_) + " positions (max_seq_len)");
  }

  void input_forward(T* x, const EncodingContext& ctx) override {
    const size_t per_sequence = static_cast<size_t>(ctx.seq_len) * ctx.d_model;
#pragma omp parallel for schedule(static) if (ctx.batch * per_sequence >= (1u << 15))
    for (int b = 0; b < ctx.batch; ++b) {
      T* row = x + b * per_sequence;
      for (size_t e = 0; e < per_sequence; ++e) row[e] += table_[e];
    }
  }

  // Each thread owns positions; the batch is summed in order.
  void input_backward(const T* dx, const EncodingContext& ctx) override {
    const int D = ctx.d_model;
    const size_t per_sequence = static_cast<size_t>(ctx.seq_len) * D;
#pragma omp parallel for schedule(static) if (ctx.batch * per_sequence >= (1u << 15))
    for (int p = 0; p < ctx.seq_len; ++p) {
      T* grad = table_grad_ + static_cast<size_t>(p) * D;
      for (int b = 0; b < ctx.batch; ++b) {
        const T* g = dx + b * per_sequence + static_cast<size_t>(p) * D;
        for (int c = 0; c < D; ++c) grad[c] += g[c];
      }
    }
  }

 private:
  TableInit init_;
  int rows_ = 0;
  size_t offset_ = 0;
  T* table_ = nullptr;       // [L, D]
  T* table_grad_ = nullptr;  // [L, D]
};

PEBENCH_ENCODING(Learned, "learned", EncodingKind::absolute, "Radford et al. 2019 (GPT-2)",
                 "a trained vector per position added to the token embeddings");

}  // namespace pebench
