#include "harness/report_data.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <stdexcept>
#include <tuple>

#include "harness/result_file.hpp"

namespace pebench {

namespace fs = std::filesystem;

namespace {

double number_or_nan(const json& value) { return value.is_number() ? value.get<double>() : std::nan(""); }

const json& field(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) throw std::runtime_error(std::string("no \"") + key + "\" field");
  return object.at(key);
}

std::string string_field(const json& object, const char* key) {
  const json& value = field(object, key);
  if (!value.is_string()) throw std::runtime_error(std::string("\"") + key + "\" is not a string");
  return value.get<std::string>();
}

std::vector<SplitCurve> parse_curves(const json& eval) {
  std::vector<SplitCurve> curves;
  if (!eval.contains("splits") || !eval.at("splits").is_array()) return curves;
  for (const auto& split : eval.at("splits")) {
    SplitCurve curve;
    curve.name = split.value("name", "");
    curve.kind = split.value("kind", "");
    for (const auto& point : split.value("points", json::array()))
      if (point.contains("length") && point.at("length").is_number_integer())
        curve.points.emplace_back(point.at("length").get<int>(), number_or_nan(point.value("accuracy", json())));
    curves.push_back(std::move(curve));
  }
  return curves;
}

const char* const kFamilyOrder[] = {"regular", "dcf", "cs", "memory"};

int family_rank(const std::string& family) {
  for (int i = 0; i < 4; ++i)
    if (family == kFamilyOrder[i]) return i;
  return 4;
}

// Records grouped by (task, encoding).
using Groups = std::map<std::pair<std::string, std::string>, std::vector<const ResultRecord*>>;

PairSummary summarize_pair(const std::vector<const ResultRecord*>& records) {
  PairSummary summary;
  std::vector<double> id, ood;
  for (const auto* record : records) {
    if (record->status == "diverged") ++summary.diverged;
    else if (record->status == "failed") ++summary.failed;
    else if (record->status == "not_applicable") ++summary.not_applicable;
    else ++summary.ok;
    if (record->status != "ok") continue;
    if (std::isfinite(record->id_accuracy)) id.push_back(record->id_accuracy);
    if (std::isfinite(record->ood_accuracy)) ood.push_back(record->ood_accuracy);
  }
  summary.id = compute_stat(id);
  summary.ood = compute_stat(ood);
  return summary;
}

// Marks the best encoding(s) of every task, OOD and ID separately.
void mark_best(Report& report, const std::vector<std::string>& tasks) {
  for (const auto& task : tasks) {
    double best_id = -1.0, best_ood = -1.0;
    for (const auto& encoding : report.encodings) {
      const PairSummary& pair = report.pairs[{task, encoding}];
      if (pair.id.n > 0) best_id = std::max(best_id, pair.id.mean);
      if (pair.ood.n > 0) best_ood = std::max(best_ood, pair.ood.mean);
    }
    for (const auto& encoding : report.encodings) {
      PairSummary& pair = report.pairs[{task, encoding}];
      pair.best_id = pair.id.n > 0 && pair.id.mean == best_id;
      pair.best_ood = pair.ood.n > 0 && pair.ood.mean == best_ood;
    }
  }
}

void rank_encodings(Report& report, const std::vector<std::string>& tasks) {
  for (const auto& encoding : report.encodings) {
    EncodingRank rank;
    rank.encoding = encoding;
    double sum = 0.0;
    for (const auto& task : tasks) {
      const PairSummary& pair = report.pairs[{task, encoding}];
      if (pair.ood.n == 0) continue;
      sum += pair.ood.mean;
      ++rank.tasks_with_value;
      rank.tasks_won += pair.best_ood;
    }
    rank.mean_ood = rank.tasks_with_value > 0 ? sum / rank.tasks_with_value : std::nan("");
    report.ranking.push_back(rank);
  }
  // Coverage first: a mean over 3 tasks is not comparable with a mean over 18,
  // so an encoding with fewer measured tasks never ranks above a fuller one.
  std::stable_sort(report.ranking.begin(), report.ranking.end(), [](const EncodingRank& a, const EncodingRank& b) {
    if (a.tasks_with_value != b.tasks_with_value) return a.tasks_with_value > b.tasks_with_value;
    const double ma = std::isfinite(a.mean_ood) ? a.mean_ood : -1.0;
    const double mb = std::isfinite(b.mean_ood) ? b.mean_ood : -1.0;
    return ma != mb ? ma > mb : a.tasks_won > b.tasks_won;
  });
}

// Mean accuracy per length over a pair's ok seeds, for one split.
std::vector<std::pair<int, double>> mean_curve(const std::vector<const ResultRecord*>& records,
                                               const std::string& split) {
  std::map<int, std::vector<double>> by_length;
  for (const auto* record : records) {
    if (record->status != "ok") continue;
    for (const auto& curve : record->splits)
      if (curve.name == split)
        for (const auto& [length, accuracy] : curve.points)
          if (std::isfinite(accuracy)) by_length[length].push_back(accuracy);
  }
  std::vector<std::pair<int, double>> points;
  for (const auto& [length, values] : by_length) points.emplace_back(length, compute_stat(values).mean);
  return points;
}

// Charts for every (task, split) evaluated at two or more lengths.
void build_charts(Report& report, const Groups& groups, const std::vector<std::string>& tasks) {
  for (const auto& task : tasks) {
    std::map<std::string, std::string> split_kinds;  // name -> kind, in name order
    for (const auto& [key, records] : groups)
      if (key.first == task)
        for (const auto* record : records)
          for (const auto& curve : record->splits)
            if (curve.points.size() >= 2) split_kinds[curve.name] = curve.kind;
    for (const auto& [split, kind] : split_kinds) {
      LengthChart chart{task, split, kind, {}};
      for (const auto& [key, records] : groups)
        if (key.first == task) {
          auto points = mean_curve(records, split);
          if (!points.empty()) chart.series[key.second] = std::move(points);
        }
      report.charts.push_back(std::move(chart));
    }
  }
}

// Seeds of one pair should share one configuration; mixing two suites'
// results in one directory would silently average different experiments.
void warn_mixed_configs(Report& report, const Groups& groups) {
  for (const auto& [key, records] : groups)
    for (const auto* record : records)
      if (record->config != records.front()->config) {
        report.warnings.push_back("warning: " + key.first + "/" + key.second + ": seeds have different configurations (" +
                                  records.front()->file + " vs " + record->file + ")");
        break;
      }
}

}  // namespace

