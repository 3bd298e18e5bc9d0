#include "harness/report/report_data.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include <fmt/core.h>

#include "common/errors.hpp"
#include "common/registry.hpp"
#include "harness/run/result_file.hpp"

namespace pebench {

namespace fs = std::filesystem;

namespace {

constexpr double kZ95 = 1.959963984540054;
constexpr double kTieTolerance = 1e-9;

// Interval and standard error of one point: clustered over sequences when the
// counts are there, else Wilson with one trial per sequence.
void point_interval(LengthPoint& point) {
  if (!std::isfinite(point.accuracy)) return;
  if (!point.correct.empty()) {
    point.interval = stats::clustered_accuracy(point.correct, point.scored).interval;
  } else {
    const double trials = static_cast<double>(std::max<int64_t>(point.n, 1));
    point.interval = stats::wilson_interval(point.accuracy * trials, trials);
  }
  // The standard error implied by the Wilson interval: unlike sqrt(p(1-p)/n)
  // it does not vanish at accuracy 0 or 1, so means over lengths keep it.
  point.std_error = point.interval.half_width() / kZ95;
}

// Standard error of the unweighted mean of independent estimates.
double mean_std_error(const std::vector<double>& errors) {
  if (errors.empty()) return std::nan("");
  double squares = 0.0;
  for (double e : errors) squares += e * e;
  return std::sqrt(squares) / static_cast<double>(errors.size());
}

double majority_share(const std::vector<int64_t>& histogram) {
  int64_t total = 0, top = 0;
  for (int64_t c : histogram) total += c, top = std::max(top, c);
  return total > 0 ? static_cast<double>(top) / static_cast<double>(total) : std::nan("");
}

SplitResult split_result(const SplitScore& split) {
  SplitResult out;
  out.name = split.name;
  out.kind = to_string(split.kind);
  out.accuracy = split.accuracy;
  out.sequence_accuracy = split.sequence_accuracy;
  std::vector<double> errors;
  for (const auto& score : split.points) {
    LengthPoint p;
    p.length = score.length;
    p.accuracy = score.accuracy;
    p.sequence_accuracy = score.sequence_accuracy;
    p.n = score.n;
    p.correct = score.sequence_correct;
    p.scored = score.sequence_scored;
    point_interval(p);
    if (std::isfinite(p.accuracy)) errors.push_back(p.std_error);
    out.points.push_back(std::move(p));
  }
  out.std_error = mean_std_error(errors);
  out.predicted_classes = split.predicted_classes;
  out.target_classes = split.target_classes;
  out.chance = majority_share(out.target_classes);
  out.top_prediction = majority_share(out.predicted_classes);
  return out;
}

double kind_std_error(const std::vector<SplitResult>& splits, const std::string& kind) {
  std::vector<double> errors;
  for (const auto& split : splits)
    if (split.kind == kind && std::isfinite(split.std_error)) errors.push_back(split.std_error);
  return mean_std_error(errors);
}

}  // namespace

bool is_collapsed(const SeedResult& record, double share) {
  bool seen = false;
  for (const auto& split : record.splits) {
    if (split.kind != "id") continue;
    if (!std::isfinite(split.top_prediction) || !std::isfinite(split.chance)) return false;
    if (split.top_prediction < share || split.chance >= share) return false;
    seen = true;
  }
  return seen;
}

namespace {

const char* const kFamilyOrder[] = {"regular", "dcf", "cs", "memory"};

int family_rank(const std::string& family) {
  for (int i = 0; i < 4; ++i)
    if (family == kFamilyOrder[i]) return i;
  return 4;
}

double aggregate_of(const stats::SeedSummary& s, Aggregate aggregate) {
  switch (aggregate) {
    case Aggregate::mean: return s.mean;
    case Aggregate::median: return s.median;
    case Aggregate::max: return s.max;
  }
  return s.mean;
}

// The interval shown with an aggregate: over seeds (t) for the mean of two or
// more seeds; otherwise the over-sequences interval of the seed whose value
// is shown (the one nearest the median for the median).
stats::Interval interval_of(const Entry& entry, const stats::SeedSummary& summary, double value, bool ood,
                            Aggregate aggregate) {
  if (!std::isfinite(value)) return {std::nan(""), std::nan("")};
  if (aggregate == Aggregate::mean && summary.n >= 2)  // an accuracy: the t interval clipped to [0, 1]
    return {std::max(0.0, summary.interval.lo), std::min(1.0, summary.interval.hi)};
  const SeedResult* nearest = nullptr;
  for (const auto* record : entry.seeds) {
    const double v = ood ? record->ood_accuracy : record->id_accuracy;
    if (!std::isfinite(v)) continue;
    if (!nearest || std::fabs(v - value) < std::fabs((ood ? nearest->ood_accuracy : nearest->id_accuracy) - value))
      nearest = record;
  }
  const double se = nearest ? (ood ? nearest->ood_std_error : nearest->id_std_error) : std::nan("");
  if (!std::isfinite(se)) return {std::nan(""), std::nan("")};
  return {std::max(0.0, value - kZ95 * se), std::min(1.0, value + kZ95 * se)};
}

// Flattened config keys ("model.d_model") whose values differ between a and b.
void differing_keys(const json& a, const json& b, const std::string& prefix, std::set<std::string>& keys) {
  if (a.is_object() && b.is_object()) {
    std::set<std::string> names;
    for (auto it = a.begin(); it != a.end(); ++it) names.insert(it.key());
    for (auto it = b.begin(); it != b.end(); ++it) names.insert(it.key());
    for (const auto& name : names)
      differing_keys(a.value(name, json()), b.value(name, json()), prefix.empty() ? name : prefix + "." + name, keys);
    return;
  }
  if (a != b) keys.insert(prefix.empty() ? "config" : prefix);
}

std::string join(const std::set<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// Seeds of one entry grouped by configuration; the largest group (first file
// on ties) is pooled, the others are counted as left out.
std::vector<const SeedResult*> pooled_seeds(const std::vector<const SeedResult*>& records, Entry& entry,
                                              std::vector<std::string>& warnings, const std::string& name) {
  std::vector<std::vector<const SeedResult*>> groups;
  for (const auto* record : records) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& group) { return group.front()->config == record->config; });
    if (it == groups.end()) groups.push_back({record});
    else it->push_back(record);
  }
  if (groups.empty()) return {};
  auto largest = std::max_element(groups.begin(), groups.end(),
                                  [](const auto& a, const auto& b) { return a.size() < b.size(); });
  for (const auto& group : groups) {
    if (&group == &*largest) continue;
    std::set<std::string> keys;
    differing_keys(largest->front()->config, group.front()->config, "config", keys);
    entry.left_out += static_cast<int>(group.size());
    warnings.push_back(fmt::format("warning: {}: {} seed(s) with a different {} left out ({} vs {})", name,
                                   group.size(), join(keys), largest->front()->file, group.front()->file));
  }
  return *largest;
}

