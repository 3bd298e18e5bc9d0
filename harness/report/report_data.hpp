// The data behind `pebench report` and `pebench compare`: result files read
// from a directory tree, per-seed intervals, aggregation over seeds,
// degenerate cells, chance levels, significance of "best", and the rank
// comparison over tasks (harness/report/stats.hpp has the statistics themselves).
// Renderers (report_render.hpp) only format what is computed here.
//
// - Every seed<k>.json under DIR is read into a ResultRecord
//   (harness/run/result_record.hpp); a file that is not a schema-1/2 pebench
//   result yields one warning naming it, the rest goes on.
// - Per result (one seed) and length: accuracy with a 95% interval over
//   sequences. Schema 2 (per-sequence counts): Wilson with the clustered
//   effective sample size (stats::clustered_accuracy). Schema 1 (no counts):
//   Wilson with n = the number of sequences, i.e. every sequence counted as
//   one trial, which is (up to a factor √(n/(n−1))) at least as wide as the clustered one when sequences
//   have equal numbers of scored positions. Split and ID/OOD intervals
//   combine the per-length standard errors (lengths use disjoint sequences).
// - A task × encoding entry aggregates its ok seeds: mean, sample std, t
//   interval, median, max; the value shown is ReportOptions::aggregate. Seeds
//   whose configurations differ are never pooled: the largest group is kept
//   and a warning names the key that differs.
// - Degenerate entries: `collapsed` (every ok seed predicts one class on
//   >= 99% of the scored positions of its ID splits while the ID targets are
//   not that unbalanced; schema 2 only) and `not learned` (aggregate ID
//   accuracy, over the upper ID lengths when the result has id_upper_accuracy,
//   below ReportOptions::learned_threshold). They are shown, marked, and left
//   out of "best" and of the rank comparison unless include_degenerate.
// - "Best" of a task: the top entry only where the paired test against the
//   runner-up is significant after Holm's correction over the tasks; equal
//   values (within 1e-9) or a non-significant difference are a tie.
#pragma once
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/enum_names.hpp"
#include "harness/report/stats.hpp"
#include "harness/run/result_record.hpp"

