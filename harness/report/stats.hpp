// The statistics behind `pebench report` and `pebench compare`: intervals,
// summaries over seeds, the paired test, multiple-comparison correction and
// the rank-based comparison of many encodings over many tasks (Demšar 2006,
// "Statistical Comparisons of Classifiers over Multiple Data Sets", JMLR 7).
// Every function is deterministic: the permutation test draws from a fixed seed.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace pebench::stats {

struct Interval {
  double lo = 0.0, hi = 0.0;
  double half_width() const { return 0.5 * (hi - lo); }
};

// Wilson score interval for `successes` out of `trials` independent trials
// (Wilson 1927), at confidence 1 - alpha. [0, 1] for trials <= 0.
Interval wilson_interval(double successes, double trials, double alpha = 0.05);

// Accuracy pooled over sequences, Σ correct / Σ scored, whose scored positions
// are not independent: positions of one sequence are clustered. The interval
// is Wilson's with the effective sample size Σ scored / deff, where the design
// effect deff is the ratio of the cluster-robust (ratio-estimator) variance to
// the binomial one (Korn & Graubard 1998, "Confidence intervals for proportions
// with small expected number of positive counts estimated from survey data").
// When every sequence is all right or all wrong the sequences are the trials.
struct ClusteredAccuracy {
  double accuracy = 0.0;     // Σ correct / Σ scored
  double std_error = 0.0;    // cluster-robust standard error
  double effective_n = 0.0;  // Σ scored / deff
  Interval interval;
};
ClusteredAccuracy clustered_accuracy(const std::vector<int64_t>& correct, const std::vector<int64_t>& scored,
                                     double alpha = 0.05);

// Mean, sample standard deviation, Student-t interval of the mean (the value
// itself when n = 1), median and maximum of values over seeds.
struct SeedSummary {
  int n = 0;
  double mean = 0.0, stddev = 0.0, median = 0.0, max = 0.0, min = 0.0;
  Interval interval;  // t interval; [mean, mean] for n = 1
};
SeedSummary summarize_seeds(const std::vector<double>& values, double alpha = 0.05);

// A paired comparison of A and B measured on the same units. Unit u has the
// difference d_u = a_u − b_u and a weight w_u; the statistic is Σ w_u d_u.
// With per-sequence counts a unit is one (seed, length, sequence): d_u is the
// difference of correct counts and w_u = 1 / (Σ scored at that length × number
// of lengths × number of seeds), so the statistic is exactly the difference of
// the two mean accuracies. Units in one stratum (one seed and length) share
// the denominator; the interval is the normal one with the within-stratum
// variance (a stratified cluster-robust estimate).
struct PairedUnits {
  std::vector<double> difference;  // d_u
  std::vector<double> weight;      // w_u
  std::vector<int> stratum;        // stratum id of unit u
};
struct PairedResult {
  double difference = 0.0;  // Σ w_u d_u
  Interval interval;        // 95% (normal, stratified)
  double p_value = 1.0;     // two-sided sign-flip permutation test
  int units = 0;
  int permutations = 0;     // Monte Carlo sign vectors drawn (0 otherwise)
  std::string method;       // "exact" | "monte-carlo" | "normal" | "none" (no unit differs)
};
// Sign-flip (randomization) test: under H0 the labels A and B are exchangeable
// within a unit, so every d_u is equally likely to have either sign. Exact
// enumeration for <= 16 non-zero units; otherwise `permutations` random sign
// vectors, p = (1 + #{|T*| >= |T|}) / (1 + permutations); when that would
// cost more than kMaxPermutationWork unit visits (tens of thousands of
// differing units, e.g. 512 sequences at hundreds of lengths), the normal
// approximation of the same null distribution (mean 0, variance Σ (w_u d_u)²),
// which the central limit theorem makes accurate at that size.
constexpr double kMaxPermutationWork = 5e7;
PairedResult paired_test(const PairedUnits& units, int permutations = 10000, uint64_t seed = 20061);

// Holm's step-down adjusted p-values (Holm 1979), in the order given.
std::vector<double> holm_adjust(const std::vector<double>& p_values);

// Ranks 1..n, 1 = highest value; tied values (within `tie_tolerance`) get the
// average of the ranks they span.
std::vector<double> average_ranks(const std::vector<double>& values, double tie_tolerance = 1e-9);

// Friedman test on a blocks × treatments table (rows = tasks, columns =
// encodings, higher is better): average ranks, the Friedman statistic χ²_F
// and Iman & Davenport's F_F with its p-value (Demšar 2006, §3.2.2), and the
// Nemenyi critical difference for alpha = 0.05.
struct FriedmanResult {
  int blocks = 0, treatments = 0;
  std::vector<double> mean_ranks;  // per treatment
  double chi_square = 0.0, chi_square_p = 1.0;
  double iman_davenport_f = 0.0, p_value = 1.0;  // F with (k−1, (k−1)(N−1)) d.o.f.
  double critical_difference = 0.0;             // Nemenyi, alpha = 0.05
};
FriedmanResult friedman_test(const std::vector<std::vector<double>>& table);

// q_alpha of the Nemenyi test for k treatments (Demšar 2006, Table 5a), and
// CD = q_alpha · sqrt(k (k + 1) / (6 N)).
double nemenyi_q(int k, double alpha = 0.05);
double nemenyi_critical_difference(int k, int blocks, double alpha = 0.05);

}  // namespace pebench::stats
