#include "harness/report/stats.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <limits>
#include <numeric>
#include <random>

#include "harness/report/stats_distributions.hpp"

namespace pebench::stats {

namespace {

double two_sided_z(double alpha) { return normal_quantile(1.0 - alpha / 2.0); }

Interval clamp01(Interval interval) {
  return {std::max(0.0, interval.lo), std::min(1.0, interval.hi)};
}

// Sign-flip permutation p-value by enumerating all 2^m sign vectors.
double exact_sign_flip_p(const std::vector<double>& terms, double observed) {
  const size_t m = terms.size();
  int64_t extreme = 0;
  const uint64_t total = uint64_t(1) << m;
  for (uint64_t signs = 0; signs < total; ++signs) {
    double statistic = 0.0;
    for (size_t i = 0; i < m; ++i) statistic += (signs >> i & 1) ? -terms[i] : terms[i];
    extreme += std::fabs(statistic) >= observed - 1e-12 * std::max(1.0, observed);
  }
  return static_cast<double>(extreme) / static_cast<double>(total);
}

double monte_carlo_sign_flip_p(const std::vector<double>& terms, double observed, int permutations, uint64_t seed) {
  std::mt19937_64 bits(seed);
  int64_t extreme = 0;
  for (int p = 0; p < permutations; ++p) {
    double statistic = 0.0;
    uint64_t word = 0;
    for (size_t i = 0; i < terms.size(); ++i) {
      if (i % 64 == 0) word = bits();
      statistic += (word >> (i % 64) & 1) ? -terms[i] : terms[i];
    }
    extreme += std::fabs(statistic) >= observed - 1e-12 * std::max(1.0, observed);
  }
  return static_cast<double>(1 + extreme) / static_cast<double>(1 + permutations);
}

}  // namespace

Interval wilson_interval(double successes, double trials, double alpha) {
  if (trials <= 0) return {0.0, 1.0};
  const double z = two_sided_z(alpha), p = successes / trials;
  const double denominator = 1.0 + z * z / trials;
  const double centre = (p + z * z / (2 * trials)) / denominator;
  const double spread = z * std::sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator;
  return clamp01({centre - spread, centre + spread});
}

ClusteredAccuracy clustered_accuracy(const std::vector<int64_t>& correct, const std::vector<int64_t>& scored,
                                     double alpha) {
  ClusteredAccuracy result;
  double total_correct = 0, total_scored = 0;
  int clusters = 0;
  for (size_t i = 0; i < correct.size(); ++i) {
    total_correct += static_cast<double>(correct[i]);
    total_scored += static_cast<double>(scored[i]);
    clusters += scored[i] > 0;
  }
  if (total_scored <= 0) {
    result.accuracy = std::nan("");
    result.interval = {0.0, 1.0};
    return result;
  }
  const double p = total_correct / total_scored;
  double squares = 0.0;
  for (size_t i = 0; i < correct.size(); ++i) {
    const double residual = static_cast<double>(correct[i]) - p * static_cast<double>(scored[i]);
    squares += residual * residual;
  }
  const double robust_variance =
      clusters > 1 ? clusters / (clusters - 1.0) * squares / (total_scored * total_scored) : p * (1 - p);
  result.accuracy = p;
  result.std_error = std::sqrt(robust_variance);
  // deff = robust / binomial variance; n_eff = p(1-p) / robust variance, at most
  // Σ scored (a design effect below 1 is not credited) and, when the variance
  // vanishes at p = 0 or 1, the number of sequences.
  if (p <= 0 || p >= 1)
    result.effective_n = std::max(1, clusters);
  else if (robust_variance > 0)
    result.effective_n = std::min(total_scored, p * (1 - p) / robust_variance);
  else
    result.effective_n = total_scored;
  result.interval = wilson_interval(p * result.effective_n, result.effective_n, alpha);
  return result;
}

SeedSummary summarize_seeds(const std::vector<double>& values, double alpha) {
  SeedSummary summary;
  summary.n = static_cast<int>(values.size());
  if (summary.n == 0) {
    summary.mean = summary.stddev = summary.median = summary.max = summary.min = std::nan("");
    summary.interval = {std::nan(""), std::nan("")};
    return summary;
  }
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  summary.min = sorted.front();
  summary.max = sorted.back();
  const size_t middle = sorted.size() / 2;
  summary.median = sorted.size() % 2 ? sorted[middle] : 0.5 * (sorted[middle - 1] + sorted[middle]);
  summary.mean = std::accumulate(values.begin(), values.end(), 0.0) / summary.n;
  summary.interval = {summary.mean, summary.mean};
  if (summary.n < 2) return summary;
  double squares = 0.0;
  for (double v : values) squares += (v - summary.mean) * (v - summary.mean);
  summary.stddev = std::sqrt(squares / (summary.n - 1));
  const double half = student_t_quantile(1.0 - alpha / 2.0, summary.n - 1) * summary.stddev / std::sqrt(summary.n);
  summary.interval = {summary.mean - half, summary.mean + half};
  return summary;
}

PairedResult paired_test(const PairedUnits& units, int permutations, uint64_t seed) {
  PairedResult result;
  result.units = static_cast<int>(units.difference.size());
  std::vector<double> terms;  // w_u d_u of the units that differ
  std::map<int, std::vector<double>> strata;
  std::map<int, double> stratum_weight;
  for (size_t u = 0; u < units.difference.size(); ++u) {
    const double term = units.weight[u] * units.difference[u];
    result.difference += term;
    if (term != 0.0) terms.push_back(term);
    strata[units.stratum[u]].push_back(units.difference[u]);
    stratum_weight[units.stratum[u]] = units.weight[u];
  }
  double variance = 0.0;
  for (const auto& [id, differences] : strata) {
    const double w = stratum_weight[id];
    const double n = static_cast<double>(differences.size());
    if (differences.size() < 2) {  // no within-stratum spread to estimate: conservative
      variance += w * w * differences[0] * differences[0];
      continue;
    }
    const double mean = std::accumulate(differences.begin(), differences.end(), 0.0) / n;
    double squares = 0.0;
    for (double d : differences) squares += (d - mean) * (d - mean);
    variance += w * w * n * squares / (n - 1);
  }
  const double half = two_sided_z(0.05) * std::sqrt(variance);
  result.interval = {result.difference - half, result.difference + half};
  const double observed = std::fabs(result.difference);
  if (terms.empty()) {
    result.method = "none";
    result.p_value = 1.0;
  } else if (terms.size() <= 16) {
    result.method = "exact";
    result.p_value = exact_sign_flip_p(terms, observed);
  } else if (static_cast<double>(terms.size()) * permutations > kMaxPermutationWork) {
    result.method = "normal";
    double null_variance = 0.0;
    for (double t : terms) null_variance += t * t;
    result.p_value = std::min(1.0, 2.0 * (1.0 - normal_cdf(observed / std::sqrt(null_variance))));
  } else {
    result.method = "monte-carlo";
    result.permutations = permutations;
    result.p_value = monte_carlo_sign_flip_p(terms, observed, permutations, seed);
  }
  return result;
}

std::vector<double> holm_adjust(const std::vector<double>& p_values) {
  const size_t m = p_values.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p_values[a] < p_values[b]; });
  std::vector<double> adjusted(m);
  double running = 0.0;
  for (size_t i = 0; i < m; ++i) {
    running = std::max(running, std::min(1.0, static_cast<double>(m - i) * p_values[order[i]]));
    adjusted[order[i]] = running;
  }
  return adjusted;
}