Entry summarize_entry(const std::vector<const SeedResult*>& records, const ReportOptions& options,
                      std::vector<std::string>& warnings, const std::string& name) {
  Entry entry;
  std::vector<const SeedResult*> all;
  for (const auto* record : records) {
    if (record->status == "diverged") ++entry.diverged;
    else if (record->status == "failed") ++entry.failed;
    else if (record->status == "not_applicable") ++entry.not_applicable;
    else all.push_back(record);
  }
  entry.seeds = pooled_seeds(all, entry, warnings, name);
  entry.ok = static_cast<int>(entry.seeds.size());
  std::sort(entry.seeds.begin(), entry.seeds.end(), [](auto* a, auto* b) { return a->seed < b->seed; });
  std::vector<double> id, ood, learned;
  bool every_seed_collapsed = !entry.seeds.empty();
  for (const auto* record : entry.seeds) {
    if (std::isfinite(record->id_accuracy)) id.push_back(record->id_accuracy);
    if (std::isfinite(record->ood_accuracy)) ood.push_back(record->ood_accuracy);
    if (std::isfinite(record->learned_accuracy())) learned.push_back(record->learned_accuracy());
    every_seed_collapsed = every_seed_collapsed && is_collapsed(*record, options.collapse_share);
  }
  entry.id = stats::summarize_seeds(id, options.alpha);
  entry.ood = stats::summarize_seeds(ood, options.alpha);
  entry.id_value = aggregate_of(entry.id, options.aggregate);
  entry.ood_value = aggregate_of(entry.ood, options.aggregate);
  entry.id_interval = interval_of(entry, entry.id, entry.id_value, false, options.aggregate);
  entry.ood_interval = interval_of(entry, entry.ood, entry.ood_value, true, options.aggregate);
  auto half_width = [&](const stats::SeedSummary& s, double value, const stats::Interval& interval) {
    if (options.aggregate == Aggregate::mean && s.n >= 2) return s.interval.half_width();
    return std::max(value - interval.lo, interval.hi - value);
  };
  entry.id_half_width = half_width(entry.id, entry.id_value, entry.id_interval);
  entry.ood_half_width = half_width(entry.ood, entry.ood_value, entry.ood_interval);
  entry.collapsed = every_seed_collapsed;
  const double learned_value = aggregate_of(stats::summarize_seeds(learned), options.aggregate);
  entry.not_learned = std::isfinite(learned_value) && learned_value < options.learned_threshold;
  return entry;
}

