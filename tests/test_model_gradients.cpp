// The whole-model gradient check (tests/model_gradients.hpp) on the
// transformer itself, in every norm placement, attention mode and activation,
// and on an encoding with a deliberately wrong backward pass: the check must
// name the tensor the bug reaches. tests/test_encoding_conformance.cpp runs
// the same check for every registered encoding.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/encoding.hpp"
#include "tests/model_gradients.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

TEST(ModelGradients, MatchFiniteDifferencesInEveryNormPlacementAndAttentionMode) {
  for (const NormPlacement norm : {NormPlacement::pre, NormPlacement::post})
    for (const bool causal : {true, false}) {
      GradientCheckSetup setup;
      setup.encoding = "nope";
      setup.norm = norm;
      setup.causal = causal;
      expect_model_gradients_match(setup);
    }
}

// An encoding with parameters and an input hook, post-norm: hook 1's gradient
// reaches the encoding through the other residual layout.
TEST(ModelGradients, MatchFiniteDifferencesPostNormWithALearnedTable) {
  GradientCheckSetup setup;
  setup.encoding = "learned";
  setup.norm = NormPlacement::post;
  expect_model_gradients_match(setup);
}

TEST(ModelGradients, MatchFiniteDifferencesWithReluActivation) {
  GradientCheckSetup setup;
  setup.encoding = "nope";
  setup.activation = Activation::relu;
  expect_model_gradients_match(setup);
}

// Hook 3 scales the logits of layer l by a learned s_l (init 1):
//   S' = s_l·S,  ds_l = Σ dS'·S,  dS = s_l·dS'.
// Two ways to get the backward pass wrong, each switched on alone.
template <typename T>
class ScaledLogits : public Encoding<T> {
 public:
  double scale_gradient_factor = 1.0;  // ≠ 1: a wrong parameter gradient
  bool scale_passed_gradient = true;   // false: forgets s_l in dS, so q and k get a wrong gradient

  void declare_parameters(ParamLayout& layout, const ModelConfig& config) override {
    offset_ = layout.add("encoding.scaled_logits.scale", {config.n_layers}, Init::constant(1.0), false);
  }
  void bind(T* params, T* grads) override {
    scale_ = params + offset_;
    dscale_ = grads + offset_;
  }
  void begin_forward(const EncodingContext& ctx) override { raw_.assign(ctx.n_layers, {}); }
  bool has_logits_hook() const override { return true; }
  void logits_forward(T* scores, const T*, const T*, int layer, const EncodingContext& ctx) override {
    raw_[layer].assign(scores, scores + size(ctx));
    for_each_kept(ctx, [&](size_t e) { scores[e] *= scale_[layer]; });
  }
  void logits_backward(T* dscores, T*, T*, const T*, const T*, int layer, const EncodingContext& ctx) override {
    double dscale = 0;
    for_each_kept(ctx, [&](size_t e) {
      dscale += dscores[e] * raw_[layer][e];
      if (scale_passed_gradient) dscores[e] *= scale_[layer];
    });
    dscale_[layer] += static_cast<T>(scale_gradient_factor * dscale);
  }

 private:
  static size_t size(const EncodingContext& ctx) {
    return static_cast<size_t>(ctx.batch) * ctx.n_heads * ctx.seq_len * ctx.seq_len;
  }
  // The entries of [B,h,T,T] the causal mask keeps (all when bidirectional).
  template <typename Visit>
  static void for_each_kept(const EncodingContext& ctx, Visit visit) {
    const int T_ = ctx.seq_len;
    for (size_t e = 0; e < size(ctx); ++e)
      if (!ctx.causal || static_cast<int>(e % T_) <= static_cast<int>((e / T_) % T_)) visit(e);
  }

  size_t offset_ = 0;
  T* scale_ = nullptr;
  T* dscale_ = nullptr;
  std::vector<std::vector<T>> raw_;  // per layer: the scores on entry [B,h,T,T]
};

// The relative error of every tensor of the model with `encoding`, by name.
std::vector<GradientError> errors_with(std::unique_ptr<ScaledLogits<double>> encoding) {
  GradientCheckSetup setup;
  setup.encoding = "scaled_logits";
  return model_gradient_errors(setup, std::move(encoding));
}

bool is_query_or_key_projection(const std::string& tensor) {
  return tensor.find("attn.wq") != std::string::npos || tensor.find("attn.wk") != std::string::npos;
}

TEST(ModelGradients, CheckPassesTheTestEncodingWhenItsBackwardIsRight) {
  expect_gradients_match(errors_with(std::make_unique<ScaledLogits<double>>()), kModelTolerance, "scaled_logits");
}

// A parameter gradient 0.1% off: that tensor fails, and only that one.
TEST(ModelGradients, CheckFailsWhenAnEncodingsParameterGradientIsWrong) {
  auto wrong = std::make_unique<ScaledLogits<double>>();
  wrong->scale_gradient_factor = 1.001;
  for (const GradientError& error : errors_with(std::move(wrong))) {
    if (error.name == "encoding.scaled_logits.scale")
      EXPECT_GT(error.relative_error, 10 * kModelTolerance) << error.name;
    else
      EXPECT_LT(error.relative_error, kModelTolerance) << error.name;
  }
}

// dS without the factor s_l (~1 ± 0.1 here): the query and key projections,
// and everything before them, get wrong gradients.
TEST(ModelGradients, CheckFailsWhenAnEncodingPassesOnAWrongGradient) {
  auto wrong = std::make_unique<ScaledLogits<double>>();
  wrong->scale_passed_gradient = false;
  int failing_projections = 0;
  for (const GradientError& error : errors_with(std::move(wrong))) {
    if (is_query_or_key_projection(error.name)) failing_projections += error.relative_error > kModelTolerance;
    if (error.name.rfind("head.", 0) == 0 || error.name.rfind("final_ln.", 0) == 0) {
      EXPECT_LT(error.relative_error, kModelTolerance) << error.name << " lies after every attention layer";
    }
  }
  EXPECT_EQ(failing_projections, 4) << "wq and wk of both layers";
}

}  // namespace
