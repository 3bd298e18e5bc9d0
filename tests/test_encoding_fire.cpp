// fire: the bias at hand-computed points (a row past the threshold, a
// thresholded row, a future key under bidirectional attention), per-layer
// parameters, options and gradient checks on both sides of the threshold.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "encoding_hooks.hpp"
#include "small_fire.hpp"

using namespace pebench;
using pebench::testing::HookHarness;
using pebench::testing::HookShape;

namespace {

// The MLP of small_fire.hpp with L0 = 4 and L multiplier 1.
HookHarness small_fire(bool causal) {
  HookHarness h("fire", json{{"mlp_width", 2}, {"L0", 4}}, HookShape{1, 1, 4, 1, 8}, causal);
  pebench::testing::set_small_fire_parameters(h, "encoding.fire.layer0.");
  h.param("encoding.fire.layer0.L_multiplier") = 1.0;
  return h;
}

double mlp(double x) { return 0.7 * std::max(0.0, x + 0.1) - 0.4 * std::max(0.0, -2.0 * x + 0.3) + 0.05; }

}  // namespace

TEST(Fire, BiasPastTheThresholdIsNormalisedByTheQueryPosition) {
  HookHarness h = small_fire(true);
  // (i, j) = (6, 2): d = 4, N = max(6, L = 4) = 6, x = ψ(4)/(ψ(6) + eps) = log 3 / (log 4 + 1e-6).
  const double x = std::log(3.0) / (std::log(4.0) + 1e-6);
  EXPECT_NEAR(x, 0.792481, 1e-6);
  EXPECT_NEAR(h.logits(0)[h.at(0, 0, 6, 2)], mlp(x), 1e-12);
  EXPECT_NEAR(mlp(x), 0.674737, 1e-6);  // 0.7·(0.792481 + 0.1) + 0.05, second unit off
}

TEST(Fire, BiasBelowTheThresholdIsNormalisedByL) {
  HookHarness h = small_fire(true);
  // (i, j) = (2, 1): d = 1, N = max(2, 4) = 4, x = log 1.5 / (log 3 + 1e-6) = 0.369070.
  const double x = std::log(1.5) / (std::log(3.0) + 1e-6);
  EXPECT_NEAR(h.logits(0)[h.at(0, 0, 2, 1)], mlp(x), 1e-12);
  EXPECT_NEAR(mlp(x), 0.378349, 1e-6);
}

TEST(Fire, LearnableMultiplierMovesTheThreshold) {
  HookHarness h = small_fire(true);
  h.param("encoding.fire.layer0.L_multiplier") = 2.0;  // L = 8: row 6 is now thresholded
  const double x = std::log(3.0) / (std::log(5.0) + 1e-6);
  EXPECT_NEAR(h.logits(0)[h.at(0, 0, 6, 2)], mlp(x), 1e-12);
}

TEST(Fire, BidirectionalFutureKeysGetANegativeInput) {
  HookHarness h = small_fire(false);
  // (i, j) = (1, 5): d = −4; row reach max(1, 8−1−1) = 6 > L, x = −log 3 / (log 4 + 1e-6).
  const double x = -std::log(3.0) / (std::log(4.0) + 1e-6);
  const std::vector<double> bias = h.logits(0);
  EXPECT_NEAR(bias[h.at(0, 0, 1, 5)], mlp(x), 1e-12);
  EXPECT_NEAR(mlp(x), -0.703985, 1e-6);
  // The past key at the same distance keeps the causal value (row 5 reach = 5 > L).
  EXPECT_NEAR(bias[h.at(0, 0, 5, 1)], mlp(std::log(3.0) / (std::log(3.5) + 1e-6)), 1e-12);
}

TEST(Fire, EveryLayerHasItsOwnParameters) {
  HookHarness h("fire", nullptr, HookShape{1, 2, 4, 3, 6}, true);
  const int per_layer = 2 + 32 + 32 + 2 * 32 + 2;  // c, ℓ, w1, b1, w2, b2
  EXPECT_EQ(h.layout().total_size(), 3u * per_layer);
  EXPECT_EQ(h.layout().find("encoding.fire.layer2.w1").shape, (std::vector<int>{32, 1}));
  EXPECT_DOUBLE_EQ(h.param("encoding.fire.layer1.c"), 0.1);
  EXPECT_DOUBLE_EQ(h.param("encoding.fire.layer1.L_multiplier"), 1.0);
  EXPECT_NE(h.logits(0), h.logits(1));
}

TEST(Fire, OptionsDefaultToTheReferenceAndAreValidated) {
  EXPECT_EQ(make_encoding<float>("fire")->options(),
            (json{{"mlp_width", 32}, {"L0", 64.0}, {"init_c", 0.1}, {"eps", 1e-6}}));
  try {
    make_encoding<float>("fire", json{{"L0", 0}});
    FAIL() << "L0 = 0 accepted";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "encoding 'fire': options.L0: must be a number in (0, 1000000000], got 0");
  }
  EXPECT_THROW(make_encoding<float>("fire", json{{"mlp_width", 0}}), UsageError);
  EXPECT_THROW(make_encoding<float>("fire", json{{"init_c", -1}}), UsageError);
  EXPECT_THROW(make_encoding<float>("fire", json{{"L", 10}}), UsageError);
}

class FireGradients : public ::testing::TestWithParam<bool> {};

// L0 = 3.5 with T = 9: rows on both sides of the threshold, no row exactly at it.
TEST_P(FireGradients, MatchFiniteDifferences) {
  HookHarness h("fire", json{{"mlp_width", 5}, {"L0", 3.5}}, HookShape{2, 2, 4, 2, 9}, GetParam());
  h.check_gradients();
}

TEST_P(FireGradients, MatchFiniteDifferencesWithNegativeCAndMultiplier) {
  HookHarness h("fire", json{{"mlp_width", 5}, {"L0", 3.5}}, HookShape{1, 2, 4, 1, 9}, GetParam());
  h.param("encoding.fire.layer0.c") = -0.3;
  h.param("encoding.fire.layer0.L_multiplier") = -1.3;
  h.check_gradients();
}

INSTANTIATE_TEST_SUITE_P(CausalAndBidirectional, FireGradients, ::testing::Bool());
