// xpos: decay with distance, relative invariance, hook gradients, causal-only.
#include <gtest/gtest.h>

#include <cmath>

#include "common/errors.hpp"
#include "encoding_hook_check.hpp"
#include "models/position_math.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

// q·k score between the query at position m and the key at position n after
// the q/k hook, for one head of dimension d_h (T positions in the pass).
double transformed_score(const std::string& name, const json& options, int d_head, int T, int m, int n,
                         const std::vector<double>& q_vec, const std::vector<double>& k_vec) {
  HookFixture f = make_hook_fixture(name, options, small_config(d_head, 1, 1), 1, T, true);
  std::vector<double> q(f.qk_size(), 0.0), k(f.qk_size(), 0.0);
  for (int c = 0; c < d_head; ++c) {
    q[m * d_head + c] = q_vec[c];
    k[n * d_head + c] = k_vec[c];
  }
  f.encoding->begin_forward(f.ctx);
  f.encoding->qk_forward(q.data(), k.data(), 0, f.ctx);
  double dot = 0;
  for (int c = 0; c < d_head; ++c) dot += q[m * d_head + c] * k[n * d_head + c];
  return dot;
}

double rope_score(int d_head, int m, int n, std::vector<double> q, std::vector<double> k) {
  const double pm = m, pn = n;
  rope_apply(q.data(), &pm, false, 1, 1, 1, d_head, +1);
  rope_apply(k.data(), &pn, false, 1, 1, 1, d_head, +1);
  double dot = 0;
  for (int c = 0; c < d_head; ++c) dot += q[c] * k[c];
  return dot;
}

}  // namespace

TEST(XPos, ScoreIsRopeScoreDampedByZetaToTheDistanceOverScaleBase) {
  // One pair (d_h = 2): ζ = 0.4·2 / (1.4·2) = 2/7, so score = rope score · (2/7)^{(m−n)/γ}.
  const std::vector<double> q = {0.7, -0.3}, k = {0.2, 0.9};
  const double gamma = 8.0, zeta = 2.0 / 7.0;
  for (int m = 0; m < 12; ++m)
    for (int n = 0; n <= m; ++n)
      EXPECT_NEAR(transformed_score("xpos", json{{"scale_base", gamma}}, 2, 12, m, n, q, k),
                  rope_score(2, m, n, q, k) * std::pow(zeta, (m - n) / gamma), 1e-12)
          << m << " " << n;
}

TEST(XPos, ScoresDecayWithDistance) {
  // q = k in the slowest pair (θ_1 = base^(−1/2) = 1e−6: no rotation to speak
  // of), so RoPE alone would keep the score at 1; xPos must shrink it strictly
  // as the key moves into the past.
  const json options = {{"scale_base", 16.0}, {"base", 1e12}};
  const std::vector<double> x = {0.0, 0.0, 1.0, 0.0};
  double previous = transformed_score("xpos", options, 4, 64, 50, 50, x, x);
  EXPECT_NEAR(previous, 1.0, 1e-12);
  for (int distance = 1; distance <= 50; ++distance) {
    const double score = transformed_score("xpos", options, 4, 64, 50, 50 - distance, x, x);
    EXPECT_LT(score, previous) << distance;
    EXPECT_GT(score, 0.0) << distance;
    previous = score;
  }
  EXPECT_LT(previous, 0.3);  // ζ_1^{50/16} = (3.6/5.6)^3.125 ≈ 0.25
}

TEST(XPos, ScoreDependsOnlyOnTheDistance) {
  const std::vector<double> q = {0.3, 1.1, -0.4, 0.8}, k = {-0.6, 0.2, 0.5, 0.9};
  const double a = transformed_score("xpos", json(), 4, 50, 10, 7, q, k);
  const double b = transformed_score("xpos", json(), 4, 50, 45, 42, q, k);
  EXPECT_NEAR(a, b, 1e-12);
}

TEST(XPos, QkHookGradientsMatchFiniteDifferences) {
  HookFixture f = make_hook_fixture("xpos", json{{"scale_base", 3.0}}, small_config(8, 2, 2), 2, 7, true);
  check_qk_hook(f, 1);
}

TEST(XPos, IsCausalOnly) {
  EXPECT_FALSE(make_encoding<float>("xpos")->supports_bidirectional());
}

TEST(XPos, ReportsAndValidatesItsOptions) {
  EXPECT_EQ(make_encoding<float>("xpos")->options(), (json{{"scale_base", 512.0}, {"base", 10000.0}}));
  EXPECT_EQ(make_encoding<float>("xpos", json{{"scale_base", 64}})->options()["scale_base"], 64.0);
  EXPECT_THROW(make_encoding<float>("xpos", json{{"scale_base", 0}}), UsageError);
  EXPECT_THROW(make_encoding<float>("xpos", json{{"base", -1}}), UsageError);
  EXPECT_THROW(make_encoding<float>("xpos", json{{"gamma", 512}}), UsageError);
}

TEST(XPos, OddHeadDimensionIsAUsageError) {
  EXPECT_THROW(make_hook_fixture("xpos", json(), small_config(6, 2, 1), 1, 3, true), UsageError);
}
