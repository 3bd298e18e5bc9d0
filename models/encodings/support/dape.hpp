// Dape<T>: the DAPE V1 encodings' common part (Zheng et al. 2024, "DAPE:
// Data-Adaptive Positional Encoding for Length Extrapolation";
// chuanyang-Zheng/DAPE DAPE.py; docs/encodings.md#dape): each layer owns a base
// additive bias and an MLP over [logits; bias] across heads,
//
//   S = x + Bias + W2·LeakyReLU_0.01(W1·[x; Bias] + b1) + b2       (residual form of the code)
//
// on the scaled, unmasked logits x = q·kᵀ/sqrt(d_h); the kernel and its
// backward are models/encodings/support/dape_mlp.hpp. The gradient reaches q, k through dx and
// the base bias's parameters through dBias = Σ_b (g + du_B).
// Subclasses (dape_alibi, dape_kerple, dape_fire) supply the base bias.
//
// Parameters, per layer l: "encoding.dape.layer<l>.w1" [w,2h], ".b1" [w],
// ".w2" [h,w], ".b2" [h], PyTorch nn.Linear init U(±1/sqrt(fan_in)), plus the
// base bias's own under "encoding.dape.layer<l>.<base>". Option: mlp_width (32).
// The base bias is computed again in backward (its parameters have not moved),
// so a layer keeps no [h,T,T] buffer between its forward and backward. A
// training forward keeps each layer's MLP inputs x (as many values as the
// [B,h,T,T] scores) in the order its backward reads them back; a backward
// after any other pass recomputes x instead. Both give the same bits.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "models/aligned_buffer.hpp"
#include "models/encodings/support/dape_mlp.hpp"
#include "models/layers.hpp"
#include "models/encoding.hpp"
#include "common/options_reader.hpp"
#include "models/params.hpp"

namespace pebench {

template <typename T>
class Dape : public Encoding<T> {
 public:
  void configure(const json& options) override {
    OptionsReader reader = this->options_reader(options);
    width_ = reader.integer("mlp_width", width_, 1, 4096);
    configure_base(reader);
    reader.finish();
  }
  json options() const override {
    json out = base_options();
    out["mlp_width"] = width_;
    return out;
  }

  void declare_parameters(ParamLayout& layout, const ModelConfig& config) override {
    heads_ = config.n_heads;
    const double input_bound = 1.0 / std::sqrt(2.0 * heads_), hidden_bound = 1.0 / std::sqrt(double(width_));
    offsets_.clear();
    saved_.assign(config.n_layers, SavedInputs{});
    for (int l = 0; l < config.n_layers; ++l) {
      const std::string prefix = "encoding.dape.layer" + std::to_string(l);
      Offsets o;
      o.w1 = layout.add(prefix + ".w1", {width_, 2 * heads_}, Init::uniform(-input_bound, input_bound), true);
      o.b1 = layout.add(prefix + ".b1", {width_}, Init::uniform(-input_bound, input_bound), false);
      o.w2 = layout.add(prefix + ".w2", {heads_, width_}, Init::uniform(-hidden_bound, hidden_bound), true);
      o.b2 = layout.add(prefix + ".b2", {heads_}, Init::uniform(-hidden_bound, hidden_bound), false);
      offsets_.push_back(o);
      declare_base(layout, config, l, prefix);
    }
  }
  void bind(T* params, T* grads) override {
    params_ = params;
    grads_ = grads;
    bind_base(params, grads);
  }

