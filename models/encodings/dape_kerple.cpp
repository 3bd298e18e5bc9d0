// dape_kerple: DAPE V1 over a KERPLE-log base bias (Zheng et al. 2024, "DAPE:
// Data-Adaptive Positional Encoding for Length Extrapolation";
// chuanyang-Zheng/DAPE DAPE.py ParallelKerpleLog_DAPE, `kerple_c` in the
// megatron code; docs/encodings.md#dape_kerple).
//
//   Bias[a,i,j] = −p_a·log(1 + r_a·d),  d = i − j causal, |i − j| bidirectional
//                 (p, r of the key's side in the directional form)
//   S = x + Bias + W2·LeakyReLU(W1·[x; Bias] + b1) + b2          per layer (dape.hpp)
//
// Parameters, per layer (the DAPE repo builds one KERPLE module per layer,
// unlike chijames/KERPLE; docs/encodings.md#parameter-sharing keeps DAPE per layer): the DAPE MLP and
// "encoding.dape.layer<l>.kerple.p", ".kerple.r" [h] with the KERPLE init
// (p ~ 2·U(0,1), r ~ U(0,1)) and clamps p, r ≥ 0.01 after every optimizer
// step and at init (kerple_kernel.hpp). dBias carries the MLP's gradient
// (g + du_B) into p and r.
// Options: mlp_width (32); bidirectional: "directional" (default) gives each
// layer's kernel separate right-hand parameters ".kerple.p_right",
// ".kerple.r_right" for keys j > i, "symmetric" one (p, r) on |i − j| for both
// sides (why the default tells left from right: kerple_kernel.hpp). The DAPE
// MLP sees the logits and the bias at each (i, j), so with a symmetric bias it
// could only learn order from content.
#include <vector>

#include "models/encodings/support/dape.hpp"
#include "models/encodings/support/kerple_kernel.hpp"
#include "models/encodings/support/relative_bias.hpp"

namespace pebench {

template <typename T>
class DapeKerple : public Dape<T> {
 public:
  void project_parameters() override {
    for (auto& kernel : kernels_) kernel.project();
  }

 protected:
  void configure_base(OptionsReader& reader) override { bidirectional_ = read_bidirectional_form(reader); }
  json base_options() const override { return {{"bidirectional", to_string(bidirectional_)}}; }

  void declare_base(ParamLayout& layout, const ModelConfig& config, int layer, const std::string& prefix) override {
    if (layer == 0) kernels_.clear();
    kernels_.emplace_back(KerpleForm::log);
    kernels_.back().set_bidirectional_form(bidirectional_);
    kernels_.back().declare(layout, prefix + ".kerple", config.n_heads);
  }
  void bind_base(T* params, T* grads) override {
    for (auto& kernel : kernels_) kernel.bind(params, grads);
  }
  void compute_bias(T* bias, int layer, const EncodingContext& ctx) override {
    table_.assign(table_size(ctx), T(0));
    kernels_[layer].compute_table(table_.data(), ctx);
    relative_bias_expand(bias, table_.data(), ctx.n_heads, ctx.seq_len, ctx.causal);
  }
  void bias_backward(const T* dbias, int layer, const EncodingContext& ctx) override {
    table_.assign(table_size(ctx), T(0));
    relative_bias_reduce(table_.data(), dbias, ctx.n_heads, ctx.seq_len, ctx.causal);
    kernels_[layer].table_backward(table_.data(), ctx);
  }

 private:
  static size_t table_size(const EncodingContext& ctx) {
    return static_cast<size_t>(ctx.n_heads) * relative_table_size(ctx.seq_len);
  }

  BidirectionalForm bidirectional_ = BidirectionalForm::directional;
  std::vector<KerpleKernel<T>> kernels_;  // one per layer
  std::vector<T> table_;                  // [h,2T−1] kernel table or its gradient
};

PEBENCH_ENCODING(DapeKerple, "dape_kerple", EncodingKind::contextual, "Zheng et al. 2024 (DAPE)",
                 "a KERPLE-log bias corrected by a per-layer MLP of the logits and the bias");

}  // namespace pebench
