// mep and mep_param: the bias against the closed-form log-mean of kernels,
// stability where the kernels underflow, the clamps, and gradient checks.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "common/errors.hpp"
#include "encoding_hooks.hpp"
#include "models/encodings/support/log_mean_exp.hpp"
#include "models/encodings/support/t5_table.hpp"
#include "models/encodings/support/position_math.hpp"

using namespace pebench;
using pebench::testing::HookHarness;
using pebench::testing::HookShape;

namespace {


}  // namespace

TEST(Mep, BiasIsTheLogMeanOfTheThreeKernels) {
  HookHarness h("mep", nullptr, HookShape{1, 4, 4, 1, 30}, true);
  const std::vector<double> bias = h.bias();
  const std::vector<double> slopes = alibi_slopes(4);  // 0.25, 0.0625, 0.015625, 0.00390625
  for (int a = 0; a < 4; ++a)
    for (int d : {0, 1, 2, 5, 29}) {
      const double m = slopes[a];
      const double expected = std::log((std::exp(-m * d) + std::exp(-0.5 * m * d) + std::exp(-m * d * d)) / 3);
      EXPECT_NEAR(bias[h.at(0, a, 29, 29 - d)], expected, 1e-12) << "head " << a << " d " << d;
    }
  EXPECT_EQ(bias[h.at(0, 0, 10, 10)], 0.0);
}

TEST(Mep, SymmetricBidirectionalBiasIsSymmetric) {
  HookHarness h("mep", json{{"bidirectional", "symmetric"}}, HookShape{1, 2, 4, 1, 8}, false);
  const std::vector<double> bias = h.bias();
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j) EXPECT_EQ(bias[h.at(0, 1, i, j)], bias[h.at(0, 1, j, i)]);
  EXPECT_LT(bias[h.at(0, 1, 0, 7)], bias[h.at(0, 1, 0, 1)]);
}

// Directional (default): every kernel sees a left key at |i − j| − ½, as
// bidirectional ALiBi's +½·m on the lower triangle.
TEST(Mep, DirectionalBidirectionalBiasSeesLeftKeysHalfAStepCloser) {
  HookHarness h("mep", nullptr, HookShape{1, 2, 4, 1, 8}, false);
  const std::vector<double> bias = h.bias();
  const double m = alibi_slopes(2)[1];
  const auto mep = [m](double d) {
    return std::log((std::exp(-m * d) + std::exp(-0.5 * m * d) + std::exp(-m * d * d)) / 3);
  };
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j) {
      const double d = std::abs(i - j) - (j < i ? 0.5 : 0.0);
      EXPECT_NEAR(bias[h.at(0, 1, i, j)], mep(d), 1e-12) << i << "," << j;
    }
  EXPECT_GT(bias[h.at(0, 1, 5, 2)], bias[h.at(0, 1, 2, 5)]);  // left and right differ
  EXPECT_EQ(bias[h.at(0, 1, 3, 3)], 0.0);
}

TEST(Mep, CausalBiasIsTheSameInBothForms) {
  HookHarness directional("mep", nullptr, HookShape{1, 2, 4, 1, 8}, true);
  HookHarness symmetric("mep", json{{"bidirectional", "symmetric"}}, HookShape{1, 2, 4, 1, 8}, true);
  EXPECT_EQ(directional.bias(), symmetric.bias());
}

TEST(Mep, LogMeanExpStaysFiniteWhereEveryKernelUnderflows) {
  // m = 0.5, d = 3000: exp(−1500), exp(−750), exp(−4.5e6) are all 0 in double.
  const double value = log_mean_exp(std::array<double, 3>{-1500.0, -750.0, -4.5e6});
  EXPECT_NEAR(value, -750.0 - std::log(3.0), 1e-9);
  std::array<double, 3> weights;
  log_mean_exp(std::array<double, 3>{-1500.0, -750.0, -4.5e6}, &weights);
  EXPECT_DOUBLE_EQ(weights[1], 1.0);
  EXPECT_EQ(weights[2], 0.0);
}

TEST(Mep, HasNoParametersAndOnlyTheBidirectionalFormOption) {
  HookHarness h("mep", nullptr, HookShape{1, 2, 4, 2, 4}, true);
  EXPECT_EQ(h.layout().total_size(), 0u);
  EXPECT_THROW(make_encoding<float>("mep", json{{"kernels", 3}}), UsageError);
  EXPECT_EQ(make_encoding<float>("mep")->options(), (json{{"bidirectional", "directional"}}));
}