  bool has_logits_hook() const override { return true; }
  void logits_forward(T* scores, const T*, const T*, int layer, const EncodingContext& ctx) override {
    compute_base(layer, ctx);
    SavedInputs& saved = saved_for(layer);
    saved.shape = ctx.training ? SavedShape::of(ctx) : SavedShape{};  // only a training pass has a backward
    if (ctx.training) saved.x.resize(saved.shape.size(ctx.n_heads));
    dape_mlp_forward(scores, bias_.data(), tensors(params_, layer), ctx.batch, ctx.n_heads, ctx.seq_len,
                     width_, ctx.causal, ctx.training ? saved.x.data() : nullptr);
  }
  void logits_backward(T* dscores, T*, T*, const T* q, const T* k, int layer,
                       const EncodingContext& ctx) override {
    compute_base(layer, ctx);
    dbias_.assign(bias_.size(), T(0));
    SavedInputs& saved = saved_for(layer);
    const bool from_forward = saved.shape.matches(ctx);
    if (!from_forward) {
      // The forward's x, by the kernel that computed it (so bit for bit the same).
      logits_.resize(static_cast<size_t>(ctx.batch) * ctx.n_heads * ctx.seq_len * ctx.seq_len);
      attention_scores_forward(logits_.data(), q, k, ctx.causal, ctx.batch, ctx.n_heads, ctx.seq_len, ctx.d_head);
    }
    dape_mlp_backward(dscores, dbias_.data(), tensors(grads_, layer), from_forward ? nullptr : logits_.data(),
                      bias_.data(), tensors(params_, layer), ctx.batch, ctx.n_heads, ctx.seq_len, width_,
                      ctx.causal, from_forward ? saved.x.data() : nullptr);
    saved.shape = SavedShape{};  // used once: a later backward without its own training forward recomputes
    bias_backward(dbias_.data(), layer, ctx);
  }

 protected:
  // Base-bias hooks. compute_bias fills bias [h,T,T] (zeroed on entry) on the
  // kept entries; bias_backward accumulates its parameters' gradients from dbias [h,T,T].
  virtual void configure_base(OptionsReader& reader) { (void)reader; }
  virtual json base_options() const { return json::object(); }
  virtual void declare_base(ParamLayout& layout, const ModelConfig& config, int layer, const std::string& prefix) {
    (void)layout; (void)config; (void)layer; (void)prefix;
  }
  virtual void bind_base(T* params, T* grads) { (void)params; (void)grads; }
  virtual void compute_bias(T* bias, int layer, const EncodingContext& ctx) = 0;
  virtual void bias_backward(const T* dbias, int layer, const EncodingContext& ctx) {
    (void)dbias; (void)layer; (void)ctx;
  }

 private:
  struct Offsets { size_t w1 = 0, b1 = 0, w2 = 0, b2 = 0; };

  // What a training forward leaves for its backward, per layer: x in the
  // kernels' order (dape_mlp_forward's saved_inputs) and the pass's sizes;
  // an empty shape when there is none (the backward then recomputes x).
  struct SavedShape {
    int batch = 0, seq_len = 0;
    bool causal = false;
    static SavedShape of(const EncodingContext& ctx) { return {ctx.batch, ctx.seq_len, ctx.causal}; }
    size_t size(int heads) const { return dape_mlp_saved_inputs_size(batch, heads, seq_len, causal); }
    bool matches(const EncodingContext& ctx) const {  // an empty shape (batch 0) matches no pass
      return batch == ctx.batch && seq_len == ctx.seq_len && causal == ctx.causal && batch > 0;
    }
  };
  struct SavedInputs {
    SavedShape shape;
    AlignedBuffer<T> x;
  };
  SavedInputs& saved_for(int layer) { return saved_.at(layer); }

  DapeMlpTensors<T> tensors(T* base, int layer) const {
    const Offsets& o = offsets_[layer];
    return {base + o.w1, base + o.b1, base + o.w2, base + o.b2};
  }
  void compute_base(int layer, const EncodingContext& ctx) {
    bias_.assign(static_cast<size_t>(ctx.n_heads) * ctx.seq_len * ctx.seq_len, T(0));
    compute_bias(bias_.data(), layer, ctx);
  }

  int width_ = 32;
  int heads_ = 0;
  std::vector<Offsets> offsets_;
  T* params_ = nullptr;
  T* grads_ = nullptr;
  std::vector<T> bias_;   // [h,T,T] this layer's base bias
  std::vector<T> dbias_;  // [h,T,T]
  std::vector<T> logits_;  // [B,h,T,T] x recomputed for a backward without its forward's
  std::vector<SavedInputs> saved_;  // per layer
};

}  // namespace pebench