namespace pebench {

using json = nlohmann::json;

// One length of one split of one result.
struct LengthPoint {
  int length = 0;
  double accuracy = 0.0;  // NaN when absent
  double sequence_accuracy = 0.0;
  int64_t n = 0;  // sequences
  std::vector<int64_t> correct, scored;  // per sequence (schema 2); empty otherwise
  double std_error = 0.0;                // of accuracy, over sequences
  stats::Interval interval;              // 95%
};

struct SplitResult {
  std::string name, kind;  // kind: id | ood
  std::vector<LengthPoint> points;
  double accuracy = 0.0, sequence_accuracy = 0.0;  // NaN when absent
  std::vector<int64_t> predicted_classes, target_classes;  // schema 2
  double chance = 0.0;          // majority-class share of the targets (NaN without histogram)
  double top_prediction = 0.0;  // share of the most predicted class (NaN without histogram)
  double std_error = 0.0;
};

// One result file as the report sees it: the record's scores with their
// intervals, and what the report groups and labels it by.
struct SeedResult {
  std::string file;
  std::string task, family, encoding, encoding_name;  // labels; encoding_name = registry name
  int seed = 0;
  int schema = 1;
  std::string status;  // ok | diverged | failed | not_applicable
  double id_accuracy = 0.0, ood_accuracy = 0.0, id_upper_accuracy = 0.0;  // NaN when absent
  double id_std_error = 0.0, ood_std_error = 0.0;
  std::vector<SplitResult> splits;
  std::vector<std::pair<int, double>> loss_curve;  // (step, loss)
  // Accuracy during training (train.eval_every > 0), then the final
  // evaluation: the learning curve a budget is calibrated from.
  struct LearningPoint {
    int step = 0;
    double id_accuracy = 0.0, id_upper_accuracy = 0.0, ood_accuracy = 0.0;  // NaN when absent
  };
  std::vector<LearningPoint> learning_curve;
  int64_t num_parameters = 0;
  double tokens_per_s = 0.0;  // NaN when absent
  json config;
  bool has_sequences() const;  // every point has per-sequence counts
  // The ID accuracy the "learned" threshold is applied to.
  double learned_accuracy() const;
};

struct LoadedResults {
  std::vector<SeedResult> records;
  std::vector<std::string> warnings;  // one line each, naming the file
};

LoadedResults load_results(const std::filesystem::path& dir);
// The report's view of one record read from `file` (a family the file does not name reads "other").
SeedResult seed_result(const ResultRecord& record, const std::string& file);

enum class Aggregate { mean, median, max };
constexpr EnumName<Aggregate> kAggregateNames[] = {
    {Aggregate::mean, "mean"}, {Aggregate::median, "median"}, {Aggregate::max, "max"}};
constexpr const auto& enum_names(Aggregate) { return kAggregateNames; }
Aggregate parse_aggregate(const std::string& text);  // the --aggregate flag; UsageError if unknown

struct ReportOptions {
  Aggregate aggregate = Aggregate::mean;
  double learned_threshold = 0.9;  // ID accuracy below it: not learned
  double collapse_share = 0.99;    // one class on at least this share: collapsed
  bool include_degenerate = false; // rank collapsed / not-learned entries by their numbers
  double alpha = 0.05;
};

// One task × encoding entry over its seeds.
struct Entry {
  int ok = 0, diverged = 0, failed = 0, not_applicable = 0, left_out = 0;  // left_out: other configuration
  std::vector<const SeedResult*> seeds;  // ok seeds pooled, by seed
  stats::SeedSummary id, ood;              // over those seeds
  double id_value = std::numeric_limits<double>::quiet_NaN();   // the chosen aggregate (NaN: none)
  double ood_value = std::numeric_limits<double>::quiet_NaN();
  stats::Interval id_interval, ood_interval;  // 95%, clipped to [0, 1]
  // The ± printed: the t half-width over seeds (not clipped: with 2 seeds it
  // can exceed 1, which is the honest answer), else the larger side of the
  // over-sequences interval. NaN when there is none.
  double id_half_width = std::numeric_limits<double>::quiet_NaN();
  double ood_half_width = std::numeric_limits<double>::quiet_NaN();
  bool collapsed = false, not_learned = false;
  bool best_ood = false, tie_ood = false;  // best: significant vs runner-up; tie: top shared
  bool missing() const { return ok + diverged + failed + not_applicable == 0; }
  bool has_value() const { return std::isfinite(ood_value); }
  bool degenerate() const { return collapsed || not_learned; }
};

struct TaskInfo {
  std::string name, family;
  double chance_id = 0.0, chance_ood = 0.0;  // NaN when unknown (schema 1)
  int learned_entries = 0;                   // entries neither collapsed nor not learned
  // Best-vs-runner-up test (NaN p when fewer than two entries have a value).
  std::string top, runner_up;
  double best_difference = 0.0, best_p = 1.0, best_p_holm = 1.0;
  std::vector<std::string> split_names;  // in first-seen order
};

struct FamilyTable {
  std::string family;
  std::vector<std::string> tasks;  // sorted
};

// Demšar's comparison over tasks: rows = tasks, columns = encodings.
struct RankComparison {
  std::vector<std::string> encodings;  // ranked ones, best mean rank first
  std::vector<double> mean_ranks;      // same order
  std::vector<std::string> tasks;      // the blocks
  stats::FriedmanResult friedman;
  std::vector<std::string> notes;      // what was left out and why
};

struct Report {
  // The records every Entry::seeds points into (shared: copies of a Report stay valid).
  std::shared_ptr<const std::vector<SeedResult>> records;
  std::string source;  // the directory read
  ReportOptions options;
  int files = 0;
  int schema_min = 0, schema_max = 0;
  std::vector<std::string> warnings;
  std::vector<std::string> encodings;  // sorted
  std::map<std::string, std::string> encoding_names;  // label -> registry name
  std::vector<FamilyTable> families;   // regular, dcf, cs, memory first, then others
  std::map<std::string, TaskInfo> tasks;
  std::map<std::pair<std::string, std::string>, Entry> entries;  // (task, encoding)
  RankComparison ranking;
  int total_tasks = 0;
  int learned_tasks() const;  // tasks with at least one learned entry
  const Entry& entry(const std::string& task, const std::string& encoding) const;
};

// The report keeps its own copy of the records.
Report build_report(LoadedResults loaded, const std::string& source, const ReportOptions& options = {});

// The paired comparison of two sets of seeds of one task on the splits of
// `kind` (id | ood): units per (seed, length, sequence) where both have
// per-sequence counts for the same sequences, else per (seed, length).
// `by_sequence` says which was possible for every pair of points.
struct PairedComparison {
  stats::PairedResult test;
  bool by_sequence = false;
  int seeds = 0;  // seeds present in both
};
PairedComparison compare_seeds(const std::vector<const SeedResult*>& a, const std::vector<const SeedResult*>& b,
                               const std::string& kind);

// On the ID splits, one predicted class covers >= `share` of the scored
// positions although the ID targets are less unbalanced (schema 2 only).
bool is_collapsed(const SeedResult& record, double share);

// Chance-normalised accuracy (acc − chance) / (1 − chance); NaN when chance is unknown or 1.
double chance_normalized(double accuracy, double chance);

}  // namespace pebench
