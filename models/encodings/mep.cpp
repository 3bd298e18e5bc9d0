// mep: parameter-free MEP (Gao 2024, "MEP: Multiple Kernel Learning Enhancing
// Relative Positional Encoding Length Extrapolation", arXiv 2403.17698;
// vangogh0318/MEP
// megatron/mpu/layers.py ParallelSNOPE.kernel_merge, config
// ali_ali05_gaussian_all003_fp32; docs/encodings.md#mep).
//
//   Bias[a,i,j] = log( (exp(−m_a d) + exp(−0.5·m_a d) + exp(−m_a d²)) / 3 )
//
// m_a the ALiBi slopes (docs/encodings.md#alibi), added after the 1/sqrt(d_h) scaling. Since
// softmax(S + log K) ∝ K ⊙ exp(S), this is the paper's post-softmax
// reweighting by a mixture of kernels. Computed as a log-mean-exp of the three
// log-kernels (exp(−m d²) underflows first). Bias(0) = 0; for large d it tends
// to −0.5·m_a·d − log 3.
// Parameters: none (one fixed table, the same in every layer).
// Causal: d = i − j on the kept entries.
// Bidirectional (the reference is causal only), option "bidirectional":
//   "directional" (default): a key to the left (j < i) is seen at distance
//     |i − j| − ½, one to the right at |i − j|. With no parameters to give
//     each side its own, this is the CHE reference's bidirectional ALiBi rule
//     (−m·|i − j| + ½·m on the lower triangle = −m·(|i − j| − ½)) applied to
//     the distance every kernel of the mixture sees, so the mixture tells
//     left from right as alibi does (a function of |i − j| alone would be
//     order-blind, e.g. on reverse_string). The diagonal stays 0.
//   "symmetric": d = |i − j| on both sides.
#include <array>

#include "models/encodings/support/shared_options.hpp"
#include "models/encodings/support/log_mean_exp.hpp"
#include "models/encodings/support/position_math.hpp"
#include "models/encodings/support/relative_bias.hpp"

namespace pebench {

template <typename T>
class Mep : public RelativeBias<T> {
 public:
  void configure(const json& options) override {
    OptionsReader reader = this->options_reader(options);
    bidirectional_ = read_bidirectional_form(reader);
    reader.finish();
  }
  json options() const override { return {{"bidirectional", to_string(bidirectional_)}}; }

 protected:
  void compute_table(T* table, int, const EncodingContext& ctx) override {
    const std::vector<double> slopes = alibi_slopes(ctx.n_heads);
    const int width = relative_table_size(ctx.seq_len);
    const bool shift_left = !ctx.causal && bidirectional_ == BidirectionalForm::directional;
    for (int a = 0; a < ctx.n_heads; ++a)
      for (int o = ctx.causal ? ctx.seq_len - 1 : 0; o < width; ++o) {
        const int offset = offset_of(o, ctx.seq_len);  // i − j
        const double d = std::abs(offset) - (shift_left && offset > 0 ? 0.5 : 0.0), m = slopes[a];
        const std::array<double, 3> log_kernels = {-m * d, -0.5 * m * d, -m * d * d};
        table[static_cast<size_t>(a) * width + o] = static_cast<T>(log_mean_exp(log_kernels));
      }
  }

 private:
  BidirectionalForm bidirectional_ = BidirectionalForm::directional;
};

PEBENCH_ENCODING(Mep, "mep", EncodingKind::additive_bias, "Gao 2024 (MEP)",
                 "the log of a mean of three fixed kernels of the distance");

}  // namespace pebench