TEST(MepParam, BiasIsTheLogMeanOfGaussExpT5AndKerpleKernels) {
  HookHarness h("mep_param", nullptr, HookShape{1, 2, 4, 1, 40}, true);
  h.param("encoding.mep.p", 0) = 1.3;
  h.param("encoding.mep.r", 0) = 0.4;
  const std::vector<double> bias = h.bias();
  const double m = alibi_slopes(2)[0];
  for (int d : {0, 1, 3, 17, 39}) {
    const double w = h.param("encoding.mep.t5", t5_bucket(-d, false, 32, 128) * 2 + 0);
    const double expected = std::log((std::exp(-m * d * d) + std::exp(-m * d) + std::exp(2.0 * w) +
                                      std::pow(1 + 0.4 * d, -1.3)) / 4);
    EXPECT_NEAR(bias[h.at(0, 0, 39, 39 - d)], expected, 1e-12) << "d " << d;
  }
}

TEST(MepParam, ProjectionClampsTheKerpleParameters) {
  HookHarness h("mep_param", nullptr, HookShape{1, 2, 4, 1, 4}, true);
  h.param("encoding.mep.p", 1) = -0.5;
  h.param("encoding.mep.r", 0) = 0.001;
  h.param("encoding.mep.t5", 3) = -7.0;  // the T5 table is unconstrained
  h.encoding().project_parameters();
  EXPECT_DOUBLE_EQ(h.param("encoding.mep.p", 1), 0.01);
  EXPECT_DOUBLE_EQ(h.param("encoding.mep.r", 0), 0.01);
  EXPECT_DOUBLE_EQ(h.param("encoding.mep.t5", 3), -7.0);
}

TEST(MepParam, OptionsConfigureTheT5KernelAndTheBidirectionalForm) {
  EXPECT_EQ(make_encoding<float>("mep_param")->options(),
            (json{{"num_buckets", 32}, {"max_distance", 128}, {"bidirectional", "directional"}}));
  EXPECT_THROW(make_encoding<float>("mep_param", json{{"num_buckets", 7}}), UsageError);
  EXPECT_THROW(make_encoding<float>("mep_param", json{{"bidirectional", "both"}}), UsageError);
}

// Directional: T5's two-sided buckets and separate KERPLE parameters for keys
// on the right; the Gaussian and exponential kernels stay on |i − j|.
TEST(MepParam, DirectionalBidirectionalBiasUsesRightHandKernelsForKeysOnTheRight) {
  HookHarness h("mep_param", nullptr, HookShape{1, 2, 4, 1, 12}, false);
  h.param("encoding.mep.p", 0) = 1.3;
  h.param("encoding.mep.r", 0) = 0.4;
  h.param("encoding.mep.p_right", 0) = 0.7;
  h.param("encoding.mep.r_right", 0) = 1.1;
  const std::vector<double> bias = h.bias();
  const double m = alibi_slopes(2)[0];
  for (auto [i, j] : std::vector<std::pair<int, int>>{{9, 2}, {2, 9}, {5, 5}, {0, 11}}) {
    const double d = std::abs(i - j);
    const bool right = j > i;
    const double w = h.param("encoding.mep.t5", t5_bucket(j - i, true, 32, 128) * 2 + 0);
    const double kerple = right ? std::pow(1 + 1.1 * d, -0.7) : std::pow(1 + 0.4 * d, -1.3);
    const double expected = std::log((std::exp(-m * d * d) + std::exp(-m * d) + std::exp(2.0 * w) + kerple) / 4);
    EXPECT_NEAR(bias[h.at(0, 0, i, j)], expected, 1e-12) << i << "," << j;
  }
}

TEST(MepParam, SymmetricBidirectionalBiasIsSymmetric) {
  HookHarness h("mep_param", json{{"bidirectional", "symmetric"}}, HookShape{1, 2, 4, 1, 9}, false);
  EXPECT_THROW(h.layout().find("encoding.mep.p_right"), std::exception);
  const std::vector<double> bias = h.bias();
  for (int i = 0; i < 9; ++i)
    for (int j = 0; j < 9; ++j) EXPECT_EQ(bias[h.at(0, 1, i, j)], bias[h.at(0, 1, j, i)]);
}

class MepGradients : public ::testing::TestWithParam<std::tuple<const char*, bool>> {};

TEST_P(MepGradients, MatchFiniteDifferences) {
  const auto [name, causal] = GetParam();
  const json options = std::string(name) == "mep_param" ? json{{"num_buckets", 8}, {"max_distance", 16}} : json();
  HookHarness h(name, options, HookShape{2, 2, 4, 2, 20}, causal);
  h.check_gradients();
}

INSTANTIATE_TEST_SUITE_P(BothVariantsBothModes, MepGradients,
                         ::testing::Combine(::testing::Values("mep", "mep_param"), ::testing::Bool()));

TEST(MepGradients, SymmetricBidirectionalFormMatchesFiniteDifferences) {
  HookHarness h("mep_param", json{{"num_buckets", 8}, {"max_distance", 16}, {"bidirectional", "symmetric"}},
                HookShape{2, 2, 4, 2, 20}, false);
  h.check_gradients();
}
