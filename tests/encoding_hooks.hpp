// HookHarness: one encoding driven through its hooks alone, outside any
// transformer, in double. It owns the encoding's parameters (its own
// ParamLayout and flat buffers), an EncodingContext with token ids, segment
// boundaries (BiPE) and a position seed (randomized encodings), random q, k
// [B,h,T,d_h] and a random loss weight per logit.
//
// Two kinds of gradient check share it, both through the checker of
// tests/finite_differences.hpp at kLayerTolerance, failing through EXPECT:
//
//   check_gradients(): the whole multi-layer loss
//     loss = Σ_layers Σ_{b,a,i,j kept by the mask} weight[b,a,i,j]·S_layer[b,a,i,j]
//     S_layer = logits_forward(q·kᵀ/sqrt(d_h), layer)
//   backward() runs logits_backward for every layer and completes the chain
//   into q and k (dq += dx·k/sqrt(d_h), dk += dxᵀ·q/sqrt(d_h)) as the
//   transformer does, so every parameter tensor and the q and k gradients
//   are compared.
//
//   check_input_hook(), check_qk_hook(), check_logits_hook(): one hook of one
//   layer against a random linear functional of its forward output, with
//   their own q, k drawn from the given seed:
//     input hook:  f(θ)       = Σ W ⊙ (x + PE_θ)                      -> θ
//     q/k hook:    f(q, k)    = Σ Wq ⊙ q' + Σ Wk ⊙ k'                 -> q, k
//     logits hook: f(q, k, θ) = Σ W ⊙ logits(q·kᵀ/sqrt(d_h), q, k; θ) -> q, k, θ
//   For the logits hook q and k reach f both through the raw scores and
//   directly (CoPE, Transformer-XL), so the check covers the hook's whole
//   contract: dscores on exit plus what it adds into dq and dk.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/rng.hpp"
#include "models/encoding.hpp"
#include "models/model_config.hpp"
#include "models/params.hpp"
#include "tests/finite_differences.hpp"

namespace pebench::testing {

struct HookShape {
  int batch = 2;
  int heads = 2;
  int d_head = 4;
  int layers = 2;
  int seq_len = 5;
};

// The seed the single-hook tests (BiPE, CoPE, randomized, Transformer-XL,
// xPos) were written against: their parameter init and position draws.
inline constexpr uint64_t kSingleHookSeed = 7;

inline std::vector<double> random_vector(size_t n, Rng& rng, double scale = 1.0) {
  std::vector<double> out(n);
  for (auto& x : out) x = scale * rng.normal();
  return out;
}

class HookHarness {
 public:
  // Builds `name` with `options`, declares, initialises (from Rng(seed,
  // "init")), binds and projects its parameters, fills the context for a
  // (B, T) pass and draws q, k and the loss weights from Rng(seed, "data").
  HookHarness(const std::string& name, const nlohmann::json& options, HookShape shape, bool causal,
              uint64_t seed = 1)
      : shape_(shape) {
    encoding_ = make_encoding<double>(name, options);
    config_.n_heads = shape.heads;
    config_.d_model = shape.heads * shape.d_head;
    config_.n_layers = shape.layers;
    encoding_->declare_parameters(layout_, config_);
    params_.assign(layout_.total_size(), 0.0);
    grads_.assign(layout_.total_size(), 0.0);
    Rng init(seed, "init");
    layout_.initialize(params_.data(), init);
    encoding_->bind(params_.data(), grads_.data());
    encoding_->project_parameters();

    ctx_.batch = shape.batch;
    ctx_.seq_len = shape.seq_len;
    ctx_.d_model = config_.d_model;
    ctx_.n_heads = shape.heads;
    ctx_.d_head = shape.d_head;
    ctx_.n_layers = shape.layers;
    ctx_.causal = causal;
    ctx_.training = true;
    // All-zero token ids and boundaries (one segment) unless a test sets them.
    tokens_.assign(static_cast<size_t>(shape.batch) * shape.seq_len, 0);
    boundary_.assign(static_cast<size_t>(shape.batch) * shape.seq_len, 0);
    ctx_.tokens = tokens_.data();
    ctx_.boundary = boundary_.data();
    ctx_.position_seed = seed * 31 + 5;

    Rng data(seed, "data");
    q_ = random_vector(qk_size(), data);
    k_ = random_vector(qk_size(), data);
    weight_ = random_vector(logits_size(), data);
  }

