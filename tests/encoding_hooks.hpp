// HookHarness: one encoding driven through its logit hooks alone, outside any
// transformer, in double. It owns the encoding's parameters (its own
// ParamLayout and flat buffers), random q, k [B,h,T,d_h] and a random loss
// weight per logit, and defines
//
//   loss = Σ_layers Σ_{b,a,i,j kept by the mask} weight[b,a,i,j]·S_layer[b,a,i,j]
//   S_layer = logits_forward(q·kᵀ/sqrt(d_h), layer)
//
// backward() runs logits_backward for every layer and completes the chain
// into q and k (dq += dx·k/sqrt(d_h), dk += dxᵀ·q/sqrt(d_h)) as the
// transformer does, so check_gradients() compares every parameter gradient
// and every q/k gradient with central finite differences.
#pragma once
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/rng.hpp"
#include "models/encoding.hpp"
#include "models/model_config.hpp"
#include "models/params.hpp"

namespace pebench::testing {

struct HookShape {
  int batch = 2;
  int heads = 2;
  int d_head = 4;
  int layers = 2;
  int seq_len = 5;
};

struct GradCheckResult {
  double worst_ratio = 0.0;  // max over entries of |analytic − numeric| / (atol + rtol·scale); ≤ 1 passes
  std::string worst;         // which entry, with both values
  int checked = 0;
};

class HookHarness {
 public:
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

    Rng data(seed, "data");
    q_.resize(qk_size());
    k_.resize(qk_size());
    for (double& v : q_) v = data.normal();
    for (double& v : k_) v = data.normal();
    weight_.resize(logits_size());
    for (double& v : weight_) v = data.normal();
  }

  Encoding<double>& encoding() { return *encoding_; }
  const ParamLayout& layout() const { return layout_; }
  std::vector<double>& params() { return params_; }
  std::vector<double>& grads() { return grads_; }
  std::vector<double>& q() { return q_; }
  std::vector<double>& k() { return k_; }
  const EncodingContext& context() const { return ctx_; }
  const HookShape& shape() const { return shape_; }
  bool kept(int i, int j) const { return !ctx_.causal || j <= i; }

  double& param(const std::string& tensor, size_t index = 0) {
    return params_[layout_.find(tensor).offset + index];
  }
  double grad(const std::string& tensor, size_t index = 0) const {
    return grads_[layout_.find(tensor).offset + index];
  }

  size_t qk_size() const {
    return static_cast<size_t>(shape_.batch) * shape_.heads * shape_.seq_len * shape_.d_head;
  }
  size_t logits_size() const {
    return static_cast<size_t>(shape_.batch) * shape_.heads * shape_.seq_len * shape_.seq_len;
  }
  size_t at(int b, int a, int i, int j) const {
    return ((static_cast<size_t>(b) * shape_.heads + a) * shape_.seq_len + i) * shape_.seq_len + j;
  }

  // q·kᵀ/sqrt(d_h): [B,h,T,T].
  std::vector<double> raw_logits() const {
    std::vector<double> scores(logits_size());
    const int T = shape_.seq_len, d = shape_.d_head;
    for (int ba = 0; ba < shape_.batch * shape_.heads; ++ba)
      for (int i = 0; i < T; ++i)
        for (int j = 0; j < T; ++j) {
          double dot = 0;
          for (int c = 0; c < d; ++c)
            dot += q_[(static_cast<size_t>(ba) * T + i) * d + c] * k_[(static_cast<size_t>(ba) * T + j) * d + c];
          scores[(static_cast<size_t>(ba) * T + i) * T + j] = dot / std::sqrt(static_cast<double>(d));
        }
    return scores;
  }

  // The final logits of one layer: [B,h,T,T] (entries the mask removes are unspecified).
  std::vector<double> logits(int layer) {
    encoding_->begin_forward(ctx_);
    std::vector<double> scores = raw_logits();
    encoding_->logits_forward(scores.data(), q_.data(), k_.data(), layer, ctx_);
    return scores;
  }
  // The bias alone: layer 0's logits with q zeroed, so the raw logits are 0.
  std::vector<double> bias() {
    std::fill(q_.begin(), q_.end(), 0.0);
    return logits(0);
  }

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
      chain_into_qk(dscores, dq, dk);
    }
  }

  // Central differences on every parameter, q and k entry.
  GradCheckResult check_gradients(double step = 1e-6, double rtol = 1e-5, double atol = 1e-7) {
    std::vector<double> dq, dk;
    backward(dq, dk);
    const std::vector<double> param_grads = grads_;
    GradCheckResult result;
    auto compare = [&](std::vector<double>& values, size_t index, double analytic, const std::string& what) {
      const double saved = values[index];
      values[index] = saved + step;
      const double plus = loss();
      values[index] = saved - step;
      const double minus = loss();
      values[index] = saved;
      const double numeric = (plus - minus) / (2 * step);
      const double ratio = std::abs(analytic - numeric) /
                           (atol + rtol * std::max(std::abs(analytic), std::abs(numeric)));
      ++result.checked;
      if (ratio > result.worst_ratio) {
        result.worst_ratio = ratio;
        result.worst = what + ": analytic " + std::to_string(analytic) + " numeric " + std::to_string(numeric);
      }
    };
    for (const auto& tensor : layout_.tensors())
      for (size_t e = 0; e < tensor.size; ++e)
        compare(params_, tensor.offset + e, param_grads[tensor.offset + e],
                tensor.name + "[" + std::to_string(e) + "]");
    for (size_t e = 0; e < q_.size(); ++e) compare(q_, e, dq[e], "q[" + std::to_string(e) + "]");
    for (size_t e = 0; e < k_.size(); ++e) compare(k_, e, dk[e], "k[" + std::to_string(e) + "]");
    return result;
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
  void chain_into_qk(const std::vector<double>& dx, std::vector<double>& dq, std::vector<double>& dk) const {
    const int T = shape_.seq_len, d = shape_.d_head;
    const double scale = 1.0 / std::sqrt(static_cast<double>(d));
    for (int ba = 0; ba < shape_.batch * shape_.heads; ++ba)
      for (int i = 0; i < T; ++i)
        for (int j = 0; j < T; ++j) {
          if (!kept(i, j)) continue;
          const double g = dx[(static_cast<size_t>(ba) * T + i) * T + j] * scale;
          for (int c = 0; c < d; ++c) {
            dq[(static_cast<size_t>(ba) * T + i) * d + c] += g * k_[(static_cast<size_t>(ba) * T + j) * d + c];
            dk[(static_cast<size_t>(ba) * T + j) * d + c] += g * q_[(static_cast<size_t>(ba) * T + i) * d + c];
          }
        }
  }

  HookShape shape_;
  ModelConfig config_;
  EncodingContext ctx_;
  std::unique_ptr<Encoding<double>> encoding_;
  ParamLayout layout_;
  std::vector<double> params_, grads_;
  std::vector<double> q_, k_, weight_;
};

}  // namespace pebench::testing
