// The grid: a suite expanded into cells, one per (task, encoding, seed), each
// with fully resolved settings, and the shard partition over them.
//
// Expansion validates everything a run could trip over before any file is
// written: task/encoding options, lengths against the task's limits and
// against model.max_seq_len, split names, and whether the encoding can serve
// the task's attention mode, the optimizer settings together (the engine's own
// checks), and the grid's size (kMaxGridCells). Problems are UsageErrors (exit 2).
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/config/cell_settings.hpp"
#include "harness/config/selection.hpp"
#include "harness/config/suite_config.hpp"
#include "tasks/task.hpp"

namespace pebench {

using json = nlohmann::json;

// One evaluation split of a cell, with its resolved lengths.
struct SplitPlan {
  std::string name;
  SplitKind kind = SplitKind::id;
  std::vector<int> lengths;
};

struct Cell {
  std::string task_label, task_name, family;
  int task_version = 1;
  json task_options;  // resolved: Task::options(), defaults included
  std::string encoding_label, encoding_name;
  json encoding_params;  // resolved: Encoding::options()
  int seed = 0;
  CellSettings settings;  // model vocabularies filled in from the task
  std::string train_split;
  std::vector<int> train_lengths;
  std::vector<SplitPlan> eval_splits;

  // "<task label>/<encoding label>/seed<k>": the result file's path under DIR.
  // (Its JSON forms, the result file's "config" and the identity a rerun
  // compares, are written by harness/run/result_record.hpp.)
  std::string name() const;
};

// The most cells one grid may have (the full suite has about 1,500): each
// cell holds its resolved settings in memory before the first one runs.
constexpr size_t kMaxGridCells = 20000;

// Every cell of the suite, ordered by (task label, encoding label, seed).
// Every task/encoding pair is a cell; one whose encoding does not apply to the
// task (Encoding::applicable) ends as not_applicable when it runs.
std::vector<Cell> expand_grid(const Suite& suite);

// The cells of shard `shard`, in grid order. Cells are dealt round-robin in
// the order of a stable hash of their names (FNV-1a, the same on every
// machine): shard sizes differ by at most one, and expensive cells (one slow
// encoding, one long task) spread over the shards instead of piling up in the
// one that a plain round-robin over the sorted grid would give them. All
// shards of a run must see the same grid (same suite and selection flags).
std::vector<Cell> shard_cells(const std::vector<Cell>& cells, Shard shard);

}  // namespace pebench