using Groups = std::map<std::pair<std::string, std::string>, std::vector<const SeedResult*>>;

bool rankable(const Entry& entry, const ReportOptions& options) {
  return entry.has_value() && (options.include_degenerate || !entry.degenerate());
}

// Per task: the top entry and the runner-up, their paired test; "best" after
// Holm over the tasks tested.
void mark_best(Report& report) {
  std::vector<std::string> tested;
  std::vector<double> p_values;
  for (auto& [task, info] : report.tasks) {
    std::vector<std::pair<double, std::string>> candidates, others;
    for (const auto& encoding : report.encodings) {
      const Entry& entry = report.entries.at({task, encoding});
      if (!entry.has_value()) continue;
      (rankable(entry, report.options) ? candidates : others).emplace_back(entry.ood_value, encoding);
    }
    std::sort(candidates.rbegin(), candidates.rend());
    std::sort(others.rbegin(), others.rend());
    if (candidates.empty()) continue;
    info.top = candidates[0].second;
    // The runner-up is the next candidate, or the best degenerate entry.
    const auto* second = candidates.size() > 1 ? &candidates[1] : (others.empty() ? nullptr : &others[0]);
    if (!second) continue;
    info.runner_up = second->second;
    info.best_difference = candidates[0].first - second->first;
    Entry& top = report.entries[{task, info.top}];
    if (info.best_difference <= kTieTolerance) {
      top.tie_ood = true;
      report.entries[{task, info.runner_up}].tie_ood = true;
      continue;
    }
    const PairedComparison comparison =
        compare_seeds(top.seeds, report.entries.at({task, info.runner_up}).seeds, "ood");
    info.best_p = comparison.test.p_value;
    tested.push_back(task);
    p_values.push_back(info.best_p);
  }
  const std::vector<double> adjusted = stats::holm_adjust(p_values);
  for (size_t i = 0; i < tested.size(); ++i) {
    TaskInfo& info = report.tasks[tested[i]];
    info.best_p_holm = adjusted[i];
    Entry& top = report.entries[{tested[i], info.top}];
    top.best_ood = adjusted[i] < report.options.alpha;
    if (!top.best_ood) top.tie_ood = report.entries[{tested[i], info.runner_up}].tie_ood = true;
  }
}

