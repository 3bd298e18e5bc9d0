// Distribution functions the report's statistics need, written out so that
// pebench depends on no statistics library: the regularized incomplete beta
// and gamma functions (Numerical Recipes, 3rd ed., §6.2 and §6.4: series and
// continued fractions), and from them the CDFs of Student's t, chi-square and
// Fisher's F; the normal quantile (Acklam's rational approximation refined by
// one Halley step); and the studentized range with infinite degrees of freedom
// (Nemenyi's critical difference, Demšar 2006 §3.2.2), by numerical
// integration of its defining integral.
#pragma once

namespace pebench::stats {

// Standard normal CDF Φ(x) and its inverse Φ⁻¹(p), 0 < p < 1.
double normal_cdf(double x);
double normal_quantile(double p);

// Regularized incomplete beta I_x(a, b) and lower incomplete gamma P(a, x).
double incomplete_beta(double a, double b, double x);
double incomplete_gamma(double a, double x);

// Upper tail probabilities P(X > x).
double student_t_sf(double t, double df);       // one-sided
double chi_square_sf(double x, double df);
double f_sf(double x, double df1, double df2);

// The q with P(T <= q) = p for Student's t with df degrees of freedom.
double student_t_quantile(double p, double df);

// P(R <= q) for the range R of k independent standard normals, and its
// quantile. q_alpha of the Nemenyi test = studentized_range_quantile(1-alpha, k) / sqrt(2).
double studentized_range_cdf(double q, int k);
double studentized_range_quantile(double p, int k);

}  // namespace pebench::stats
