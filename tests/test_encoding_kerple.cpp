// kerple_log and kerple_power: bias values against the closed forms, the
// directional (default) and symmetric bidirectional forms, the clamps of
// project_parameters(), sharing across layers, and hook-level gradient checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "common/errors.hpp"
#include "encoding_hooks.hpp"
#include "models/optimizer.hpp"
#include "models/transformer.hpp"

using namespace pebench;
using pebench::testing::HookHarness;
using pebench::testing::HookShape;

namespace {


void set_heads(HookHarness& h, const std::vector<double>& p, const std::vector<double>& r) {
  for (size_t a = 0; a < p.size(); ++a) {
    h.param("encoding.kerple.p", a) = p[a];
    h.param("encoding.kerple.r", a) = r[a];
  }
}

const std::vector<std::pair<int, int>> kPoints = {{0, 0}, {1, 0}, {7, 2}, {11, 0}, {11, 10}};

}  // namespace

TEST(KerpleLog, BiasIsMinusPLogOnePlusRD) {
  HookHarness h("kerple_log", nullptr, HookShape{1, 2, 4, 1, 12}, true);
  set_heads(h, {1.5, 0.3}, {0.8, 2.0});
  const std::vector<double> bias = h.bias();
  for (auto [i, j] : kPoints) {
    const double d = i - j;
    EXPECT_NEAR(bias[h.at(0, 0, i, j)], -1.5 * std::log(1 + 0.8 * d), 1e-12) << i << "," << j;
    EXPECT_NEAR(bias[h.at(0, 1, i, j)], -0.3 * std::log(1 + 2.0 * d), 1e-12) << i << "," << j;
  }
}

TEST(KerplePower, BiasIsMinusRDToThePowerP) {
  HookHarness h("kerple_power", nullptr, HookShape{1, 2, 4, 1, 12}, true);
  set_heads(h, {1.5, 0.25}, {0.8, 2.0});
  const std::vector<double> bias = h.bias();
  for (auto [i, j] : kPoints) {
    const double d = i - j;
    EXPECT_NEAR(bias[h.at(0, 0, i, j)], -0.8 * std::pow(d, 1.5), 1e-12) << i << "," << j;
    EXPECT_NEAR(bias[h.at(0, 1, i, j)], -2.0 * std::pow(d, 0.25), 1e-12) << i << "," << j;
  }
}

TEST(KerpleLog, SymmetricBidirectionalBiasUsesTheAbsoluteDistance) {
  HookHarness h("kerple_log", json{{"bidirectional", "symmetric"}}, HookShape{1, 1, 4, 1, 9}, false);
  EXPECT_THROW(h.layout().find("encoding.kerple.p_right"), std::exception);
  set_heads(h, {1.1}, {0.6});
  const std::vector<double> bias = h.bias();
  for (int i = 0; i < 9; ++i)
    for (int j = 0; j < 9; ++j)
      EXPECT_NEAR(bias[h.at(0, 0, i, j)], -1.1 * std::log(1 + 0.6 * std::abs(i - j)), 1e-12) << i << "," << j;
}

TEST(KerpleLog, DirectionalBidirectionalBiasUsesTheRightParametersForKeysOnTheRight) {
  HookHarness h("kerple_log", nullptr, HookShape{1, 1, 4, 1, 9}, false);
  set_heads(h, {1.1}, {0.6});
  h.param("encoding.kerple.p_right", 0) = 0.4;
  h.param("encoding.kerple.r_right", 0) = 1.7;
  const std::vector<double> bias = h.bias();
  for (int i = 0; i < 9; ++i)
    for (int j = 0; j < 9; ++j) {
      const double d = std::abs(i - j);
      const double expected = j <= i ? -1.1 * std::log(1 + 0.6 * d) : -0.4 * std::log(1 + 1.7 * d);
      EXPECT_NEAR(bias[h.at(0, 0, i, j)], expected, 1e-12) << i << "," << j;
    }
  EXPECT_NE(bias[h.at(0, 0, 4, 1)], bias[h.at(0, 0, 4, 7)]);  // 3 to the left vs 3 to the right
}

