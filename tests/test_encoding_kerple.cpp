// kerple_log and kerple_power: bias values against the closed forms, the
// symmetric bidirectional form, the clamps of project_parameters(), sharing
// across layers, and hook-level gradient checks.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "common/errors.hpp"
#include "encoding_hooks.hpp"

using namespace pebench;
using pebench::testing::HookHarness;
using pebench::testing::HookShape;

namespace {

// Raw logits zeroed, so the layer's output is the bias itself.
std::vector<double> bias_of(HookHarness& h) {
  std::fill(h.q().begin(), h.q().end(), 0.0);
  return h.logits(0);
}

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
  const std::vector<double> bias = bias_of(h);
  for (auto [i, j] : kPoints) {
    const double d = i - j;
    EXPECT_NEAR(bias[h.at(0, 0, i, j)], -1.5 * std::log(1 + 0.8 * d), 1e-12) << i << "," << j;
    EXPECT_NEAR(bias[h.at(0, 1, i, j)], -0.3 * std::log(1 + 2.0 * d), 1e-12) << i << "," << j;
  }
}

TEST(KerplePower, BiasIsMinusRDToThePowerP) {
  HookHarness h("kerple_power", nullptr, HookShape{1, 2, 4, 1, 12}, true);
  set_heads(h, {1.5, 0.25}, {0.8, 2.0});
  const std::vector<double> bias = bias_of(h);
  for (auto [i, j] : kPoints) {
    const double d = i - j;
    EXPECT_NEAR(bias[h.at(0, 0, i, j)], -0.8 * std::pow(d, 1.5), 1e-12) << i << "," << j;
    EXPECT_NEAR(bias[h.at(0, 1, i, j)], -2.0 * std::pow(d, 0.25), 1e-12) << i << "," << j;
  }
}

TEST(KerpleLog, BidirectionalBiasUsesTheAbsoluteDistance) {
  HookHarness h("kerple_log", nullptr, HookShape{1, 1, 4, 1, 9}, false);
  set_heads(h, {1.1}, {0.6});
  const std::vector<double> bias = bias_of(h);
  for (int i = 0; i < 9; ++i)
    for (int j = 0; j < 9; ++j)
      EXPECT_NEAR(bias[h.at(0, 0, i, j)], -1.1 * std::log(1 + 0.6 * std::abs(i - j)), 1e-12) << i << "," << j;
}

TEST(KerpleLog, ProjectionClampsPAndRToTheFloorAfterAStep) {
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
  HookHarness h("kerple_log", nullptr, HookShape{1, 2, 4, 3, 5}, true);
  EXPECT_EQ(h.layout().total_size(), 4u);
  EXPECT_EQ(h.logits(0), h.logits(2));
}

TEST(Kerple, TakesNoOptions) {
  EXPECT_THROW(make_encoding<float>("kerple_log", json{{"eps", 0.1}}), UsageError);
  EXPECT_EQ(make_encoding<float>("kerple_power")->options(), json::object());
}

class KerpleGradients : public ::testing::TestWithParam<std::tuple<const char*, bool>> {};

TEST_P(KerpleGradients, MatchFiniteDifferences) {
  const auto [name, causal] = GetParam();
  HookHarness h(name, nullptr, HookShape{2, 3, 4, 2, 7}, causal);
  const auto result = h.check_gradients();
  EXPECT_LE(result.worst_ratio, 1.0) << result.worst;
}

INSTANTIATE_TEST_SUITE_P(BothKernelsBothModes, KerpleGradients,
                         ::testing::Combine(::testing::Values("kerple_log", "kerple_power"), ::testing::Bool()));
