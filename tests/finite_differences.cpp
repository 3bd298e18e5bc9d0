#include "tests/finite_differences.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/rng.hpp"

namespace pebench::testing {

namespace {

// Steps: 1e-4 first (round-off ~1e-11 for an O(1) loss, truncation
// h⁴·L⁽⁵⁾/30 ~ 1e-18), then smaller ones where the loss has a kink nearby.
constexpr double kSteps[] = {1e-4, 1e-5, 1e-6};
// Kinks. ReLU-type MLPs (FIRE, DAPE) make the loss piecewise smooth, with
// kinks as close as ~1e-6 to the point along a sensitive parameter, and a
// stencil that straddles one measures neither side's slope. Richardson's
// check tells: on a smooth stretch the estimates with steps h and 2h agree to
// their round-off (~1e-11·|L| at h = 1e-4), while a kink inside the wider
// stencil moves them apart by about the jump in slope. An estimate is kept
// when the two agree within kConsistent·max(1, |L|) (~20× the round-off).
// Central stencils are tried with every step (smaller steps meet fewer kinks
// but more round-off); if each of them holds a kink, that kink lies on one
// side of the point and the one-sided stencils on the other side measure the
// slope there, which is the derivative (the point itself is never exactly on
// a kink). If nothing agrees, the most consistent estimate is kept.
constexpr double kConsistent = 2e-10;

struct Estimate {
  double derivative = 0.0;          // the estimate with step h
  double inconsistency = INFINITY;  // |estimate(h) − estimate(2h)|
};

using LossAt = std::function<double(double)>;

// Fourth-order central difference from L(s)−L(−s) and L(2s)−L(−2s).
// Differences first: a loss that does not depend on x gives exactly 0
// (summing −L(2s) + 8·L(s) − ... would leave an ulp of the loss).
double central(double near, double far, double s) { return (8 * near - far) / (12 * s); }

// Fourth-order one-sided difference from g_k = L(k·s) − L(0), k = 1..4; s < 0
// looks to the left.
double one_sided(double g1, double g2, double g3, double g4, double s) {
  return (48 * g1 - 36 * g2 + 16 * g3 - 3 * g4) / (12 * s);
}

Estimate central_estimate(const LossAt& loss_at, double h) {
  const double d1 = loss_at(h) - loss_at(-h), d2 = loss_at(2 * h) - loss_at(-2 * h),
               d4 = loss_at(4 * h) - loss_at(-4 * h);
  const double at_h = central(d1, d2, h);
  return {at_h, std::abs(at_h - central(d2, d4, 2 * h))};
}

Estimate one_sided_estimate(const LossAt& loss_at, double center, double s) {
  double g[9] = {0.0};
  for (const int k : {1, 2, 3, 4, 6, 8}) g[k] = loss_at(k * s) - center;
  const double at_s = one_sided(g[1], g[2], g[3], g[4], s);
  return {at_s, std::abs(at_s - one_sided(g[2], g[4], g[6], g[8], 2 * s))};
}

// The derivative of loss_at at 0, where the loss is `center`.
double derivative_at(const LossAt& loss_at, double center) {
  const double consistent = kConsistent * std::max(1.0, std::abs(center));
  Estimate best;
  auto try_estimate = [&](const Estimate& next) {
    if (next.inconsistency < best.inconsistency) best = next;
    return best.inconsistency <= consistent;
  };
  for (const double h : kSteps)
    if (try_estimate(central_estimate(loss_at, h))) return best.derivative;
  for (const double h : kSteps)
    for (const double side : {-1.0, 1.0})
      if (try_estimate(one_sided_estimate(loss_at, center, side * h))) return best.derivative;
  return best.derivative;
}

double norm2(const std::vector<double>& x) {
  double sum = 0;
  for (double v : x) sum += v * v;
  return std::sqrt(sum);
}

// The rule of the header, from paired analytic and numeric values; `scale`
// turns sums over directions into estimates of the tensor's norms.
GradientError compare(const std::string& name, const std::vector<double>& analytic, const std::vector<double>& numeric,
                      double scale, const char* unit) {
  GradientError error;
  error.name = name;
  error.checked = analytic.size();
  std::vector<double> difference(analytic.size());
  size_t worst = 0;
  for (size_t i = 0; i < analytic.size(); ++i) {
    difference[i] = analytic[i] - numeric[i];
    if (std::abs(difference[i]) > std::abs(difference[worst])) worst = i;
  }
  error.analytic_norm = scale * norm2(analytic);
  error.numeric_norm = scale * norm2(numeric);
  error.relative_error =
      scale * norm2(difference) / std::max({error.analytic_norm, error.numeric_norm, kGradientNormFloor});
  if (!analytic.empty()) {
    std::ostringstream text;
    text.precision(12);
    text << unit << " " << worst << ": analytic " << analytic[worst] << ", numeric " << numeric[worst];
    error.worst = text.str();
  }
  return error;
}

GradientError entrywise_error(const std::string& name, double* values, const double* analytic, size_t size,
                              const std::function<double()>& loss) {
  const double center = loss();
  std::vector<double> numeric(size);
  for (size_t i = 0; i < size; ++i) {
    const double original = values[i];
    numeric[i] = derivative_at(
        [&](double offset) {
          values[i] = original + offset;
          const double value = loss();
          values[i] = original;
          return value;
        },
        center);
  }
  return compare(name, std::vector<double>(analytic, analytic + size), numeric, 1.0, "entry");
}

GradientError directional_error(const std::string& name, double* values, const double* analytic, size_t size,
                                const std::function<double()>& loss) {
  const std::vector<double> original(values, values + size);
  const double center = loss();
  Rng rng(size, "gradient-directions:" + name);
  std::vector<double> along_analytic(kDirections), along_numeric(kDirections), direction(size);
  for (int d = 0; d < kDirections; ++d) {
    for (double& v : direction) v = rng.normal();
    double dot = 0;
    for (size_t i = 0; i < size; ++i) dot += analytic[i] * direction[i];
    along_analytic[d] = dot;
    along_numeric[d] = derivative_at(
        [&](double offset) {
          for (size_t i = 0; i < size; ++i) values[i] = original[i] + offset * direction[i];
          const double value = loss();
          std::copy(original.begin(), original.end(), values);
          return value;
        },
        center);
  }
  return compare(name, along_analytic, along_numeric, 1.0 / std::sqrt(double(kDirections)), "direction");
}

}  // namespace

double numeric_derivative(const LossAt& loss_at) {
  return derivative_at(loss_at, loss_at(0.0));
}

GradientError gradient_error(const std::string& name, double* values, const double* analytic, size_t size,
                             const std::function<double()>& loss) {
  return size <= kEntrywiseLimit ? entrywise_error(name, values, analytic, size, loss)
                                 : directional_error(name, values, analytic, size, loss);
}

GradientError gradient_error(const std::string& name, std::vector<double>& values,
                             const std::vector<double>& analytic, const std::function<double()>& loss) {
  EXPECT_EQ(values.size(), analytic.size()) << name;
  return gradient_error(name, values.data(), analytic.data(), std::min(values.size(), analytic.size()), loss);
}

void expect_gradient_matches(const GradientError& error, double tolerance, const std::string& context) {
  EXPECT_GT(error.checked, 0u) << context << error.name << ": nothing was compared";
  EXPECT_LT(error.relative_error, tolerance)
      << context << (context.empty() ? "" : ": ") << "tensor " << error.name << " (analytic norm "
      << error.analytic_norm << ", numeric norm " << error.numeric_norm << "; worst " << error.worst << ")";
}

void expect_gradients_match(const std::vector<GradientError>& errors, double tolerance, const std::string& context) {
  EXPECT_FALSE(errors.empty()) << context << ": no tensor was compared";
  for (const GradientError& error : errors) expect_gradient_matches(error, tolerance, context);
}

double weighted_sum(const std::vector<double>& w, const std::vector<double>& y) {
  double sum = 0;
  for (size_t i = 0; i < std::min(w.size(), y.size()); ++i) sum += w[i] * y[i];
  return sum;
}

}  // namespace pebench::testing
