// The finite-difference checker itself (tests/finite_differences.hpp): right
// where the gradient is right, wrong where it is wrong, near kinks too.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "common/rng.hpp"
#include "tests/finite_differences.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

std::vector<double> random_values(size_t n, uint64_t seed) {
  Rng rng(seed, "finite-differences-test");
  std::vector<double> values(n);
  for (double& v : values) v = rng.normal();
  return values;
}

// L(x) = Σ_i w_i·sin(x_i) + (Σ_i x_i)²/2 and its gradient.
double smooth_loss(const std::vector<double>& w, const std::vector<double>& x) {
  double sines = 0, sum = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sines += w[i] * std::sin(x[i]);
    sum += x[i];
  }
  return sines + 0.5 * sum * sum;
}
std::vector<double> smooth_gradient(const std::vector<double>& w, const std::vector<double>& x) {
  double sum = 0;
  for (double v : x) sum += v;
  std::vector<double> g(x.size());
  for (size_t i = 0; i < x.size(); ++i) g[i] = w[i] * std::cos(x[i]) + sum;
  return g;
}

TEST(NumericDerivative, MatchesTheDerivativeOfASmoothFunction) {
  const double derivative = numeric_derivative([](double t) { return std::exp(0.3 + t) * std::sin(2 * (0.3 + t)); });
  const double exact = std::exp(0.3) * (std::sin(0.6) + 2 * std::cos(0.6));
  EXPECT_NEAR(derivative, exact, 1e-11);
}

// ReLU-type kinks 3e-6 and 2e-7 from the point, on either side: inside every
// central stencil, so the slope comes from the side without the kink.
TEST(NumericDerivative, FindsTheSlopeAtAPointNextToAKink) {
  for (const double kink : {3e-6, -3e-6, 2e-7, -2e-7}) {
    SCOPED_TRACE(kink);
    auto loss_at = [&](double t) { return std::sin(1.0 + t) + 0.7 * std::max(0.0, t - kink); };
    const double slope_at_0 = std::cos(1.0) + (kink < 0 ? 0.7 : 0.0);
    EXPECT_NEAR(numeric_derivative(loss_at), slope_at_0, 1e-9);
  }
}

TEST(NumericDerivative, IsExactlyZeroWhereTheLossDoesNotDependOnTheValue) {
  EXPECT_EQ(numeric_derivative([](double) { return 1.2345678901234; }), 0.0);
}

TEST(GradientError, IsRoundOffForTheRightGradient) {
  const std::vector<double> w = random_values(kEntrywiseLimit, 1);
  std::vector<double> x = random_values(kEntrywiseLimit, 2);
  const GradientError error = gradient_error("x", x, smooth_gradient(w, x), [&] { return smooth_loss(w, x); });
  EXPECT_EQ(error.checked, kEntrywiseLimit);
  EXPECT_LT(error.relative_error, 1e-10);
  EXPECT_GT(error.analytic_norm, 1.0);
  EXPECT_NEAR(error.numeric_norm, error.analytic_norm, 1e-9);
}

TEST(GradientError, LeavesTheValuesAsTheyWere) {
  const std::vector<double> w = random_values(20, 1);
  std::vector<double> x = random_values(20, 2), big = random_values(2000, 3);
  const std::vector<double> x_before = x, big_before = big;
  gradient_error("x", x, smooth_gradient(w, x), [&] { return smooth_loss(w, x); });
  gradient_error("big", big, std::vector<double>(big.size(), 0.0), [&] { return big[7] * big[9]; });
  EXPECT_EQ(x, x_before);
  EXPECT_EQ(big, big_before);
}

// One entry off by 1e-6 of the gradient's norm fails the strictest tolerance
// a hundredfold.
TEST(GradientError, CatchesOneSlightlyWrongEntry) {
  const std::vector<double> w = random_values(kEntrywiseLimit, 1);
  std::vector<double> x = random_values(kEntrywiseLimit, 2);
  std::vector<double> wrong = smooth_gradient(w, x);
  double norm = 0;
  for (double g : wrong) norm += g * g;
  wrong[17] += 1e-6 * std::sqrt(norm);
  const GradientError error = gradient_error("x", x, wrong, [&] { return smooth_loss(w, x); });
  EXPECT_GT(error.relative_error, 50 * kLayerTolerance);
  EXPECT_NE(error.worst.find("entry 17"), std::string::npos) << error.worst;
}

// Above kEntrywiseLimit entries the check goes along random directions; one
// wrong entry among 5000 still fails it.
TEST(GradientError, CatchesOneWrongEntryInATensorCheckedAlongDirections) {
  const size_t n = 5000;
  ASSERT_GT(n, kEntrywiseLimit);
  const std::vector<double> w = random_values(n, 1);
  std::vector<double> x = random_values(n, 2);
  const std::vector<double> right = smooth_gradient(w, x);
  auto loss = [&] { return smooth_loss(w, x); };
  const GradientError passing = gradient_error("x", x, right, loss);
  EXPECT_EQ(passing.checked, static_cast<size_t>(kDirections));
  EXPECT_LT(passing.relative_error, kLayerTolerance);
  std::vector<double> wrong = right;
  wrong[4321] += 1e-4 * passing.analytic_norm;
  EXPECT_GT(gradient_error("x", x, wrong, loss).relative_error, 10 * kModelTolerance);
}

// A tensor whose true gradient is 0 compares against the floor: a stray
// gradient of 1e-8 fails, round-off does not.
TEST(GradientError, MeasuresAZeroGradientAgainstTheFloor) {
  std::vector<double> unused = random_values(10, 1);
  const std::vector<double> zero(10, 0.0);
  auto loss = [] { return 0.75; };
  EXPECT_EQ(gradient_error("unused", unused, zero, loss).relative_error, 0.0);
  std::vector<double> stray = zero;
  stray[3] = 1e-8;
  EXPECT_NEAR(gradient_error("unused", unused, stray, loss).relative_error, 1e-8 / kGradientNormFloor, 1e-15);
}

}  // namespace
