// dape_fire: DAPE V1 over a FIRE base bias (Zheng et al. 2024, "DAPE:
// Data-Adaptive Positional Encoding for Length Extrapolation";
// chuanyang-Zheng/DAPE DAPE.py FIRE_DAPE, `fire_c` in the megatron code;
// docs/encodings.md#dape_fire).
//
//   Bias = FIRE(i, j) with a LeakyReLU MLP (as FIRE_DAPE; fire_bias.hpp)
//   S = x + Bias + W2·LeakyReLU(W1·[x; Bias] + b1) + b2          per layer (dape.hpp)
//
// Parameters, per layer: the DAPE MLP and the FIRE parameters
// "encoding.dape.layer<l>.fire.{c, L_multiplier, w1, b1, w2, b2}" (init and
// meaning as in fire.cpp). dBias carries the MLP's gradient into them.
// Options: mlp_width (32; both MLPs, as the reference's single mlp_width),
// L0 (64), init_c (0.1), eps (1e-6) of the FIRE bias.
// Causal: the reference. Bidirectional: FIRE's signed-input extension
// (fire_bias.hpp); the DAPE MLP is point-wise and needs none.
#include <vector>

#include "models/encodings/support/dape.hpp"
#include "models/encodings/support/fire_bias.hpp"

namespace pebench {

template <typename T>
class DapeFire : public Dape<T> {
 protected:
  void configure_base(OptionsReader& reader) override { fire_options_.read(reader); }
  json base_options() const override { return fire_options_.to_json(); }

  void declare_base(ParamLayout& layout, const ModelConfig& config, int layer, const std::string& prefix) override {
    if (layer == 0) layers_.clear();
    layers_.emplace_back(fire_options_, kDapeLeakySlope);
    layers_.back().declare(layout, prefix + ".fire", config.n_heads);
  }
  void bind_base(T* params, T* grads) override {
    for (auto& layer : layers_) layer.bind(params, grads);
  }
  void compute_bias(T* bias, int layer, const EncodingContext& ctx) override {
    layers_[layer].compute_bias(bias, ctx);
  }
  void bias_backward(const T* dbias, int layer, const EncodingContext& ctx) override {
    layers_[layer].bias_backward(dbias, ctx);
  }

 private:
  FireOptions fire_options_;
  std::vector<FireBias<T>> layers_;  // one per layer
};

PEBENCH_ENCODING(DapeFire, "dape_fire", EncodingKind::contextual, "Zheng et al. 2024 (DAPE)",
                 "a FIRE bias corrected by a per-layer MLP of the logits and the bias");

}  // namespace pebench