  Encoding<double>& encoding() { return *encoding_; }
  const Encoding<double>& encoding() const { return *encoding_; }
  const ParamLayout& layout() const { return layout_; }
  std::vector<double>& params() { return params_; }
  const std::vector<double>& params() const { return params_; }
  std::vector<double>& grads() { return grads_; }
  std::vector<double>& q() { return q_; }
  std::vector<double>& k() { return k_; }
  // Mutable so a test can move the position seed or shorten the pass.
  EncodingContext& context() { return ctx_; }
  const EncodingContext& context() const { return ctx_; }
  const HookShape& shape() const { return shape_; }
  bool kept(int i, int j) const { return !ctx_.causal || j <= i; }

  // Segment boundaries [B,T] for BiPE (all zero otherwise: one segment).
  void set_boundary(const std::vector<uint8_t>& boundary) {
    boundary_ = boundary;
    ctx_.boundary = boundary_.data();
  }

  double& param(const std::string& tensor, size_t index = 0) {
    return params_[layout_.find(tensor).offset + index];
  }
  double grad(const std::string& tensor, size_t index = 0) const {
    return grads_[layout_.find(tensor).offset + index];
  }

  size_t x_size() const { return static_cast<size_t>(shape_.batch) * shape_.seq_len * config_.d_model; }
  size_t qk_size() const {
    return static_cast<size_t>(shape_.batch) * shape_.heads * shape_.seq_len * shape_.d_head;
  }
  size_t logits_size() const {
    return static_cast<size_t>(shape_.batch) * shape_.heads * shape_.seq_len * shape_.seq_len;
  }
  size_t at(int b, int a, int i, int j) const {
    return ((static_cast<size_t>(b) * shape_.heads + a) * shape_.seq_len + i) * shape_.seq_len + j;
  }

  // q·kᵀ/sqrt(d_h): [B,h,T,T], for the given q, k or the harness's own.
  std::vector<double> raw_logits(const std::vector<double>& q, const std::vector<double>& k) const {
    std::vector<double> scores(logits_size());
    const int T = shape_.seq_len, d = shape_.d_head;
    for (int ba = 0; ba < shape_.batch * shape_.heads; ++ba)
      for (int i = 0; i < T; ++i)
        for (int j = 0; j < T; ++j) {
          double dot = 0;
          for (int c = 0; c < d; ++c)
            dot += q[(static_cast<size_t>(ba) * T + i) * d + c] * k[(static_cast<size_t>(ba) * T + j) * d + c];
          scores[(static_cast<size_t>(ba) * T + i) * T + j] = dot / std::sqrt(static_cast<double>(d));
        }
    return scores;
  }
  std::vector<double> raw_logits() const { return raw_logits(q_, k_); }

  // The final logits of one layer for raw scores q·kᵀ/sqrt(d_h): [B,h,T,T]
  // (entries the mask removes are unspecified), for the given q, k or the
  // harness's own.
  std::vector<double> logits(const std::vector<double>& q, const std::vector<double>& k, int layer) {
    encoding_->begin_forward(ctx_);
    std::vector<double> scores = raw_logits(q, k);
    encoding_->logits_forward(scores.data(), q.data(), k.data(), layer, ctx_);
    return scores;
  }
  std::vector<double> logits(int layer) { return logits(q_, k_, layer); }

  // The bias alone: layer 0's logits with q zeroed, so the raw logits are 0.
  std::vector<double> bias() {
    std::fill(q_.begin(), q_.end(), 0.0);
    return logits(0);
  }

  // Random weights over the logits the mask keeps (zero above the diagonal when causal).
  std::vector<double> random_logit_weights(Rng& rng) const {
    std::vector<double> w = random_vector(logits_size(), rng);
    const int T = shape_.seq_len;
    for (size_t e = 0; e < w.size(); ++e)
      if (!kept(static_cast<int>((e / T) % T), static_cast<int>(e % T))) w[e] = 0.0;
    return w;
  }