TEST(KerplePower, DirectionalBidirectionalBiasUsesTheRightParametersForKeysOnTheRight) {
  HookHarness h("kerple_power", nullptr, HookShape{1, 1, 4, 1, 6}, false);
  set_heads(h, {1.5}, {0.8});
  h.param("encoding.kerple.p_right", 0) = 0.5;
  h.param("encoding.kerple.r_right", 0) = 0.3;
  const std::vector<double> bias = h.bias();
  EXPECT_NEAR(bias[h.at(0, 0, 5, 1)], -0.8 * std::pow(4.0, 1.5), 1e-12);
  EXPECT_NEAR(bias[h.at(0, 0, 1, 5)], -0.3 * std::pow(4.0, 0.5), 1e-12);
  EXPECT_EQ(bias[h.at(0, 0, 2, 2)], 0.0);
}

TEST(KerpleLog, CausalPassesNeverReadTheRightParameters) {
  HookHarness h("kerple_log", nullptr, HookShape{1, 2, 4, 1, 7}, true);
  const std::vector<double> before = h.bias();
  h.param("encoding.kerple.p_right", 0) = 1.9;
  h.param("encoding.kerple.r_right", 1) = 0.02;
  const std::vector<double> after = h.bias();
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j <= i; ++j) EXPECT_EQ(before[h.at(0, 1, i, j)], after[h.at(0, 1, i, j)]);
}

TEST(KerpleLog, ProjectionClampsTheRightParametersToo) {
  HookHarness h("kerple_log", nullptr, HookShape{1, 2, 4, 1, 4}, false);
  h.param("encoding.kerple.p_right", 0) = -0.3;
  h.param("encoding.kerple.r_right", 1) = 0.001;
  h.encoding().project_parameters();
  EXPECT_DOUBLE_EQ(h.param("encoding.kerple.p_right", 0), 0.01);
  EXPECT_DOUBLE_EQ(h.param("encoding.kerple.r_right", 1), 0.01);
}

TEST(KerpleLog, ProjectionRaisesPAndRToTheFloor) {
  HookHarness h("kerple_log", nullptr, HookShape{1, 3, 4, 1, 4}, true);
  set_heads(h, {1.0, 0.5, 5.0}, {0.7, 0.2, 3.0});
  // A step that overshoots: p[0] and r[1] go negative, r[2] lands just below the floor.
  h.param("encoding.kerple.p", 0) -= 1.7;
  h.param("encoding.kerple.r", 1) -= 0.9;
  h.param("encoding.kerple.r", 2) = 0.004;
  h.encoding().project_parameters();
  EXPECT_DOUBLE_EQ(h.param("encoding.kerple.p", 0), 0.01);
  EXPECT_DOUBLE_EQ(h.param("encoding.kerple.r", 1), 0.01);
  EXPECT_DOUBLE_EQ(h.param("encoding.kerple.r", 2), 0.01);
  EXPECT_DOUBLE_EQ(h.param("encoding.kerple.p", 2), 5.0);  // no upper bound for the log kernel
  EXPECT_DOUBLE_EQ(h.param("encoding.kerple.r", 0), 0.7);
}

TEST(KerplePower, ProjectionClampsPowerIntoTheConditionallyPositiveDefiniteRange) {
  HookHarness h("kerple_power", nullptr, HookShape{1, 3, 4, 1, 4}, true);
  set_heads(h, {2.6, -0.2, 1.3}, {-1.0, 0.5, 0.005});
  h.encoding().project_parameters();
  EXPECT_DOUBLE_EQ(h.param("encoding.kerple.p", 0), 2.0);
  EXPECT_DOUBLE_EQ(h.param("encoding.kerple.p", 1), 0.01);
  EXPECT_DOUBLE_EQ(h.param("encoding.kerple.p", 2), 1.3);
  EXPECT_DOUBLE_EQ(h.param("encoding.kerple.r", 0), 0.01);
  EXPECT_DOUBLE_EQ(h.param("encoding.kerple.r", 1), 0.5);
  EXPECT_DOUBLE_EQ(h.param("encoding.kerple.r", 2), 0.01);
}

