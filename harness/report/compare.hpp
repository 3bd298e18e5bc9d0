// `pebench compare`: paired differences with intervals and Holm-corrected
// p-values (harness/report/stats.hpp), in two modes.
// - Baseline: in one directory, every selected encoding against a baseline
//   encoding, per task, on OOD and ID accuracy. The difference is the mean
//   over the seeds both have of (encoding − baseline), paired per sequence
//   (schema 2) or per length (schema 1). Holm's correction runs over all OOD
//   comparisons shown, and separately over all ID ones.
// - Directories: the same cells (task, encoding, seed) in two directories,
//   B − A per cell, Holm over all cells; cells present in only one listed.
// Verdict: better / worse where the Holm-adjusted p < alpha, else
// no_difference; not_compared when either side has no value.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "harness/report/report_data.hpp"

namespace pebench {

struct ComparisonRow {
  std::string task, encoding;
  int seed = -1;         // directories mode: the cell's seed; baseline mode: -1 (seeds pooled)
  std::string kind;      // ood | id
  double reference = 0.0, value = 0.0;  // baseline (A) and encoding (B): the aggregate / the cell's accuracy
  double difference = 0.0;              // paired: B − A
  stats::Interval interval;             // 95%
  double p = 1.0, p_holm = 1.0;
  int seeds = 0;                        // seeds paired
  std::string paired_by;                // sequence | length | "" (not compared)
  std::string verdict;                  // better | worse | no_difference | not_compared
};

struct EncodingTally {
  std::string encoding;
  int better = 0, worse = 0, no_difference = 0, not_compared = 0;
};

struct Comparison {
  std::string mode;  // baseline | directories
  std::string source_a, source_b;  // baseline mode: source_a only
  std::string baseline;            // baseline mode
  std::string baseline_reason;     // "--baseline" or "best mean rank"
  Aggregate aggregate = Aggregate::mean;
  double alpha = 0.05;
  std::vector<ComparisonRow> rows;
  std::vector<EncodingTally> tallies;  // baseline mode, OOD verdicts per encoding
  std::vector<std::string> only_in_a, only_in_b;  // directories mode: "task/encoding/seed"
  std::vector<std::string> warnings;
};

struct CompareOptions {
  std::string baseline;                 // empty: the encoding with the best mean rank
  std::vector<std::string> encodings;   // empty: all
  std::vector<std::string> tasks;       // empty: all
  Aggregate aggregate = Aggregate::mean;
};

// UsageError: no such directory, no results, unknown encoding or task.
Comparison compare_to_baseline(const std::filesystem::path& dir, const CompareOptions& options);
// UsageError: no such directory, no results, no cell in both.
Comparison compare_directories(const std::filesystem::path& a, const std::filesystem::path& b,
                               const CompareOptions& options);

// md | csv | json (UsageError otherwise).
std::string render_comparison(const Comparison& comparison, const std::string& format);

}  // namespace pebench
