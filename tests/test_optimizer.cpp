// models/optimizer.hpp: schedules, the AdamW update, clipping, weight decay.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <limits>
#include <vector>

#include "common/errors.hpp"
#include "models/optimizer.hpp"

using namespace pebench;

namespace {

OptimizerConfig schedule(Schedule kind, int warmup, int total, double floor = 0.0) {
  OptimizerConfig config;
  config.lr = 1.0;
  config.schedule = kind;
  config.warmup_steps = warmup;
  config.total_steps = total;
  config.min_lr_ratio = floor;
  return config;
}

TEST(LearningRate, ConstantIgnoresWarmup) {
  const OptimizerConfig config = schedule(Schedule::constant, 10, 100);
  for (int step : {0, 5, 50, 500}) EXPECT_EQ(learning_rate(config, step), 1.0);
}

TEST(LearningRate, WarmupRampsLinearlyToThePeak) {
  for (Schedule kind : {Schedule::warmup_linear, Schedule::warmup_cosine}) {
    const OptimizerConfig config = schedule(kind, 4, 100);
    EXPECT_DOUBLE_EQ(learning_rate(config, 0), 0.25);
    EXPECT_DOUBLE_EQ(learning_rate(config, 1), 0.5);
    EXPECT_DOUBLE_EQ(learning_rate(config, 3), 1.0);
    EXPECT_DOUBLE_EQ(learning_rate(config, 4), 1.0) << to_string(kind);
  }
}

TEST(LearningRate, LinearDecaysToTheFloorAtTotalSteps) {
  const OptimizerConfig config = schedule(Schedule::warmup_linear, 10, 110, 0.1);
  EXPECT_DOUBLE_EQ(learning_rate(config, 60), 0.1 + 0.9 * 0.5);
  EXPECT_DOUBLE_EQ(learning_rate(config, 110), 0.1);
  EXPECT_DOUBLE_EQ(learning_rate(config, 1000), 0.1);
}

TEST(LearningRate, CosineFollowsHalfACosine) {
  const OptimizerConfig config = schedule(Schedule::warmup_cosine, 0, 100, 0.0);
  EXPECT_DOUBLE_EQ(learning_rate(config, 0), 1.0);
  EXPECT_NEAR(learning_rate(config, 25), 0.5 * (1 + std::cos(M_PI * 0.25)), 1e-15);
  EXPECT_NEAR(learning_rate(config, 50), 0.5, 1e-15);
  EXPECT_NEAR(learning_rate(config, 100), 0.0, 1e-15);
}

// Two tensors: "w" (decayed) and "b" (not).
struct TwoTensors {
  ParamLayout layout;
  TwoTensors() {
    layout.add("w", {3}, Init::constant(0), true);
    layout.add("b", {2}, Init::constant(0), false);
  }
};

// A scalar AdamW written from the paper (Loshchilov & Hutter 2019, Alg. 2,
// with PyTorch's placement of the decay).
struct ReferenceAdamW {
  double lr, beta1, beta2, eps, decay, m = 0, v = 0;
  int t = 0;
  double step(double p, double g) {
    ++t;
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    const double m_hat = m / (1 - std::pow(beta1, t)), v_hat = v / (1 - std::pow(beta2, t));
    return p * (1 - lr * decay) - lr * m_hat / (std::sqrt(v_hat) + eps);
  }
};

TEST(AdamW, MatchesAReferenceImplementationOverSeveralSteps) {
  TwoTensors model;
  OptimizerConfig config;
  config.lr = 0.01;
  config.weight_decay = 0.1;
  config.clip_norm = 0;
  AdamW<double> optimizer(config, model.layout);
  std::vector<double> params = {0.5, -1.0, 2.0, 0.3, -0.7};
  std::vector<ReferenceAdamW> reference;
  for (size_t i = 0; i < params.size(); ++i)
    reference.push_back({config.lr, config.beta1, config.beta2, config.eps, i < 3 ? config.weight_decay : 0.0});
  std::vector<double> expected = params;
  for (int step = 0; step < 5; ++step) {
    std::vector<double> grads(params.size());
    for (size_t i = 0; i < grads.size(); ++i) grads[i] = std::sin(1.0 + i + 3.0 * step);
    for (size_t i = 0; i < params.size(); ++i) expected[i] = reference[i].step(expected[i], grads[i]);
    optimizer.step(params.data(), grads.data());
  }
  for (size_t i = 0; i < params.size(); ++i) EXPECT_NEAR(params[i], expected[i], 1e-14) << i;
  EXPECT_EQ(optimizer.steps_taken(), 5);
}

TEST(AdamW, AFloatElementGetsTheSameUpdateInTheVectorLoopAsAlone) {
  // One 1,003-element tensor (its update loop runs in vector registers) against
  // 1,003 one-element tensors (each a scalar loop), with decay and clipping:
  // every parameter must come out bit-identical, so vectorising the update
  // never changes a result.
  constexpr int n = 1003;
  ParamLayout whole, single;
  whole.add("w", {n}, Init::constant(0), true);
  for (int i = 0; i < n; ++i) single.add("w" + std::to_string(i), {1}, Init::constant(0), true);
  OptimizerConfig config;
  config.lr = 3e-3;
  config.weight_decay = 0.1;
  config.clip_norm = 0.5;
  AdamW<float> vector_loop(config, whole), scalar_loops(config, single);
  std::vector<float> a(n), b(n);
  for (int i = 0; i < n; ++i) a[i] = b[i] = std::sin(0.37f * i);
  for (int step = 0; step < 4; ++step) {
    std::vector<float> grads_a(n), grads_b(n);
    for (int i = 0; i < n; ++i) grads_a[i] = grads_b[i] = std::cos(1.0f + 0.11f * i + 2.0f * step) * 0.03f;
    vector_loop.step(a.data(), grads_a.data());
    scalar_loops.step(b.data(), grads_b.data());
  }
  int differing = 0;
  for (int i = 0; i < n; ++i) differing += std::memcmp(&a[i], &b[i], sizeof(float)) != 0;
  EXPECT_EQ(differing, 0);
}

// Single float operations that the compiler cannot fuse with their neighbours.
[[gnu::noinline]] float rounded_product(float a, float b) { return a * b; }
[[gnu::noinline]] float rounded_difference(float a, float b) { return a - b; }
[[gnu::noinline]] float rounded_sum(float a, float b) { return a + b; }
[[gnu::noinline]] float rounded_quotient(float a, float b) { return a / b; }

TEST(AdamW, AFloatUpdateRoundsExactlyAsDocumented) {
  // The moments as one fused multiply-add each, everything else rounded step
  // by step (p·(1 − lr·λ), then minus lr·m̂/(√v̂ + ε)): the arithmetic every
  // committed result was computed with. Fusing p·shrink − update instead
  // changes the last bit of decayed weights.
  constexpr int n = 257;
  ParamLayout layout;
  layout.add("w", {n}, Init::constant(0), true);
  OptimizerConfig config;
  config.lr = 3e-3;
  config.weight_decay = 0.1;
  config.clip_norm = 0;
  AdamW<float> optimizer(config, layout);
  std::vector<float> params(n), expected(n), m(n, 0.0f), v(n, 0.0f);
  for (int i = 0; i < n; ++i) params[i] = expected[i] = std::sin(0.37f * i);
  const float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, lr = 3e-3f;
  const float shrink = static_cast<float>(1.0 - config.lr * config.weight_decay);
  for (int step = 1; step <= 3; ++step) {
    std::vector<float> grads(n);
    for (int i = 0; i < n; ++i) grads[i] = std::cos(1.0f + 0.11f * i + 2.0f * step) * 0.03f;
    const float c1 = static_cast<float>(1.0 - std::pow(0.9, step)), c2 = static_cast<float>(1.0 - std::pow(0.999, step));
    for (int i = 0; i < n; ++i) {
      const float g = grads[i];
      m[i] = std::fma(beta1, m[i], rounded_product(1.0f - beta1, g));
      v[i] = std::fma(beta2, v[i], rounded_product(rounded_product(1.0f - beta2, g), g));
      const float m_hat = rounded_quotient(m[i], c1), v_hat = rounded_quotient(v[i], c2);
      const float update = rounded_quotient(rounded_product(lr, m_hat), rounded_sum(std::sqrt(v_hat), eps));
      expected[i] = rounded_difference(rounded_product(expected[i], shrink), update);
    }
    optimizer.step(params.data(), grads.data());
  }
  int differing = 0;
  for (int i = 0; i < n; ++i) differing += std::memcmp(&params[i], &expected[i], sizeof(float)) != 0;
  EXPECT_EQ(differing, 0);
}

TEST(AdamW, DecaysOnlyTensorsMarkedForWeightDecay) {
  TwoTensors model;
  OptimizerConfig config;
  config.lr = 0.1;
  config.weight_decay = 0.5;
  AdamW<double> optimizer(config, model.layout);
  std::vector<double> params(5, 1.0), grads(5, 0.0);
  optimizer.step(params.data(), grads.data());
  for (int i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(params[i], 1.0 - 0.1 * 0.5);
  for (int i = 3; i < 5; ++i) EXPECT_DOUBLE_EQ(params[i], 1.0);
}

TEST(AdamW, ClipsToTheGlobalNormAndReturnsTheNormBeforeClipping) {
  TwoTensors model;
  OptimizerConfig config;
  config.clip_norm = 1.0;
  AdamW<double> optimizer(config, model.layout);
  std::vector<double> params(5, 0.0), grads = {3.0, 0.0, 0.0, 4.0, 0.0};
  EXPECT_DOUBLE_EQ(optimizer.step(params.data(), grads.data()), 5.0);
  EXPECT_DOUBLE_EQ(grads[0], 0.6);
  EXPECT_DOUBLE_EQ(grads[3], 0.8);
  std::vector<double> small = {0.3, 0.0, 0.0, 0.4, 0.0};
  EXPECT_DOUBLE_EQ(optimizer.step(params.data(), small.data()), 0.5);
  EXPECT_DOUBLE_EQ(small[0], 0.3) << "below the threshold nothing is scaled";
}

TEST(AdamW, SkipsTheUpdateWhenGradientsAreNotFinite) {
  TwoTensors model;
  AdamW<double> optimizer(OptimizerConfig{}, model.layout);
  std::vector<double> params = {1, 2, 3, 4, 5}, grads = {0, std::numeric_limits<double>::quiet_NaN(), 0, 0, 0};
  EXPECT_TRUE(std::isnan(optimizer.step(params.data(), grads.data())));
  EXPECT_EQ(params, (std::vector<double>{1, 2, 3, 4, 5}));
  EXPECT_EQ(optimizer.steps_taken(), 0);
  grads[1] = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(std::isfinite(optimizer.step(params.data(), grads.data())));
  EXPECT_EQ(params, (std::vector<double>{1, 2, 3, 4, 5}));
}

TEST(AdamW, RejectsInvalidSettingsWithUsageErrors) {
  TwoTensors model;
  auto build = [&](auto change) {
    OptimizerConfig config;
    change(config);
    AdamW<float> optimizer(config, model.layout);
  };
  EXPECT_THROW(build([](OptimizerConfig& c) { c.lr = 0; }), UsageError);
  EXPECT_THROW(build([](OptimizerConfig& c) { c.beta1 = 1.0; }), UsageError);
  EXPECT_THROW(build([](OptimizerConfig& c) { c.beta2 = -0.1; }), UsageError);
  EXPECT_THROW(build([](OptimizerConfig& c) { c.eps = 0; }), UsageError);
  EXPECT_THROW(build([](OptimizerConfig& c) { c.weight_decay = -1; }), UsageError);
  EXPECT_THROW(build([](OptimizerConfig& c) { c.total_steps = 0; }), UsageError);
  EXPECT_THROW(build([](OptimizerConfig& c) { c.min_lr_ratio = 2; }), UsageError);
  EXPECT_NO_THROW(build([](OptimizerConfig&) {}));
}

}  // namespace