  // ---- the whole multi-layer loss --------------------------------------------

  double loss() {
    encoding_->begin_forward(ctx_);
    double total = 0;
    for (int layer = 0; layer < shape_.layers; ++layer) {
      std::vector<double> scores = raw_logits();
      encoding_->logits_forward(scores.data(), q_.data(), k_.data(), layer, ctx_);
      for_each_kept([&](size_t e) { total += weight_[e] * scores[e]; });
    }
    return total;
  }

  // grads() (zeroed first), dq, dk ← ∂loss/∂(params, q, k).
  void backward(std::vector<double>& dq, std::vector<double>& dk) {
    std::fill(grads_.begin(), grads_.end(), 0.0);
    dq.assign(qk_size(), 0.0);
    dk.assign(qk_size(), 0.0);
    encoding_->begin_forward(ctx_);
    for (int layer = 0; layer < shape_.layers; ++layer) {
      std::vector<double> scores = raw_logits();
      encoding_->logits_forward(scores.data(), q_.data(), k_.data(), layer, ctx_);
    }
    for (int layer = shape_.layers - 1; layer >= 0; --layer) {
      std::vector<double> dscores(logits_size(), 0.0);
      for_each_kept([&](size_t e) { dscores[e] = weight_[e]; });
      encoding_->logits_backward(dscores.data(), dq.data(), dk.data(), q_.data(), k_.data(), layer, ctx_);
      chain_into_qk(dscores, q_, k_, dq, dk);
    }
  }

  // backward() against the finite differences of loss() for every parameter
  // tensor, q and k.
  void check_gradients() {
    std::vector<double> dq, dk;
    backward(dq, dk);
    const std::vector<double> param_grads = grads_;
    const std::string context = encoding_->name() + (ctx_.causal ? " causal" : " bidirectional");
    auto loss = [&] { return this->loss(); };
    expect_gradient_matches(gradient_error("q", q_, dq, loss), kLayerTolerance, context);
    expect_gradient_matches(gradient_error("k", k_, dk, loss), kLayerTolerance, context);
    expect_parameter_gradients(param_grads, loss, context);
  }

  // ---- one hook at a time ------------------------------------------------------

  // The logits hook of `layer`: dq, dk (through the raw scores and directly) and
  // the encoding's parameters.
  void check_logits_hook(int layer, uint64_t seed = 11) {
    Rng rng(seed, "logits-check");
    std::vector<double> q = random_vector(qk_size(), rng), k = random_vector(qk_size(), rng);
    const std::vector<double> w = random_logit_weights(rng);
    auto objective = [&]() {
      const std::vector<double> s = logits(q, k, layer);
      double sum = 0;
      for (size_t e = 0; e < s.size(); ++e) sum += w[e] == 0.0 ? 0.0 : w[e] * s[e];
      return sum;
    };
    objective();  // the forward pass the backward belongs to
    std::vector<double> ds = w, dq(qk_size(), 0.0), dk(qk_size(), 0.0);
    std::fill(grads_.begin(), grads_.end(), 0.0);
    encoding_->logits_backward(ds.data(), dq.data(), dk.data(), q.data(), k.data(), layer, ctx_);
    chain_into_qk(ds, q, k, dq, dk);
    const std::vector<double> param_grads = grads_;
    const std::string context = encoding_->name() + " logits hook, layer " + std::to_string(layer);
    expect_qk_gradients(q, k, dq, dk, objective, context);
    expect_parameter_gradients(param_grads, objective, context);
  }

  // The q/k hook of `layer`: dq and dk on exit equal d f / d(q, k on entry).
  void check_qk_hook(int layer, uint64_t seed = 13) {
    Rng rng(seed, "qk-check");
    std::vector<double> q = random_vector(qk_size(), rng), k = random_vector(qk_size(), rng);
    const std::vector<double> wq = random_vector(qk_size(), rng), wk = random_vector(qk_size(), rng);
    auto objective = [&]() {
      std::vector<double> qt = q, kt = k;
      encoding_->begin_forward(ctx_);
      encoding_->qk_forward(qt.data(), kt.data(), layer, ctx_);
      double sum = 0;
      for (size_t e = 0; e < qt.size(); ++e) sum += wq[e] * qt[e] + wk[e] * kt[e];
      return sum;
    };
    objective();
    std::vector<double> dq = wq, dk = wk;
    encoding_->qk_backward(dq.data(), dk.data(), layer, ctx_);
    expect_qk_gradients(q, k, dq, dk, objective, encoding_->name() + " q/k hook, layer " + std::to_string(layer));
  }