// Demšar's rank comparison. Tasks with no rankable entry are left out (they
// rank noise); within a task, degenerate entries share the last ranks (their
// numbers do not order them). Encodings without a value on more than half of
// the remaining tasks are left out, then tasks where a remaining encoding
// has no value.
void rank_encodings(Report& report) {
  RankComparison& ranking = report.ranking;
  const ReportOptions& options = report.options;
  std::vector<std::string> tasks, unlearned;
  for (const auto& [task, info] : report.tasks) {
    bool any = false;
    for (const auto& encoding : report.encodings) any = any || rankable(report.entry(task, encoding), options);
    if (any) tasks.push_back(task);
    else unlearned.push_back(task);
  }
  if (!unlearned.empty())
    ranking.notes.push_back(fmt::format("{} task{} left out, no encoding learned {}: {}", unlearned.size(),
                                        unlearned.size() == 1 ? "" : "s", unlearned.size() == 1 ? "it" : "them",
                                        join(std::set<std::string>(unlearned.begin(), unlearned.end()))));
  std::vector<std::string> encodings;
  for (const auto& encoding : report.encodings) {
    int with_value = 0;
    for (const auto& task : tasks) with_value += report.entry(task, encoding).has_value();
    if (2 * with_value > static_cast<int>(tasks.size())) encodings.push_back(encoding);
    else if (!tasks.empty()) ranking.notes.push_back(fmt::format("{}: left out (a value on {} of {} tasks)", encoding, with_value, tasks.size()));
  }
  for (const auto& task : tasks) {
    bool complete = true;
    for (const auto& encoding : encodings) complete = complete && report.entry(task, encoding).has_value();
    if (complete) ranking.tasks.push_back(task);
    else ranking.notes.push_back(task + ": left out (an encoding has no value)");
  }
  std::vector<std::vector<double>> table;
  for (const auto& task : ranking.tasks) {
    std::vector<double> row;
    for (const auto& encoding : encodings) {
      const Entry& entry = report.entry(task, encoding);
      row.push_back(rankable(entry, options) ? entry.ood_value : -1.0);  // -1: below every real value, tied
    }
    table.push_back(row);
  }
  ranking.friedman = stats::friedman_test(table);
  std::vector<size_t> order(encodings.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return ranking.friedman.mean_ranks[a] < ranking.friedman.mean_ranks[b];
  });
  for (size_t i : order) {
    ranking.encodings.push_back(encodings[i]);
    ranking.mean_ranks.push_back(ranking.friedman.mean_ranks[i]);
  }
}

void set_chance_levels(Report& report, const Groups& groups) {
  for (auto& [task, info] : report.tasks) {
    info.chance_id = info.chance_ood = std::nan("");
    for (const auto& [key, records] : groups) {
      if (key.first != task) continue;
      for (const auto* record : records) {
        std::vector<double> id, ood;
        for (const auto& split : record->splits) {
          if (!std::isfinite(split.chance)) continue;
          (split.kind == "ood" ? ood : id).push_back(split.chance);
        }
        if (id.empty() && ood.empty()) continue;
        info.chance_id = stats::summarize_seeds(id).mean;
        info.chance_ood = stats::summarize_seeds(ood).mean;
        break;
      }
      if (std::isfinite(info.chance_id) || std::isfinite(info.chance_ood)) break;
    }
  }
}

// Within a task, cells should differ only in the encoding; a different model
// size or budget makes the comparison unfair. One warning per task and key.
void warn_mixed_configs(Report& report, const Groups& groups) {
  for (const auto& [task, info] : report.tasks) {
    const SeedResult* first = nullptr;
    std::set<std::string> keys;
    std::string example;
    for (const auto& [key, records] : groups) {
      if (key.first != task) continue;
      for (const auto* record : records) {
        if (!first) {
          first = record;
          continue;
        }
        std::set<std::string> differing;
        differing_keys(first->config, record->config, "config", differing);
        if (!differing.empty() && example.empty()) example = record->file;
        keys.insert(differing.begin(), differing.end());
      }
    }
    if (!keys.empty())
      report.warnings.push_back(fmt::format("warning: {}: cells differ in {} (e.g. {} vs {})", task, join(keys),
                                            first->file, example));
  }
}

}  // namespace

bool SeedResult::has_sequences() const {
  bool any = false;
  for (const auto& split : splits)
    for (const auto& point : split.points) {
      if (point.correct.empty()) return false;
      any = true;
    }
  return any;
}

