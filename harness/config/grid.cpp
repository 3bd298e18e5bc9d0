#include "harness/config/grid.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include <fmt/core.h>

#include "common/quote.hpp"
#include "common/registry.hpp"
#include "common/rng.hpp"
#include "models/encoding.hpp"
#include "models/optimizer.hpp"
#include "models/params.hpp"

namespace pebench {

namespace {

// Everything about one task entry that does not depend on encoding or seed.
struct TaskPlan {
  const TaskEntry* entry = nullptr;
  std::unique_ptr<Task> task;
  CellSettings settings;
  std::string train_split;
  std::vector<int> train_lengths;
  std::vector<SplitPlan> eval_splits;
};

struct EncodingPlan {
  const EncodingEntry* entry = nullptr;
  json params;
  bool bidirectional = true;
};

[[noreturn]] void fail_task(const Suite& suite, const TaskEntry& entry, const std::string& problem) {
  throw UsageError(suite.origin + ": task " + entry.label + ": " + printable(problem, 400));
}

// A selector names a split or a kind ("id", "ood") of splits.
bool selects(const std::string& selector, const Split& split) {
  return selector == split.name || selector == to_string(split.kind);
}

// Every selector (eval.splits entry or eval.lengths key) must match some split
// of some task in the grid; anything else is a typo.
void check_selectors(const Suite& suite, const std::vector<TaskPlan>& plans) {
  std::set<std::string> names = {"id", "ood"};
  for (const auto& plan : plans)
    for (const auto& split : plan.task->splits()) names.insert(split.name);
  const std::vector<std::string> known(names.begin(), names.end());
  for (const auto& plan : plans) {
    std::vector<std::string> selectors = plan.settings.eval.splits;
    for (const auto& [key, spec] : plan.settings.eval.lengths) selectors.push_back(key);
    for (const auto& selector : selectors)
      if (std::find(known.begin(), known.end(), selector) == known.end())
        fail_task(suite, *plan.entry, "eval: " + unknown_name_message("split", selector, known));
  }
}

void check_length(const Suite& suite, const TaskPlan& plan, const std::string& what, int length) {
  try {
    plan.task->check_length(length);
  } catch (const UsageError& error) {
    fail_task(suite, *plan.entry, what + ": " + error.what());
  }
  const int positions = plan.task->sequence_length(length);
  if (positions > plan.settings.model.max_seq_len)
    fail_task(suite, *plan.entry,
              fmt::format("{} length {} needs {} positions, above model.max_seq_len ({})", what, length, positions,
                          plan.settings.model.max_seq_len));
}

void plan_training(const Suite& suite, TaskPlan& plan) {
  const auto splits = plan.task->splits();
  auto train = std::find_if(splits.begin(), splits.end(), [](const Split& s) { return s.kind == SplitKind::train; });
  if (train == splits.end()) fail_task(suite, *plan.entry, "the task has no split of kind 'train'");
  plan.train_split = train->name;
  plan.train_lengths = resolve_lengths(plan.settings.train.lengths, train->lengths);
  if (plan.train_lengths.empty()) fail_task(suite, *plan.entry, "train.lengths selects no length");
  for (int length : plan.train_lengths) check_length(suite, plan, "train", length);
}

const LengthSpec* lengths_for(const EvalConfig& eval, const Split& split) {
  auto by_name = eval.lengths.find(split.name);
  if (by_name != eval.lengths.end()) return &by_name->second;
  auto by_kind = eval.lengths.find(to_string(split.kind));
  return by_kind != eval.lengths.end() ? &by_kind->second : nullptr;
}

void plan_evaluation(const Suite& suite, TaskPlan& plan) {
  const EvalConfig& eval = plan.settings.eval;
  for (const auto& split : plan.task->splits()) {
    if (split.kind == SplitKind::train) continue;
    const bool wanted = eval.splits.empty() ||
                        std::any_of(eval.splits.begin(), eval.splits.end(),
                                    [&](const std::string& selector) { return selects(selector, split); });
    if (!wanted) continue;
    const LengthSpec* spec = lengths_for(eval, split);
    SplitPlan planned{split.name, split.kind, resolve_lengths(spec ? *spec : LengthSpec{}, split.lengths)};
    if (planned.lengths.empty()) fail_task(suite, *plan.entry, "eval split '" + split.name + "' selects no length");
    for (int length : planned.lengths) check_length(suite, plan, "eval split '" + split.name + "'", length);
    plan.eval_splits.push_back(std::move(planned));
  }
  if (plan.eval_splits.empty()) fail_task(suite, *plan.entry, "eval.splits selects no id or ood split of this task");
}

// The engine's own checks of the optimizer settings (AdamW's constructor on
// an empty model), so that values valid one by one but not together
// (eps 0, ...) stop the run here instead of failing every cell.
void check_optimizer(const Suite& suite, const TaskPlan& plan) {
  try {
    const ParamLayout no_parameters;
    AdamW<float> probe(plan.settings.train.optimizer, no_parameters);
  } catch (const UsageError& error) {
    fail_task(suite, *plan.entry, std::string("train: ") + error.what());
  }
}

TaskPlan plan_task(const Suite& suite, const TaskEntry& entry) {
  TaskPlan plan;
  plan.entry = &entry;
  try {
    plan.task = make_task(entry.name, entry.options);
  } catch (const UsageError& error) {
    fail_task(suite, entry, error.what());
  }
  plan.settings = resolve_task_settings(suite, entry, plan.task->family());
  plan.settings.model.input_vocab = static_cast<int>(plan.task->input_vocab().size());
  plan.settings.model.output_vocab = static_cast<int>(plan.task->output_vocab().size());
  check_optimizer(suite, plan);
  plan_training(suite, plan);
  return plan;
}

EncodingPlan plan_encoding(const Suite& suite, const EncodingEntry& entry) {
  EncodingPlan plan;
  plan.entry = &entry;
  try {
    const auto encoding = make_encoding<float>(entry.name, entry.options);
    plan.params = encoding->options();
    plan.bidirectional = encoding->supports_bidirectional();
  } catch (const UsageError& error) {
    throw UsageError(suite.origin + ": encoding " + entry.label + ": " + error.what());
  }
  return plan;
}

Cell make_cell(const TaskPlan& task, const EncodingPlan& encoding, int seed) {
  Cell cell;
  cell.task_label = task.entry->label;
  cell.task_name = task.entry->name;
  cell.family = task.task->family();
  cell.task_version = task.task->version();
  cell.task_options = task.task->options();
  cell.encoding_label = encoding.entry->label;
  cell.encoding_name = encoding.entry->name;
  cell.encoding_params = encoding.params;
  cell.seed = seed;
  cell.settings = task.settings;
  cell.train_split = task.train_split;
  cell.train_lengths = task.train_lengths;
  cell.eval_splits = task.eval_splits;
  return cell;
}

// False if the encoding cannot serve the task's attention mode; a UsageError
// when the user named both explicitly (that request cannot be met).
bool pair_is_servable(const Suite& suite, const TaskPlan& task, const EncodingPlan& encoding) {
  if (encoding.bidirectional || task.task->attention() == Attention::causal) return true;
  if (!task.entry->from_wildcard && !encoding.entry->from_wildcard)
    throw UsageError(suite.origin + ": encoding " + encoding.entry->label + " is causal-only and cannot serve task " +
                     task.entry->label + " (bidirectional)");
  return false;
}

// The encoding's own requirements on the model (an even head dimension for
// RoPE, ...) are checked here, before any cell trains: declaring its
// parameters on a scratch layout runs exactly the checks model construction runs.
void check_encoding_fits_model(const Suite& suite, const TaskPlan& task, const EncodingPlan& encoding) {
  try {
    ParamLayout scratch;
    make_encoding<float>(encoding.entry->name, encoding.entry->options)->declare_parameters(scratch, task.settings.model);
  } catch (const UsageError& error) {
    throw UsageError(suite.origin + ": encoding " + encoding.entry->label + " on task " + task.entry->label + ": " +
                     error.what());
  }
}

// Randomized encodings sample positions from [0, max_length) and refuse a
// longer sequence at its first forward pass (models/encodings/support/random_positions.hpp):
// check the task's longest sequence now.
void check_sampled_positions_fit(const Suite& suite, const TaskPlan& task, const EncodingPlan& encoding) {
  const json* max_length = encoding.params.contains("max_length") ? &encoding.params.at("max_length") : nullptr;
  if (!max_length || !max_length->is_number_integer()) return;
  int longest = 0;
  for (int length : task.train_lengths) longest = std::max(longest, task.task->sequence_length(length));
  for (const auto& split : task.eval_splits)
    for (int length : split.lengths) longest = std::max(longest, task.task->sequence_length(length));
  if (longest > max_length->get<int>())
    throw UsageError(fmt::format("{}: encoding {} on task {}: sequences of {} positions exceed its max_length {} "
                                 "(raise the option 'max_length')",
                                 suite.origin, encoding.entry->label, task.entry->label, longest,
                                 max_length->get<int>()));
}

}  // namespace

std::string Cell::name() const { return task_label + "/" + encoding_label + "/seed" + std::to_string(seed); }

json Cell::config_json() const {
  const TrainConfig& train = settings.train;
  const OptimizerConfig& opt = train.optimizer;
  json splits = json::array();
  for (const auto& split : eval_splits)
    splits.push_back({{"name", split.name}, {"kind", to_string(split.kind)}, {"lengths", split.lengths}});
  return {
      {"model", model_to_json(settings.model)},
      {"train", {{"steps", train.steps}, {"batch_size", train.batch_size}, {"lr", opt.lr},
                 {"schedule", to_string(opt.schedule)}, {"warmup_steps", opt.warmup_steps},
                 {"min_lr_ratio", opt.min_lr_ratio}, {"clip_norm", opt.clip_norm},
                 {"weight_decay", opt.weight_decay}, {"beta1", opt.beta1}, {"beta2", opt.beta2},
                 {"eps", opt.eps}, {"split", train_split}, {"lengths", train_lengths},
                 {"curve_points", train.curve_points}, {"eval_every", train.eval_every}}},
      {"eval", {{"seed", settings.eval.seed}, {"sequences", settings.eval.sequences},
                {"sub_batch", settings.eval.sub_batch}, {"splits", splits}}}};
}

json Cell::identity_json() const {
  return {{"task", {{"name", task_name}, {"label", task_label}, {"version", task_version}, {"options", task_options}}},
          {"encoding", {{"name", encoding_name}, {"label", encoding_label}, {"params", encoding_params}}},
          {"seed", seed},
          {"config", config_json()}};
}

std::vector<Cell> expand_grid(const Suite& suite, std::vector<std::string>* skipped) {
  if (suite.tasks.empty() || suite.encodings.empty() || suite.seeds.empty())
    throw UsageError(suite.origin + ": the grid is empty (no tasks, encodings or seeds)");
  const size_t size = suite.tasks.size() * suite.encodings.size() * suite.seeds.size();
  if (size > kMaxGridCells)
    throw UsageError(fmt::format("{}: the grid has {} cells ({} tasks x {} encodings x {} seeds), more than one run may "
                                 "hold ({}); select fewer with --tasks, --encodings or --seeds",
                                 suite.origin, size, suite.tasks.size(), suite.encodings.size(), suite.seeds.size(),
                                 kMaxGridCells));
  std::vector<TaskPlan> tasks;
  for (const auto& entry : suite.tasks) tasks.push_back(plan_task(suite, entry));
  check_selectors(suite, tasks);
  for (auto& plan : tasks) plan_evaluation(suite, plan);
  std::vector<EncodingPlan> encodings;
  for (const auto& entry : suite.encodings) encodings.push_back(plan_encoding(suite, entry));

  std::vector<Cell> cells;
  for (const auto& task : tasks)
    for (const auto& encoding : encodings) {
      if (!pair_is_servable(suite, task, encoding)) {
        if (skipped) skipped->push_back(task.entry->label + "/" + encoding.entry->label);
        continue;
      }
      check_encoding_fits_model(suite, task, encoding);
      check_sampled_positions_fit(suite, task, encoding);
      for (int seed : suite.seeds) cells.push_back(make_cell(task, encoding, seed));
    }
  std::sort(cells.begin(), cells.end(), [](const Cell& a, const Cell& b) {
    return std::tie(a.task_label, a.encoding_label, a.seed) < std::tie(b.task_label, b.encoding_label, b.seed);
  });
  return cells;
}

std::vector<Cell> shard_cells(const std::vector<Cell>& cells, Shard shard) {
  std::vector<size_t> order(cells.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::vector<uint64_t> keys(cells.size());
  for (size_t i = 0; i < cells.size(); ++i) keys[i] = hash_string(cells[i].name());
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return keys[a] != keys[b] ? keys[a] < keys[b] : cells[a].name() < cells[b].name();
  });
  std::vector<bool> mine(cells.size(), false);
  for (size_t rank = 0; rank < order.size(); ++rank)
    mine[order[rank]] = static_cast<int>(rank % shard.count) == shard.index - 1;
  std::vector<Cell> selected;
  for (size_t i = 0; i < cells.size(); ++i)
    if (mine[i]) selected.push_back(cells[i]);
  return selected;
}

}  // namespace pebench