  // The input hook: parameter gradients from input_backward.
  void check_input_hook(uint64_t seed = 17) {
    Rng rng(seed, "input-check");
    const std::vector<double> x = random_vector(x_size(), rng), w = random_vector(x_size(), rng);
    auto objective = [&]() {
      std::vector<double> xt = x;
      encoding_->begin_forward(ctx_);
      encoding_->input_forward(xt.data(), ctx_);
      double sum = 0;
      for (size_t e = 0; e < xt.size(); ++e) sum += w[e] * xt[e];
      return sum;
    };
    objective();
    std::fill(grads_.begin(), grads_.end(), 0.0);
    encoding_->input_backward(w.data(), ctx_);
    const std::vector<double> param_grads = grads_;
    expect_parameter_gradients(param_grads, objective, encoding_->name() + " input hook");
  }

 private:
  template <typename Visit>
  void for_each_kept(Visit visit) const {
    for (int b = 0; b < shape_.batch; ++b)
      for (int a = 0; a < shape_.heads; ++a)
        for (int i = 0; i < shape_.seq_len; ++i)
          for (int j = 0; j < shape_.seq_len; ++j)
            if (kept(i, j)) visit(at(b, a, i, j));
  }

  // x = q·kᵀ/sqrt(d_h): dq_i += Σ_j dx_ij k_j/sqrt(d_h), dk_j += Σ_i dx_ij q_i/sqrt(d_h).
  void chain_into_qk(const std::vector<double>& dx, const std::vector<double>& q, const std::vector<double>& k,
                     std::vector<double>& dq, std::vector<double>& dk) const {
    const int T = shape_.seq_len, d = shape_.d_head;
    const double scale = 1.0 / std::sqrt(static_cast<double>(d));
    for (int ba = 0; ba < shape_.batch * shape_.heads; ++ba)
      for (int i = 0; i < T; ++i)
        for (int j = 0; j < T; ++j) {
          if (!kept(i, j)) continue;
          const double g = dx[(static_cast<size_t>(ba) * T + i) * T + j] * scale;
          for (int c = 0; c < d; ++c) {
            dq[(static_cast<size_t>(ba) * T + i) * d + c] += g * k[(static_cast<size_t>(ba) * T + j) * d + c];
            dk[(static_cast<size_t>(ba) * T + j) * d + c] += g * q[(static_cast<size_t>(ba) * T + i) * d + c];
          }
        }
  }

  // dq and dk against the finite differences of `objective` in q and k.
  static void expect_qk_gradients(std::vector<double>& q, std::vector<double>& k, const std::vector<double>& dq,
                                  const std::vector<double>& dk, const std::function<double()>& objective,
                                  const std::string& context) {
    expect_gradient_matches(gradient_error("q", q, dq, objective), kLayerTolerance, context);
    expect_gradient_matches(gradient_error("k", k, dk, objective), kLayerTolerance, context);
  }

  // Every parameter tensor against the finite differences of `objective`;
  // `analytic` is the gradient buffer.
  void expect_parameter_gradients(const std::vector<double>& analytic, const std::function<double()>& objective,
                                  const std::string& context) {
    for (const auto& tensor : layout_.tensors())
      expect_gradient_matches(gradient_error(tensor.name, params_.data() + tensor.offset,
                                             analytic.data() + tensor.offset, tensor.size, objective),
                              kLayerTolerance, context);
  }

  HookShape shape_;
  ModelConfig config_;
  EncodingContext ctx_;
  std::unique_ptr<Encoding<double>> encoding_;
  ParamLayout layout_;
  std::vector<double> params_, grads_;
  std::vector<double> q_, k_, weight_;
  std::vector<int> tokens_;
  std::vector<uint8_t> boundary_;
};

}  // namespace pebench::testing
