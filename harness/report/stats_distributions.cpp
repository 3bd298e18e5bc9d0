#include "harness/report/stats_distributions.hpp"

#include <cmath>
#include <limits>

namespace pebench::stats {

namespace {

constexpr double kEps = 1e-15;
constexpr int kMaxIterations = 500;

// Continued fraction of the incomplete beta (modified Lentz), NR3 §6.4.
double beta_continued_fraction(double a, double b, double x) {
  const double tiny = 1e-300;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::fabs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= kMaxIterations; ++m) {
    const int m2 = 2 * m;
    double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1.0 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double step = d * c;
    h *= step;
    if (std::fabs(step - 1.0) < kEps) break;
  }
  return h;
}

// Bisection on a monotone increasing function f over [lo, hi] for f(x) = target.
template <typename F>
double solve_increasing(F f, double target, double lo, double hi) {
  for (int i = 0; i < 200 && hi - lo > 1e-13 * std::max(1.0, std::fabs(hi)); ++i) {
    const double mid = 0.5 * (lo + hi);
    (f(mid) < target ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

double normal_quantile(double p) {
  if (p <= 0.0) return -std::numeric_limits<double>::infinity();
  if (p >= 1.0) return std::numeric_limits<double>::infinity();
  // Acklam's approximation (relative error < 1.2e-9), then one Halley step.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double low = 0.02425;
  double x;
  if (p < low) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const double e = normal_cdf(x) - p;
  const double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

double incomplete_beta(double a, double b, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double front =
      std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_continued_fraction(a, b, x) / a;
  return 1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b;
}

double incomplete_gamma(double a, double x) {
  if (x <= 0.0) return 0.0;
  const double log_front = -x + a * std::log(x) - std::lgamma(a);
  if (x < a + 1.0) {  // series
    double term = 1.0 / a, sum = term;
    for (int n = 1; n <= kMaxIterations; ++n) {
      term *= x / (a + n);
      sum += term;
      if (std::fabs(term) < std::fabs(sum) * kEps) break;
    }
    return sum * std::exp(log_front);
  }
  // Continued fraction for Q(a, x) (modified Lentz).
  const double tiny = 1e-300;
  double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
  for (int i = 1; i <= kMaxIterations; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double step = d * c;
    h *= step;
    if (std::fabs(step - 1.0) < kEps) break;
  }
  return 1.0 - std::exp(log_front) * h;
}

double student_t_sf(double t, double df) {
  const double tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t));
  return t >= 0 ? tail : 1.0 - tail;
}

double chi_square_sf(double x, double df) { return x <= 0 ? 1.0 : 1.0 - incomplete_gamma(df / 2.0, x / 2.0); }

double f_sf(double x, double df1, double df2) {
  if (x <= 0) return 1.0;
  return incomplete_beta(df2 / 2.0, df1 / 2.0, df2 / (df2 + df1 * x));
}

double student_t_quantile(double p, double df) {
  if (p == 0.5) return 0.0;
  if (p < 0.5) return -student_t_quantile(1.0 - p, df);
  return solve_increasing([df](double t) { return 1.0 - student_t_sf(t, df); }, p, 0.0, 1e6);
}

double studentized_range_cdf(double q, int k) {
  if (q <= 0) return 0.0;
  // P(R <= q) = k ∫ φ(z) [Φ(z) − Φ(z − q)]^(k−1) dz, Simpson's rule on [-9, 9 + q].
  const double lo = -9.0, hi = 9.0 + q;
  const int intervals = 4000;
  const double h = (hi - lo) / intervals;
  double sum = 0.0;
  for (int i = 0; i <= intervals; ++i) {
    const double z = lo + i * h;
    const double value = std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI) *
                         std::pow(normal_cdf(z) - normal_cdf(z - q), k - 1);
    sum += value * (i == 0 || i == intervals ? 1 : (i % 2 ? 4 : 2));
  }
  return std::min(1.0, k * sum * h / 3.0);
}

double studentized_range_quantile(double p, int k) {
  return solve_increasing([k](double q) { return studentized_range_cdf(q, k); }, p, 0.0, 20.0);
}

}  // namespace pebench::stats
