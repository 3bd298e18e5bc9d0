// `pebench run [--suite NAME | --config FILE] [--tasks a,b] [--encodings x,y]
//              [--seeds 0-2] [--steps N] [--out DIR] [--threads N] [--jobs N] [--force] [--shard I/N]
//              [--dry-run]`
//
// Loads the suite (default: quick), applies the flags, expands and validates
// the whole grid, estimates every cell's peak memory and refuses cells (or a
// --jobs) that cannot fit in this machine's memory (bad input: exit 2 before
// any file is written), runs this shard's cells (resume: finished cells with
// the same configuration are kept), prints a summary, and writes
// DIR/report.md over everything in DIR. Exit 1 if any cell failed.
// --dry-run prints the grid with each cell's memory and time estimate and
// trains and writes nothing. --config RESULT.json reruns the cell a result
// file records and says whether it reproduced it (harness/run/rerun.hpp).
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include <fmt/core.h>
#include <omp.h>

#include "common/errors.hpp"
#include "common/quote.hpp"
#include "common/atomic_file.hpp"
#include "harness/run/cell_cost.hpp"
#include "harness/run/cell_executor.hpp"
#include "harness/cli/cli.hpp"
#include "harness/cli/cli_run.hpp"
#include "harness/config/grid.hpp"
#include "harness/run/grid_status.hpp"
#include "harness/report/report_render.hpp"
#include "harness/run/rerun.hpp"
#include "harness/run/result_file.hpp"
#include "harness/run/runner.hpp"
#include "harness/config/suite_config.hpp"
#include "harness/config/suites.hpp"
#include "models/transformer.hpp"

