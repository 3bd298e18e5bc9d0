// t5: the T5 bucketed relative-position bias (Raffel et al. 2020, "Exploring the
// Limits of Transfer Learning with a Unified Text-to-Text Transformer", §2.1;
// docs/encodings.md#t5).
//
//   S[b,a,i,j] = q_i·k_j/sqrt(d_h) + sqrt(d_h)·W[bucket(j − i), a]
//
// References: huggingface/transformers models/t5/modeling_t5.py
// (T5Attention._relative_position_bucket, compute_bias) for the buckets;
// gpt-neox ParallelRelativePositionBias (chijames/KERPLE megatron/mpu/layers.py)
// for the scaling and init, because pebench, like gpt-neox, adds biases after
// the 1/sqrt(d_h) scaling (docs/encodings.md#where-biases-go) while T5 never scales: gpt-neox
// multiplies the bias by sqrt(d_h) so that bias and logits keep T5's ratio.
// The bucket function and the table live in t5_table.hpp (mep_param reuses them).
//
// Parameters: W "encoding.t5.weight" [num_buckets, h], xavier-normal, no weight
// decay; ONE table shared by every layer (T5 and gpt-neox both compute the bias
// once per stack), so its gradient sums over layers.
// Options: num_buckets (32, even), max_distance (128) — the paper's values.
// Causal: causal buckets, n = max(i − j, 0) (future keys fall in bucket 0 and
// are masked). Bidirectional: T5's own two-sided buckets (half the buckets per
// side, keys after the query in the upper half), the encoder form of T5.
#include "models/encodings/support/t5_table.hpp"
#include "models/encodings/support/relative_bias.hpp"

namespace pebench {

template <typename T>
class T5Bias : public RelativeBias<T> {
 public:
  void configure(const json& options) override {
    OptionsReader reader = this->options_reader(options);
    table_.configure(reader);
    reader.finish();
  }
  json options() const override { return table_.options(); }

  void declare_parameters(ParamLayout& layout, const ModelConfig& config) override {
    table_.declare(layout, "encoding.t5.weight", config.n_heads);
  }
  void bind(T* params, T* grads) override { table_.bind(params, grads); }

 protected:
  bool learnable() const override { return true; }
  void compute_table(T* table, int, const EncodingContext& ctx) override {
    table_.compute_table(table, T5Sides::two_sided, ctx);
  }
  void table_backward(const T* dtable, int, const EncodingContext& ctx) override {
    table_.table_backward(dtable, T5Sides::two_sided, ctx);
  }

 private:
  T5Table<T> table_;
};

PEBENCH_ENCODING(T5Bias, "t5", EncodingKind::additive_bias, "Raffel et al. 2020 (T5)",
                 "a learned bias per head and log-spaced distance bucket, shared by the layers");

}  // namespace pebench