TEST(KerpleLog, InitDrawsFromTheReferenceRangesWithinTheConstraints) {
  HookHarness h("kerple_power", nullptr, HookShape{1, 64, 1, 1, 2}, true);
  double p_sum = 0, r_sum = 0;
  for (int a = 0; a < 64; ++a) {
    const double p = h.param("encoding.kerple.p", a), r = h.param("encoding.kerple.r", a);
    EXPECT_GE(p, 0.01);
    EXPECT_LE(p, 2.0);
    EXPECT_GE(r, 0.01);
    EXPECT_LE(r, 1.0);
    p_sum += p;
    r_sum += r;
  }
  EXPECT_NEAR(p_sum / 64, 1.0, 0.25);  // p ~ 2·U(0,1)
  EXPECT_NEAR(r_sum / 64, 0.5, 0.15);  // r ~ U(0,1)
}

TEST(KerpleLog, ParametersAreSharedAcrossLayers) {
  HookHarness h("kerple_log", nullptr, HookShape{1, 2, 4, 3, 5}, false);
  EXPECT_EQ(h.layout().total_size(), 8u);  // p, r, p_right, r_right: [h] each, once
  EXPECT_EQ(h.logits(0), h.logits(2));
}

TEST(Kerple, TakesOnlyTheBidirectionalFormOption) {
  EXPECT_THROW(make_encoding<float>("kerple_log", json{{"eps", 0.1}}), UsageError);
  EXPECT_THROW(make_encoding<float>("kerple_log", json{{"bidirectional", "mirrored"}}), UsageError);
  EXPECT_THROW(make_encoding<float>("kerple_log", json{{"bidirectional", true}}), UsageError);
  EXPECT_EQ(make_encoding<float>("kerple_power")->options(), (json{{"bidirectional", "directional"}}));
  EXPECT_EQ(make_encoding<float>("kerple_log", json{{"bidirectional", "symmetric"}})->options(),
            (json{{"bidirectional", "symmetric"}}));
}

class KerpleGradients : public ::testing::TestWithParam<std::tuple<const char*, bool>> {};

TEST_P(KerpleGradients, MatchFiniteDifferences) {
  const auto [name, causal] = GetParam();
  HookHarness h(name, nullptr, HookShape{2, 3, 4, 2, 7}, causal);
  h.check_gradients();
}

INSTANTIATE_TEST_SUITE_P(BothKernelsBothModes, KerpleGradients,
                         ::testing::Combine(::testing::Values("kerple_log", "kerple_power"), ::testing::Bool()));

TEST(KerpleGradients, SymmetricBidirectionalFormMatchesFiniteDifferences) {
  for (const char* name : {"kerple_log", "kerple_power"}) {
    HookHarness h(name, json{{"bidirectional", "symmetric"}}, HookShape{2, 3, 4, 2, 7}, false);
    h.check_gradients();
  }
}

TEST(KerpleGradients, DirectionalFormTrainsEachSideFromItsOwnKeys) {
  HookHarness h("kerple_log", nullptr, HookShape{1, 2, 4, 1, 6}, false);
  std::vector<double> dq, dk;
  h.backward(dq, dk);
  EXPECT_NE(h.grad("encoding.kerple.p_right", 0), 0.0);
  EXPECT_NE(h.grad("encoding.kerple.p", 0), h.grad("encoding.kerple.p_right", 0));
  HookHarness causal("kerple_log", nullptr, HookShape{1, 2, 4, 1, 6}, true);
  causal.backward(dq, dk);
  EXPECT_EQ(causal.grad("encoding.kerple.p_right", 0), 0.0);
  EXPECT_EQ(causal.grad("encoding.kerple.r_right", 1), 0.0);
}

namespace {

ModelConfig tiny_config() {
  ModelConfig config;
  config.input_vocab = 4;
  config.output_vocab = 4;
  config.d_model = 8;
  config.n_heads = 2;
  config.n_layers = 1;
  config.d_ff = 8;
  return config;
}

}  // namespace