namespace pebench {

const Task& TaskCache::get(const Cell& cell) {
  auto& task = tasks_[cell.task_label];
  if (!task) task = make_task(cell.task_name, cell.task_options);
  return *task;
}

namespace {

constexpr int kUnset = RunFlags::kUnset;

// The report over everything in the output directory (all shards so far).
// A run whose cells were all claimed by another run may find no result yet.
void write_run_report(const std::filesystem::path& dir) {
  std::vector<std::string> warnings;
  std::string text;
  try {
    text = with_grid_coverage(dir, "md", make_report(dir, "md", ReportOptions{}, warnings),
                              warnings);
  } catch (const UsageError&) {
    std::fprintf(stderr, "report: not written, no finished result in %s yet\n", dir.c_str());
    return;
  }
  for (const auto& warning : warnings) std::fprintf(stderr, "pebench: %s\n", printable(warning).c_str());
  write_file_atomically(dir / "report.md", text);
  std::fprintf(stderr, "report: %s\n", (dir / "report.md").c_str());
}

// OpenMP threads per cell: --threads, else the cores shared out over the jobs.
int threads_per_cell(const RunFlags& flags) {
  if (flags.threads != kUnset) return flags.threads;
  return std::max(1, omp_get_max_threads() / flags.jobs);
}

// The output directory is created (or found writable) before any cell trains,
// so a bad --out fails at once instead of after the first cell's training.
void prepare_output_directory(const std::filesystem::path& out_dir) {
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) throw UsageError(fmt::format("--out: cannot create directory '{}': {}", out_dir.string(), error.message()));
  if (::access(out_dir.c_str(), W_OK) != 0)
    throw UsageError(fmt::format("--out: directory '{}' is not writable", out_dir.string()));
}

std::vector<CellCost> estimate_costs(const std::vector<Cell>& cells, TaskCache& tasks) {
  std::vector<CellCost> costs;
  for (const auto& cell : cells) costs.push_back(estimate_cell_cost(cell, tasks.get(cell)));
  return costs;
}

// Refuses, before anything is written, a cell that cannot fit in memory and a
// --jobs whose cells cannot fit side by side.
void check_memory(const std::vector<Cell>& cells, const std::vector<CellCost>& costs, int jobs,
                  const std::string& origin) {
  const double memory = machine_memory_bytes();
  std::vector<double> peaks;
  for (size_t i = 0; i < cells.size(); ++i) {
    peaks.push_back(costs[i].peak_bytes());
    if (costs[i].peak_bytes() > memory)
      throw UsageError(fmt::format("{}: cell {} needs about {} of memory ({:.3g} parameters, a training step at the "
                                   "longest length, evaluation), more than this machine has ({}); shrink the model, "
                                   "train.batch_size, the lengths or eval.sub_batch",
                                   origin, cells[i].name(), format_bytes(costs[i].peak_bytes()),
                                   costs[i].parameters, format_bytes(memory)));
  }
  std::sort(peaks.rbegin(), peaks.rend());
  double together = 0;
  for (int j = 0; j < jobs && j < static_cast<int>(peaks.size()); ++j) together += peaks[j];
  if (jobs > 1 && together > memory)
    throw UsageError(fmt::format("--jobs {}: the {} largest cells need about {} together, more than this machine has "
                                 "({}); use fewer jobs",
                                 jobs, std::min<size_t>(jobs, peaks.size()), format_bytes(together),
                                 format_bytes(memory)));
}

// Result paths must stay within what the file system accepts.
void check_path_lengths(const std::vector<Cell>& cells, const std::filesystem::path& out_dir) {
  constexpr size_t kMaxPath = 4000;  // PATH_MAX is 4096 on Linux; the temp file name is longer
  for (const auto& cell : cells)
    if (result_path(out_dir, cell).string().size() > kMaxPath)
      throw UsageError(fmt::format("--out: the result path of cell {} would be longer than {} characters",
                                   cell.name(), kMaxPath));
}

// Whether a finished result for the cell is already in out_dir (read only).
bool already_done(const std::filesystem::path& out_dir, const Cell& cell, bool force) {
  return !force && check_existing_result(result_path(out_dir, cell), cell) == ExistingResult::done;
}

// --dry-run: the grid, each cell's memory and estimated time, on stdout.
// Times come from a short measured probe of each distinct model, encoding and
// training length on this machine (models/transformer.cpp at --threads).
void print_dry_run(const std::vector<Cell>& cells, const std::vector<CellCost>& costs, TaskCache& tasks,
                   const RunFlags& flags, const std::filesystem::path& out_dir) {
  std::map<std::string, double> rates;  // probe key -> FLOP/s
  size_t width = 4;
  for (const auto& cell : cells) width = std::max(width, cell.name().size());
  fmt::print("{:<{}}  {:>10}  {:>9}  {}\n", "cell", width, "memory", "time", "");
  double total_seconds = 0, largest = 0;
  int done = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    const Cell& cell = cells[i];
    const bool causal = tasks.get(cell).attention() == Attention::causal;
    const std::string key = model_config_json(cell.settings.model).dump() + cell.encoding_name +
                            cell.encoding_params.dump() + (causal ? "causal" : "bidirectional");
    auto rate = rates.find(key);
    if (rate == rates.end()) rate = rates.emplace(key, measure_flops_per_second(cell, tasks.get(cell))).first;
    const double seconds = (costs[i].train_flops + costs[i].eval_flops) / rate->second;
    const bool finished = already_done(out_dir, cell, flags.force);
    done += finished;
    if (!finished) total_seconds += seconds;
    largest = std::max(largest, costs[i].peak_bytes());
    fmt::print("{:<{}}  {:>10}  {:>9}  {}\n", cell.name(), width, format_bytes(costs[i].peak_bytes()),
               format_duration(seconds), finished ? "done (kept on a run)" : "");
  }
  fmt::print("{} cells ({} done); the largest needs about {} of this machine's {}; about {} of training and "
             "evaluation to run, {} wall with --jobs {}. Times are estimates from a one-step probe of each model "
             "and encoding on this machine; nothing was trained or written.\n",
             cells.size(), done, format_bytes(largest), format_bytes(machine_memory_bytes()),
             format_duration(total_seconds), format_duration(total_seconds / flags.jobs), flags.jobs);
}

}  // namespace

RunPlan plan_run(const RunFlags& flags, TaskCache& tasks) {
  if (flags.threads != kUnset) check_range("--threads", flags.threads, 1, 4096);
  check_range("--jobs", flags.jobs, 1, 4096);
  RunPlan plan;
  plan.shard = flags.shard.empty() ? Shard{} : parse_shard(flags.shard, "--shard");
  plan.suite = load_selected_suite(flags);
  plan.grid = expand_grid(plan.suite);
  plan.cells = shard_cells(plan.grid, plan.shard);
  plan.out_dir = flags.out.empty() ? "results/" + plan.suite.name : flags.out;
  check_path_lengths(plan.cells, plan.out_dir);
  plan.costs = estimate_costs(plan.cells, tasks);
  check_memory(plan.cells, plan.costs, flags.jobs, plan.suite.origin);
  return plan;
}