std::vector<double> average_ranks(const std::vector<double>& values, double tie_tolerance) {
  const size_t n = values.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] > values[b]; });
  std::vector<double> ranks(n);
  for (size_t first = 0; first < n;) {
    size_t last = first + 1;  // one past the tie group
    while (last < n && values[order[first]] - values[order[last]] <= tie_tolerance) ++last;
    const double rank = 0.5 * static_cast<double>(first + 1 + last);  // mean of first+1 .. last
    for (size_t i = first; i < last; ++i) ranks[order[i]] = rank;
    first = last;
  }
  return ranks;
}

FriedmanResult friedman_test(const std::vector<std::vector<double>>& table) {
  FriedmanResult result;
  result.blocks = static_cast<int>(table.size());
  result.treatments = table.empty() ? 0 : static_cast<int>(table.front().size());
  const int n = result.blocks, k = result.treatments;
  result.mean_ranks.assign(k, 0.0);
  if (n == 0 || k == 0) return result;
  for (const auto& row : table) {
    const std::vector<double> ranks = average_ranks(row);
    for (int j = 0; j < k; ++j) result.mean_ranks[j] += ranks[j] / n;
  }
  if (k < 2) return result;
  double sum_squares = 0.0;
  for (double r : result.mean_ranks) sum_squares += r * r;
  result.chi_square = 12.0 * n / (k * (k + 1.0)) * (sum_squares - k * (k + 1.0) * (k + 1.0) / 4.0);
  result.chi_square_p = chi_square_sf(result.chi_square, k - 1);
  result.critical_difference = nemenyi_critical_difference(k, n);
  if (n < 2) return result;
  const double denominator = n * (k - 1.0) - result.chi_square;
  if (denominator <= 1e-12) {  // every block ranks the treatments alike
    result.iman_davenport_f = std::numeric_limits<double>::infinity();
    result.p_value = 0.0;
    return result;
  }
  result.iman_davenport_f = (n - 1.0) * result.chi_square / denominator;
  result.p_value = f_sf(result.iman_davenport_f, k - 1.0, (k - 1.0) * (n - 1.0));
  return result;
}

double nemenyi_q(int k, double alpha) {
  if (k < 2) return 0.0;
  return studentized_range_quantile(1.0 - alpha, k) / std::sqrt(2.0);
}

double nemenyi_critical_difference(int k, int blocks, double alpha) {
  if (k < 2 || blocks < 1) return 0.0;
  return nemenyi_q(k, alpha) * std::sqrt(k * (k + 1.0) / (6.0 * blocks));
}

}  // namespace pebench::stats