// An AdamW step of ~lr against a positive gradient takes p from 0.011 and r
// from 0.05 below zero (shown on a copy of the parameters, stepped alone);
// Transformer::apply_update projects right after its step, so the model's
// p and r end on the floor.
TEST(KerpleLog, AnOptimizerStepOutOfRangeIsClampedByApplyUpdate) {
  Transformer<float> model(tiny_config(), make_encoding<float>("kerple_log"), 3);
  const ParamTensor& p = model.layout().find("encoding.kerple.p");
  const ParamTensor& r = model.layout().find("encoding.kerple.r");
  model.parameters()[p.offset] = 0.011f;
  model.parameters()[r.offset + 1] = 0.05f;
  model.zero_grad();
  model.gradients()[p.offset] = 1.0f;
  model.gradients()[r.offset + 1] = 1.0f;
  OptimizerConfig config;
  config.lr = 0.1;
  std::vector<float> stepped(model.parameters(), model.parameters() + model.num_parameters());
  std::vector<float> gradients(model.gradients(), model.gradients() + model.num_parameters());
  AdamW<float>(config, model.layout()).step(stepped.data(), gradients.data());
  ASSERT_LT(stepped[p.offset], 0.0f);
  ASSERT_LT(stepped[r.offset + 1], 0.0f);
  AdamW<float> optimizer(config, model.layout());
  model.apply_update(optimizer);
  EXPECT_FLOAT_EQ(model.parameters()[p.offset], 0.01f);
  EXPECT_FLOAT_EQ(model.parameters()[r.offset + 1], 0.01f);
  // Every other parameter is exactly where the plain step put it.
  for (size_t e = 0; e < stepped.size(); ++e)
    if (e != p.offset && e != r.offset + 1) EXPECT_EQ(model.parameters()[e], stepped[e]) << e;
}

// A step whose gradient norm is not finite changes nothing: the optimizer
// refuses it and apply_update does not project either (the trainer stops there).
TEST(KerpleLog, ApplyUpdateWithANonFiniteGradientChangesNothing) {
  Transformer<float> model(tiny_config(), make_encoding<float>("kerple_log"), 3);
  const ParamTensor& p = model.layout().find("encoding.kerple.p");
  model.parameters()[p.offset] = -0.5f;  // below the floor: a projection would show
  const std::vector<float> before(model.parameters(), model.parameters() + model.num_parameters());
  model.zero_grad();
  model.gradients()[p.offset + 1] = std::numeric_limits<float>::quiet_NaN();
  AdamW<float> optimizer(OptimizerConfig{}, model.layout());
  EXPECT_TRUE(std::isnan(model.apply_update(optimizer)));
  EXPECT_EQ(std::vector<float>(model.parameters(), model.parameters() + model.num_parameters()), before);
}

// The reference clamps before its first forward pass: a model whose init draw
// falls below the floor starts clamped.
TEST(KerplePower, ConstraintsHoldFromInit) {
  const ModelConfig config = tiny_config();
  for (uint64_t seed = 0; seed < 2000; ++seed) {
    Transformer<float> model(config, make_encoding<float>("kerple_power"), seed);
    ParamLayout raw_layout = model.layout();
    std::vector<float> raw(raw_layout.total_size());
    Rng rng(seed, "init");
    raw_layout.initialize(raw.data(), rng);
    const ParamTensor& p = raw_layout.find("encoding.kerple.p");
    const ParamTensor& r = raw_layout.find("encoding.kerple.r");
    for (size_t a = 0; a < 2; ++a) {
      if (raw[p.offset + a] >= 0.01f && raw[r.offset + a] >= 0.01f) continue;
      EXPECT_FLOAT_EQ(model.parameters()[p.offset + a], std::max(raw[p.offset + a], 0.01f)) << "seed " << seed;
      EXPECT_FLOAT_EQ(model.parameters()[r.offset + a], std::max(raw[r.offset + a], 0.01f)) << "seed " << seed;
      return;
    }
  }
  FAIL() << "no seed drew a value below the floor";
}