namespace {

void run_command(const RunFlags& flags) {
  TaskCache tasks;
  const RunPlan plan = plan_run(flags, tasks);
  const std::vector<Cell>& cells = plan.cells;
  const std::vector<CellCost>& costs = plan.costs;
  const std::filesystem::path& out_dir = plan.out_dir;
  const Shard shard = plan.shard;
  const Suite& suite = plan.suite;
  const std::vector<Cell>& grid = plan.grid;
  const int threads = threads_per_cell(flags);
  set_num_threads(threads);
  if (flags.dry_run) {
    fmt::print("pebench run --dry-run: suite {}, {} cells{}, {} at a time with {} threads each, results in {}\n",
               suite.name, cells.size(),
               shard.count > 1 ? fmt::format(" (shard {}/{} of {})", shard.index, shard.count, grid.size()) : "",
               flags.jobs, threads, out_dir.string());
    print_dry_run(cells, costs, tasks, flags, out_dir);
    return;
  }
  // --config RESULT.json: the source, read before a --force run into its own directory replaces it.
  std::optional<ResultRecord> source;
  if (is_result_file(flags.config)) source = read_result_record(flags.config);
  prepare_output_directory(out_dir);
  record_grid_manifest(out_dir, suite.name, grid);  // the whole grid, for `pebench status` and the report
  std::fprintf(stderr, "pebench run: suite %s, %zu cells%s, %d at a time with %d threads each, results in %s\n",
               suite.name.c_str(), cells.size(),
               shard.count > 1 ? fmt::format(" (shard {}/{} of {})", shard.index, shard.count, grid.size()).c_str() : "",
               flags.jobs, threads, out_dir.c_str());

  RunOptions options{out_dir, flags.force, threads, flags.jobs,
                     [](const std::string& line) { std::fprintf(stderr, "pebench: %s\n", printable(line).c_str()); }};
  Progress progress(stderr, ::isatty(STDERR_FILENO) != 0);
  const RunSummary summary = run_cells(cells, options, execute_cell, progress);
  progress.summary(summary.rows);
  std::fprintf(stderr, "%d ran, %d kept from earlier runs, %d diverged, %d failed%s\n", summary.ran, summary.kept,
               summary.diverged, summary.failed,
               summary.elsewhere > 0 ? fmt::format(", {} left to another run on this directory", summary.elsewhere).c_str()
                                     : "");
  if (!cells.empty()) write_run_report(out_dir);
  if (source) check_reproduction(*source, flags.config, out_dir, cells, flags.force);
  if (summary.failed > 0)
    throw RuntimeError(fmt::format("{} of {} cells failed (see the summary above)", summary.failed, cells.size()));
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Train and evaluate a grid of (task, encoding, seed) cells");
  auto flags = std::make_shared<RunFlags>();
  auto* suite = cmd->add_option("--suite", flags->suite, "Shipped suite: smoke | quick | standard | full (default: quick)");
  auto* config = cmd->add_option("--config", flags->config, "A suite file of your own, or a result file (seed<k>.json) to rerun its cell");
  suite->excludes(config);
  cmd->add_option("--tasks", flags->tasks, "Comma list of task labels or registered names");
  cmd->add_option("--encodings", flags->encodings, "Comma list of encoding labels or registered names");
  cmd->add_option("--seeds", flags->seeds, "Seeds, e.g. 0-2 or 1,3");
  cmd->add_option("--steps", flags->steps, "Training steps for every task (overrides the suite)");
  cmd->add_option("--out", flags->out, "Output directory (default: results/<suite>/)");
  cmd->add_option("--threads", flags->threads, "OpenMP threads per cell (default: the cores / --jobs)");
  cmd->add_option("--jobs", flags->jobs, "Cells run at once (default 1)");
  cmd->add_flag("--force", flags->force, "Redo cells even if a matching result exists");
  cmd->add_option("--shard", flags->shard, "Run only shard I of N, e.g. 2/3");
  cmd->add_flag("--dry-run", flags->dry_run,
                "Print the grid with each cell's memory and time estimate; train and write nothing");
  reject_empty_values(*cmd);
  cmd->callback([flags] { run_command(*flags); });
}

}  // namespace pebench