double SeedResult::learned_accuracy() const {
  return learned_id_accuracy(id_upper_accuracy, id_accuracy);
}

Aggregate parse_aggregate(const std::string& text) {
  if (const auto aggregate = enum_from_name<Aggregate>(text)) return *aggregate;
  throw UsageError("--aggregate: " + unknown_name_message("aggregate", text, enum_name_list<Aggregate>()));
}

double chance_normalized(double accuracy, double chance) {
  if (!std::isfinite(accuracy) || !std::isfinite(chance) || chance >= 1.0) return std::nan("");
  return (accuracy - chance) / (1.0 - chance);
}

int Report::learned_tasks() const {
  int count = 0;
  for (const auto& [task, info] : tasks) count += info.learned_entries > 0;
  return count;
}

const Entry& Report::entry(const std::string& task, const std::string& encoding) const {
  return entries.at({task, encoding});
}

SeedResult seed_result(const ResultRecord& record, const std::string& file) {
  const CellOutcome& outcome = record.outcome;
  SeedResult result;
  result.file = file;
  result.schema = record.schema_version;
  result.task = record.task_label;
  result.family = record.family.empty() ? "other" : record.family;
  result.encoding = record.encoding_label;
  result.encoding_name = record.encoding_name;
  result.seed = record.seed;
  result.status = to_string(outcome.status);
  result.id_accuracy = outcome.eval.id_accuracy;
  result.ood_accuracy = outcome.eval.ood_accuracy;
  result.id_upper_accuracy = outcome.eval.id_upper_accuracy;
  for (const auto& split : outcome.eval.splits) result.splits.push_back(split_result(split));
  result.id_std_error = kind_std_error(result.splits, "id");
  result.ood_std_error = kind_std_error(result.splits, "ood");
  for (const auto& point : outcome.curve) result.loss_curve.emplace_back(point.step, point.loss);
  auto add_learning_point = [&](int step, const EvalScores& scores) {
    result.learning_curve.push_back({step, scores.id_accuracy, scores.id_upper_accuracy, scores.ood_accuracy});
  };
  for (const auto& eval : outcome.training_evals) add_learning_point(eval.step, eval.scores);
  const bool final_recorded = !outcome.training_evals.empty() && outcome.training_evals.back().step == outcome.steps_done;
  if (outcome.status == CellStatus::ok && !final_recorded) add_learning_point(outcome.steps_done, outcome.eval);
  result.num_parameters = static_cast<int64_t>(outcome.num_parameters);
  result.tokens_per_s = outcome.tokens_per_s;
  result.config = record.config;
  return result;
}

LoadedResults load_results(const fs::path& dir) {
  LoadedResults loaded;
  const std::vector<fs::path> files = find_result_files(dir, loaded.warnings);
  std::map<std::tuple<std::string, std::string, int>, std::string> seen;  // (task, encoding, seed) -> file
  for (const auto& path : files) {
    try {
      SeedResult record = seed_result(read_result_record(path), path.string());
      // A copy of a result (another directory, a backup) must not count as a second seed.
      const auto [first, fresh] = seen.emplace(std::make_tuple(record.task, record.encoding, record.seed), record.file);
      if (!fresh) {
        loaded.warnings.push_back("warning: skipping " + path.string() + ": a second result for " + record.task + "/" +
                                  record.encoding + "/seed" + std::to_string(record.seed) + " (first: " +
                                  first->second + "); duplicates are never pooled");
        continue;
      }
      loaded.records.push_back(std::move(record));
    } catch (const ResultFileError& error) {
      loaded.warnings.push_back("warning: skipping " + path.string() + ": not a pebench result (" + error.what() + ")");
    }
  }
  return loaded;
}

