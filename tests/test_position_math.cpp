// Shared position math: ALiBi slope table, sinusoid values, RoPE invariance.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "models/encodings/support/position_math.hpp"

using namespace pebench;

static void expect_slopes(int heads, const std::vector<double>& expected) {
  const auto slopes = alibi_slopes(heads);
  ASSERT_EQ(slopes.size(), expected.size()) << heads << " heads";
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(slopes[i], expected[i], 1e-6) << heads << " heads, slope " << i;
}

TEST(AlibiSlopes, MatchTheSpecTableForEveryHeadCount) {
  expect_slopes(1, {0.00390625});
  expect_slopes(2, {0.0625, 0.00390625});
  expect_slopes(3, {0.0625, 0.00390625, 0.25});
  expect_slopes(4, {0.25, 0.0625, 0.015625, 0.00390625});
  expect_slopes(6, {0.25, 0.0625, 0.015625, 0.00390625, 0.5, 0.125});
  std::vector<double> eight, twelve, sixteen;
  for (int a = 1; a <= 8; ++a) eight.push_back(std::pow(2.0, -a));
  expect_slopes(8, eight);
  twelve = eight;
  for (double e : {0.5, 1.5, 2.5, 3.5}) twelve.push_back(std::pow(2.0, -e));
  expect_slopes(12, twelve);
  for (int a = 1; a <= 16; ++a) sixteen.push_back(std::pow(2.0, -0.5 * a));
  expect_slopes(16, sixteen);
}

TEST(Sinusoid, ConcatenatesSinesThenCosines) {
  std::vector<double> row(4);
  sinusoid_row(row.data(), 3.0, 4);
  EXPECT_NEAR(row[0], std::sin(3.0), 1e-12);
  EXPECT_NEAR(row[1], std::sin(3.0 / 100.0), 1e-12);
  EXPECT_NEAR(row[2], std::cos(3.0), 1e-12);
  EXPECT_NEAR(row[3], std::cos(3.0 / 100.0), 1e-12);
}

TEST(Rope, DotProductDependsOnlyOnTheOffset) {
  const int d = 8;
  std::vector<double> q(d), k(d);
  for (int i = 0; i < d; ++i) { q[i] = std::sin(1.0 + i); k[i] = std::cos(2.0 * i); }
  auto rotated_dot = [&](double m, double n) {
    std::vector<double> qr = q, kr = k;
    rope_apply(qr.data(), &m, false, 1, 1, 1, d, +1);
    rope_apply(kr.data(), &n, false, 1, 1, 1, d, +1);
    double dot = 0;
    for (int i = 0; i < d; ++i) dot += qr[i] * kr[i];
    return dot;
  };
  EXPECT_NEAR(rotated_dot(5, 2), rotated_dot(105, 102), 1e-9);
  EXPECT_NEAR(rotated_dot(0, 7), rotated_dot(40, 47), 1e-9);
  EXPECT_GT(std::abs(rotated_dot(5, 2) - rotated_dot(5, 3)), 1e-6);
}

TEST(Rope, BackwardDirectionInvertsTheRotation) {
  const int d = 6;
  std::vector<double> x = {0.3, -1.2, 0.7, 2.0, -0.4, 0.9}, y = x;
  const double p = 17;
  rope_apply(y.data(), &p, false, 1, 1, 1, d, +1);
  rope_apply(y.data(), &p, false, 1, 1, 1, d, -1);
  for (int i = 0; i < d; ++i) EXPECT_NEAR(y[i], x[i], 1e-12);
}
