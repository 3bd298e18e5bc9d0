// mep_param: parameterized MEP (Gao 2024, "MEP: Multiple Kernel Learning
// Enhancing Relative Positional Encoding Length Extrapolation", arXiv
// 2403.17698; vangogh0318/MEP megatron/mpu/layers.py
// ParallelSNOPEKerpleLog.kernel_merge, config t5_kerplelog_gau_alibi;
// docs/encodings.md#mep_param).
//
//   K_gauss = exp(−m_a d²)            K_exp  = exp(−m_a d)
//   K_t5    = exp(sqrt(d_h)·W[bucket(j − i), a])
//   K_kerp  = (1 + r_a d)^(−p_a)
//   Bias[a,i,j] = log( (K_gauss + K_exp + K_t5 + K_kerp) / 4 )
//
// m_a the ALiBi slopes, added after the 1/sqrt(d_h) scaling. Computed as a
// log-mean-exp of the four log-kernels; the gradient of each log-kernel is its
// softmax weight K_k/ΣK, which flows into W (scatter-add by bucket) and p, r.
// K_t5 is constant beyond max_distance, so far tokens keep a learned floor.
// Parameters, ONE instance shared by every layer (as the reference):
//   "encoding.mep.p", "encoding.mep.r" [h]: p ~ 2·U(0,1), r ~ U(0,1), clamped
//   ≥ 0.01 after every optimizer step and at init (project_parameters);
//   "encoding.mep.t5" [num_buckets, h]: xavier-normal (t5_table.hpp).
// Options: num_buckets (32), max_distance (128) of the T5 kernel;
// bidirectional ("directional" | "symmetric", below).
// Causal: d = i − j on the kept entries, causal T5 buckets.
// Bidirectional (the reference is causal only), option "bidirectional":
//   "directional" (default): the two learned kernels tell left from right, the
//     T5 kernel through T5's own two-sided buckets (the t5 encoding's), the
//     KERPLE kernel with separate right-hand "encoding.mep.p_right", ".r_right"
//     for keys j > i (kerple_kernel.hpp says why); the two fixed ALiBi-slope
//     kernels stay on |i − j|, since the learned ones can already express any
//     asymmetry a fixed shift would add.
//   "symmetric": every kernel on d = |i − j|, the T5 kernel through the causal
//     buckets of |i − j|: order-blind.
#include <array>

#include "models/encodings/support/kerple_kernel.hpp"
#include "models/encodings/support/log_mean_exp.hpp"
#include "models/encodings/support/t5_table.hpp"
#include "models/encodings/support/position_math.hpp"
#include "models/encodings/support/relative_bias.hpp"

namespace pebench {

template <typename T>
class MepParam : public RelativeBias<T> {
 public:
  void configure(const json& options) override {
    OptionsReader reader = this->options_reader(options);
    t5_.configure(reader);
    kerple_.set_bidirectional_form(read_bidirectional_form(reader));
    reader.finish();
  }
  json options() const override {
    json out = t5_.options();
    out["bidirectional"] = to_string(kerple_.bidirectional_form());
    return out;
  }

  void declare_parameters(ParamLayout& layout, const ModelConfig& config) override {
    kerple_.declare(layout, "encoding.mep", config.n_heads);
    t5_.declare(layout, "encoding.mep.t5", config.n_heads);
  }
  void bind(T* params, T* grads) override {
    kerple_.bind(params, grads);
    t5_.bind(params, grads);
  }
  void project_parameters() override { kerple_.project(); }

 protected:
  bool learnable() const override { return true; }

  void compute_table(T* table, int, const EncodingContext& ctx) override {
    for_each_offset(ctx, [&](size_t at, const std::array<double, 4>& log_kernels) {
      table[at] = static_cast<T>(log_mean_exp(log_kernels));
    });
  }

  // ∂Bias/∂ℓ_k = softmax(ℓ)_k: the T5 and KERPLE log-kernels receive dtable·weight.
  void table_backward(const T* dtable, int, const EncodingContext& ctx) override {
    t5_grad_.assign(dtable_size(ctx), T(0));
    kerple_grad_.assign(dtable_size(ctx), T(0));
    for_each_offset(ctx, [&](size_t at, const std::array<double, 4>& log_kernels) {
      std::array<double, 4> weights;
      log_mean_exp(log_kernels, &weights);
      t5_grad_[at] = static_cast<T>(dtable[at] * weights[kT5]);
      kerple_grad_[at] = static_cast<T>(dtable[at] * weights[kKerple]);
    });
    t5_.table_backward(t5_grad_.data(), t5_sides(), ctx);
    kerple_.table_backward(kerple_grad_.data(), ctx);
  }

 private:
  enum { kGauss, kExp, kT5, kKerple };

  T5Sides t5_sides() const {
    return kerple_.bidirectional_form() == BidirectionalForm::directional ? T5Sides::two_sided : T5Sides::symmetric;
  }

  static size_t dtable_size(const EncodingContext& ctx) {
    return static_cast<size_t>(ctx.n_heads) * relative_table_size(ctx.seq_len);
  }

  // Calls visit(index into a [h,2T−1] table, the four log-kernels) for every
  // offset the mask keeps.
  template <typename Visit>
  void for_each_offset(const EncodingContext& ctx, Visit visit) {
    const int width = relative_table_size(ctx.seq_len);
    t5_table_.assign(dtable_size(ctx), T(0));
    kerple_table_.assign(dtable_size(ctx), T(0));
    t5_.compute_table(t5_table_.data(), t5_sides(), ctx);
    kerple_.compute_table(kerple_table_.data(), ctx);
    const std::vector<double> slopes = alibi_slopes(ctx.n_heads);
    for (int a = 0; a < ctx.n_heads; ++a)
      for (int o = ctx.causal ? ctx.seq_len - 1 : 0; o < width; ++o) {
        const size_t at = static_cast<size_t>(a) * width + o;
        const double d = std::abs(offset_of(o, ctx.seq_len)), m = slopes[a];
        visit(at, std::array<double, 4>{-m * d * d, -m * d, static_cast<double>(t5_table_[at]),
                                        static_cast<double>(kerple_table_[at])});
      }
  }

  T5Table<T> t5_;
  KerpleKernel<T> kerple_{KerpleForm::log};
  std::vector<T> t5_table_, kerple_table_;  // [h,2T−1] log-kernels of this pass
  std::vector<T> t5_grad_, kerple_grad_;    // [h,2T−1] their gradients
};

PEBENCH_ENCODING(MepParam, "mep_param", EncodingKind::additive_bias, "Gao 2024 (MEP)",
                 "the log of a mean of four kernels of the distance (T5 and KERPLE learned)");

}  // namespace pebench