PairedComparison compare_seeds(const std::vector<const SeedResult*>& a, const std::vector<const SeedResult*>& b,
                               const std::string& kind) {
  PairedComparison comparison;
  std::vector<std::pair<const SeedResult*, const SeedResult*>> pairs;
  for (const auto* x : a)
    for (const auto* y : b)
      if (x->seed == y->seed) pairs.emplace_back(x, y);
  comparison.seeds = static_cast<int>(pairs.size());
  stats::PairedUnits units;
  comparison.by_sequence = true;
  int stratum = 0;
  for (const auto& [x, y] : pairs) {
    // Matching splits of this kind, by name.
    std::vector<std::pair<const SplitResult*, const SplitResult*>> splits;
    for (const auto& sx : x->splits)
      for (const auto& sy : y->splits)
        if (sx.kind == kind && sx.name == sy.name) splits.emplace_back(&sx, &sy);
    for (const auto& [sx, sy] : splits) {
      std::vector<std::pair<const LengthPoint*, const LengthPoint*>> points;
      for (const auto& px : sx->points)
        for (const auto& py : sy->points)
          if (px.length == py.length && std::isfinite(px.accuracy) && std::isfinite(py.accuracy))
            points.emplace_back(&px, &py);
      for (const auto& [px, py] : points) {
        const double share = 1.0 / (static_cast<double>(pairs.size()) * splits.size() * points.size());
        const bool paired_sequences = !px->correct.empty() && px->scored == py->scored;
        if (paired_sequences) {
          double total_scored = 0.0;
          for (int64_t s : px->scored) total_scored += static_cast<double>(s);
          for (size_t i = 0; i < px->correct.size(); ++i) {
            if (px->scored[i] == 0) continue;
            units.difference.push_back(static_cast<double>(px->correct[i] - py->correct[i]));
            units.weight.push_back(share / total_scored);
            units.stratum.push_back(stratum);
          }
        } else {
          comparison.by_sequence = false;
          units.difference.push_back(px->accuracy - py->accuracy);
          units.weight.push_back(share);
          units.stratum.push_back(stratum);
        }
        ++stratum;
      }
    }
  }
  if (units.difference.empty()) comparison.by_sequence = false;
  comparison.test = stats::paired_test(units);
  return comparison;
}

Report build_report(LoadedResults loaded, const std::string& source, const ReportOptions& options) {
  Report report;
  report.records = std::make_shared<const std::vector<SeedResult>>(std::move(loaded.records));
  report.source = source;
  report.options = options;
  report.files = static_cast<int>(report.records->size());
  report.warnings = loaded.warnings;
  Groups groups;
  std::set<std::string> encodings;
  for (const auto& record : *report.records) {
    groups[{record.task, record.encoding}].push_back(&record);
    TaskInfo& info = report.tasks[record.task];
    info.name = record.task;
    info.family = record.family;
    for (const auto& split : record.splits)
      if (std::find(info.split_names.begin(), info.split_names.end(), split.name) == info.split_names.end())
        info.split_names.push_back(split.name);
    encodings.insert(record.encoding);
    report.encoding_names[record.encoding] = record.encoding_name;
    report.schema_min = report.schema_min ? std::min(report.schema_min, record.schema) : record.schema;
    report.schema_max = std::max(report.schema_max, record.schema);
  }
  report.encodings.assign(encodings.begin(), encodings.end());
  report.total_tasks = static_cast<int>(report.tasks.size());
  for (auto& [task, info] : report.tasks)
    for (const auto& encoding : report.encodings) {
      auto group = groups.find({task, encoding});
      Entry entry = group == groups.end()
                        ? Entry{}
                        : summarize_entry(group->second, options, report.warnings, task + "/" + encoding);
      info.learned_entries += entry.has_value() && !entry.degenerate();
      report.entries[{task, encoding}] = std::move(entry);
    }
  std::map<std::pair<int, std::string>, FamilyTable> families;
  for (const auto& [task, info] : report.tasks) {
    FamilyTable& table = families[{family_rank(info.family), info.family}];
    table.family = info.family;
    table.tasks.push_back(task);
  }
  for (auto& [key, table] : families) report.families.push_back(table);
  set_chance_levels(report, groups);
  warn_mixed_configs(report, groups);
  mark_best(report);
  rank_encodings(report);
  return report;
}

}  // namespace pebench
