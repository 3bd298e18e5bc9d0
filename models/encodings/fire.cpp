// fire: FIRE, Functional Interpolation for Relative Positions (Li et al. 2023,
// "Functional Interpolation for Relative Positions Improves Long Context
// Transformers", arXiv 2310.04418; no official code, the reference is
// chuanyang-Zheng/DAPE DAPE.py FIRE and megatron/model/positional_embeddings.py
// FIRE; docs/encodings.md#fire).
//
//   S[b,a,i,j] = q_i·k_j/sqrt(d_h) + MLP_a( ψ(i − j) / (ψ(max(i, L)) + eps) )
//   ψ(z) = log(|c|·z + 1),  L = |ℓ·L0|,  MLP: 1 → mlp_width → h, ReLU
//
// added after the 1/sqrt(d_h) scaling. The math, the bidirectional extension
// (signed input, normaliser max(i, T−1−i, L)), the choice L0 = 64 and the
// evaluation strategy are documented in fire_bias.hpp.
// Parameters, per layer (as the DAPE repo, docs/encodings.md#parameter-sharing), e.g. for layer 2:
//   encoding.fire.layer2.c (init init_c = 0.1), .L_multiplier ℓ (init 1),
//   .w1 [w,1], .b1 [w], .w2 [h,w], .b2 [h] (PyTorch nn.Linear init U(±1/sqrt(fan_in))).
// Options: mlp_width (32), L0 (64), init_c (0.1), eps (1e-6).
// Causal: the reference. Bidirectional: our extension (fire_bias.hpp).
#include <string>
#include <vector>

#include "models/encodings/support/additive_bias.hpp"
#include "models/encodings/support/fire_bias.hpp"

namespace pebench {

template <typename T>
class Fire : public AdditiveBias<T> {
 public:
  void configure(const json& options) override {
    OptionsReader reader = this->options_reader(options);
    options_.read(reader);
    reader.finish();
  }
  json options() const override { return options_.to_json(); }

  void declare_parameters(ParamLayout& layout, const ModelConfig& config) override {
    layers_.assign(config.n_layers, FireBias<T>(options_, /*negative_slope=*/0.0));  // ReLU
    for (int l = 0; l < config.n_layers; ++l)
      layers_[l].declare(layout, "encoding.fire.layer" + std::to_string(l), config.n_heads);
  }
  void bind(T* params, T* grads) override {
    for (auto& layer : layers_) layer.bind(params, grads);
  }

 protected:
  bool learnable() const override { return true; }
  void compute_bias(T* bias, int layer, const EncodingContext& ctx) override {
    layers_[layer].compute_bias(bias, ctx);
  }
  void bias_backward(const T* dbias, int layer, const EncodingContext& ctx) override {
    layers_[layer].bias_backward(dbias, ctx);
  }

 private:
  FireOptions options_;
  std::vector<FireBias<T>> layers_;
};

PEBENCH_ENCODING(Fire, "fire", EncodingKind::additive_bias, "Li et al. 2023 (FIRE)",
                 "a per-layer MLP of the log-scaled distance, normalised by the query position");

}  // namespace pebench