Stat compute_stat(const std::vector<double>& values) {
  Stat stat;
  stat.n = static_cast<int>(values.size());
  if (stat.n == 0) return stat;
  double sum = 0.0;
  for (double v : values) sum += v;
  stat.mean = sum / stat.n;
  if (stat.n < 2) return stat;
  double squares = 0.0;
  for (double v : values) squares += (v - stat.mean) * (v - stat.mean);
  stat.stddev = std::sqrt(squares / (stat.n - 1));
  return stat;
}

ResultRecord parse_result_record(const json& result, const std::string& file) {
  if (!result.is_object()) throw std::runtime_error("not a JSON object");
  const json& version = field(result, "schema_version");
  if (version != kResultSchemaVersion) throw std::runtime_error("unsupported schema_version " + version.dump());
  ResultRecord record;
  record.file = file;
  const json& task = field(result, "task");
  record.task = task.contains("label") ? string_field(task, "label") : string_field(task, "name");
  record.family = task.contains("family") ? string_field(task, "family") : "other";
  const json& encoding = field(result, "encoding");
  record.encoding = encoding.contains("label") ? string_field(encoding, "label") : string_field(encoding, "name");
  const json& seed = field(result, "seed");
  if (!seed.is_number_integer()) throw std::runtime_error("\"seed\" is not an integer");
  record.seed = seed.get<int>();
  record.status = string_field(result, "status");
  if (record.status != "ok" && record.status != "diverged" && record.status != "failed" &&
      record.status != "not_applicable")
    throw std::runtime_error("unknown status '" + record.status + "'");
  const json& eval = field(result, "eval");
  record.id_accuracy = number_or_nan(eval.value("id_accuracy", json()));
  record.ood_accuracy = number_or_nan(eval.value("ood_accuracy", json()));
  record.splits = parse_curves(eval);
  record.config = result.value("config", json());
  return record;
}

LoadedResults load_results(const fs::path& dir) {
  LoadedResults loaded;
  const std::vector<fs::path> files = find_result_files(dir, loaded.warnings);
  std::map<std::tuple<std::string, std::string, int>, std::string> seen;  // (task, encoding, seed) -> file
  for (const auto& path : files) {
    try {
      std::ifstream in(path);
      ResultRecord record = parse_result_record(json::parse(in), path.string());
      // A copy of a result (another directory, a backup) must not count as a second seed.
      const auto [first, fresh] = seen.emplace(std::make_tuple(record.task, record.encoding, record.seed), record.file);
      if (!fresh) {
        loaded.warnings.push_back("warning: skipping " + path.string() + ": a second result for " + record.task + "/" +
                                  record.encoding + "/seed" + std::to_string(record.seed) + " (first: " +
                                  first->second + "); duplicates are never pooled");
        continue;
      }
      loaded.records.push_back(std::move(record));
    } catch (const std::exception& error) {
      std::string why = error.what();
      if (dynamic_cast<const json::parse_error*>(&error)) why = "malformed JSON";
      loaded.warnings.push_back("warning: skipping " + path.string() + ": not a pebench result (" + why + ")");
    }
  }
  return loaded;
}

Report build_report(const LoadedResults& loaded, const std::string& source) {
  Report report;
  report.source = source;
  report.files = static_cast<int>(loaded.records.size());
  report.warnings = loaded.warnings;
  Groups groups;
  std::map<std::string, std::string> task_family;
  std::set<std::string> encodings;
  for (const auto& record : loaded.records) {
    groups[{record.task, record.encoding}].push_back(&record);
    task_family.emplace(record.task, record.family);
    encodings.insert(record.encoding);
  }
  report.encodings.assign(encodings.begin(), encodings.end());
  std::vector<std::string> tasks;
  for (const auto& [task, family] : task_family) tasks.push_back(task);
  report.total_tasks = static_cast<int>(tasks.size());
  for (const auto& task : tasks)
    for (const auto& encoding : report.encodings) {
      auto group = groups.find({task, encoding});
      report.pairs[{task, encoding}] = group == groups.end() ? PairSummary{} : summarize_pair(group->second);
    }
  std::map<std::pair<int, std::string>, FamilyTable> families;
  for (const auto& [task, family] : task_family) {
    FamilyTable& table = families[{family_rank(family), family}];
    table.family = family;
    table.tasks.push_back(task);
  }
  for (auto& [key, table] : families) report.families.push_back(table);
  mark_best(report, tasks);
  rank_encodings(report, tasks);
  build_charts(report, groups, tasks);
  warn_mixed_configs(report, groups);
  return report;
}

}  // namespace pebench
