// `pebench run [--suite NAME | --config FILE] [--tasks a,b] [--encodings x,y]
//              [--seeds 0-2] [--steps N] [--out DIR] [--threads N] [--jobs N] [--force] [--shard I/N]`
//
// Loads the suite (default: quick), applies the flags, expands and validates
// the whole grid (bad input: exit 2 before any file is written), runs this
// shard's cells (resume: finished cells with the same configuration are
// kept), prints a summary, and writes DIR/report.md over everything in DIR.
// Exit 1 if any cell failed.
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <optional>

#include <fmt/core.h>
#include <omp.h>

#include "common/errors.hpp"
#include "harness/atomic_file.hpp"
#include "harness/cell_executor.hpp"
#include "harness/cli.hpp"
#include "harness/grid.hpp"
#include "harness/report_render.hpp"
#include "harness/runner.hpp"
#include "harness/suite_config.hpp"
#include "harness/suites.hpp"
#include "models/transformer.hpp"

namespace pebench {

namespace {

constexpr int kUnset = INT_MIN;  // a numeric flag not given

struct RunFlags {
  std::string suite, config, tasks, encodings, seeds, out, shard;
  int steps = kUnset;
  int threads = kUnset;
  int jobs = 1;
  bool force = false;
};

Suite load_selected_suite(const RunFlags& flags) {
  Suite suite = flags.config.empty() ? load_suite_file(shipped_suite_path(flags.suite.empty() ? "quick" : flags.suite))
                                     : load_suite_file(flags.config);
  SuiteOverrides overrides;
  if (!flags.tasks.empty()) overrides.tasks = parse_name_list(flags.tasks, "--tasks");
  if (!flags.encodings.empty()) overrides.encodings = parse_name_list(flags.encodings, "--encodings");
  if (!flags.seeds.empty()) overrides.seeds = parse_seed_list(flags.seeds, "--seeds");
  if (flags.steps != kUnset) {
    check_range("--steps", flags.steps, 1, INT_MAX);
    overrides.steps = flags.steps;
  }
  apply_overrides(suite, overrides);
  return suite;
}

// The report over everything in the output directory (all shards so far).
void write_run_report(const std::filesystem::path& dir) {
  std::vector<std::string> warnings;
  const std::string text = make_report(dir, "md", ReportOptions{}, warnings);
  for (const auto& warning : warnings) std::fprintf(stderr, "pebench: %s\n", warning.c_str());
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

void run_command(const RunFlags& flags) {
  if (flags.threads != kUnset) check_range("--threads", flags.threads, 1, 4096);
  check_range("--jobs", flags.jobs, 1, 4096);
  const Shard shard = flags.shard.empty() ? Shard{} : parse_shard(flags.shard, "--shard");
  const Suite suite = load_selected_suite(flags);
  std::vector<std::string> skipped;
  const std::vector<Cell> grid = expand_grid(suite, &skipped);
  const std::vector<Cell> cells = shard_cells(grid, shard);
  const std::filesystem::path out_dir = flags.out.empty() ? "results/" + suite.name : flags.out;
  prepare_output_directory(out_dir);
  if (!skipped.empty())
    std::fprintf(stderr, "pebench: skipping %zu task/encoding pairs whose attention mode the encoding cannot serve "
                 "(first: %s)\n", skipped.size(), skipped.front().c_str());
  const int threads = threads_per_cell(flags);
  set_num_threads(threads);
  std::fprintf(stderr, "pebench run: suite %s, %zu cells%s, %d at a time with %d threads each, results in %s\n",
               suite.name.c_str(), cells.size(),
               shard.count > 1 ? fmt::format(" (shard {}/{} of {})", shard.index, shard.count, grid.size()).c_str() : "",
               flags.jobs, threads, out_dir.c_str());

  RunOptions options{out_dir, flags.force, threads, flags.jobs};
  Progress progress(stderr, ::isatty(STDERR_FILENO) != 0);
  const RunSummary summary = run_cells(cells, options, execute_cell, progress);
  progress.summary(summary.rows);
  std::fprintf(stderr, "%d ran, %d kept from earlier runs, %d diverged, %d failed\n", summary.ran, summary.kept,
               summary.diverged, summary.failed);
  if (!cells.empty()) write_run_report(out_dir);
  if (summary.failed > 0)
    throw RuntimeError(fmt::format("{} of {} cells failed (see the summary above)", summary.failed, cells.size()));
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Train and evaluate a grid of (task, encoding, seed) cells");
  auto flags = std::make_shared<RunFlags>();
  auto* suite = cmd->add_option("--suite", flags->suite, "Shipped suite: smoke | quick | full (default: quick)");
  auto* config = cmd->add_option("--config", flags->config, "A suite file of your own");
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
  cmd->callback([flags] { run_command(*flags); });
}

}  // namespace pebench
