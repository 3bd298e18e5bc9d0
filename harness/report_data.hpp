// The data behind `pebench report`: result files read from a directory tree
// and aggregated over seeds (DESIGN §3.3). Renderers (report_render.hpp) only
// format what is computed here.
//
// - Every *.json under DIR is read; a file that is not valid JSON or not a
//   schema-1 pebench result yields one warning naming it, and the rest goes on.
// - A task × encoding entry aggregates its seeds: mean ± sample std (n = seeds
//   with status ok), and counts of diverged and failed seeds. A pair with no
//   file at all is "missing" (the grid is every task seen × every encoding seen).
// - Best per task: the highest mean (ties all marked), OOD and ID separately.
// - Ranking: per encoding, the mean over tasks of its mean OOD accuracy (tasks
//   where it has a value), and the number of tasks it wins (ties count for each).
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pebench {

using json = nlohmann::json;

// One accuracy-vs-length curve of a result (one split).
struct SplitCurve {
  std::string name;
  std::string kind;  // id | ood
  std::vector<std::pair<int, double>> points;  // (length, accuracy)
};

// The fields of one result file the report uses.
struct ResultRecord {
  std::string file;
  std::string task, family, encoding;  // labels
  int seed = 0;
  std::string status;  // ok | diverged | failed | not_applicable
  double id_accuracy = 0.0;   // NaN when absent
  double ood_accuracy = 0.0;  // NaN when absent
  std::vector<SplitCurve> splits;
  json config;  // for the mixed-configuration check
};

struct LoadedResults {
  std::vector<ResultRecord> records;
  std::vector<std::string> warnings;  // one line each, naming the file
};

LoadedResults load_results(const std::filesystem::path& dir);
// Parses one result document; throws std::runtime_error saying why it is not one.
ResultRecord parse_result_record(const json& result, const std::string& file);

struct Stat {
  int n = 0;  // values aggregated
  double mean = 0.0;
  double stddev = 0.0;  // sample standard deviation; 0 when n < 2
};
Stat compute_stat(const std::vector<double>& values);

// One task × encoding entry.
struct PairSummary {
  int ok = 0, diverged = 0, failed = 0;  // seeds by status
  int not_applicable = 0;                // seeds whose encoding does not apply to the task
  Stat id, ood;                          // over ok seeds with a value
  bool best_id = false, best_ood = false;
  bool missing() const { return ok + diverged + failed + not_applicable == 0; }
  // Shown as "n/a", never a number, never ranked.
  bool inapplicable() const { return not_applicable > 0 && ok + diverged + failed == 0; }
};

struct FamilyTable {
  std::string family;
  std::vector<std::string> tasks;  // sorted
};

struct EncodingRank {
  std::string encoding;
  double mean_ood = 0.0;  // NaN if no task has a value
  int tasks_with_value = 0;
  int tasks_won = 0;
};

// A (task, split) chart: per encoding, mean accuracy over ok seeds per length.
struct LengthChart {
  std::string task, split, kind;
  std::map<std::string, std::vector<std::pair<int, double>>> series;  // encoding -> points
};

struct Report {
  std::string source;  // the directory read
  int files = 0;
  std::vector<std::string> warnings;
  std::vector<std::string> encodings;  // sorted
  std::vector<FamilyTable> families;   // regular, dcf, cs, memory first, then others
  std::map<std::pair<std::string, std::string>, PairSummary> pairs;  // (task, encoding)
  std::vector<EncodingRank> ranking;   // best first
  std::vector<LengthChart> charts;
  int total_tasks = 0;
};

Report build_report(const LoadedResults& loaded, const std::string& source);

}  // namespace pebench
