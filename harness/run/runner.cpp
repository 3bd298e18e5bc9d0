#include "harness/run/runner.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>

#include <omp.h>

#include "common/atomic_file.hpp"
#include "harness/run/checkpoint.hpp"
#include "harness/run/cell_lock.hpp"
#include "harness/run/result_file.hpp"

namespace pebench {

namespace fs = std::filesystem;

// The summary row of a result file a previous run left (for kept cells).
static SummaryRow row_from_file(const fs::path& path, const std::string& cell) {
  SummaryRow row{cell, "kept", std::nan(""), std::nan(""), std::nan(""), ""};
  try {
    const ResultRecord record = read_result_record(path);
    row.status = std::string("kept ") + to_string(record.outcome.status);
    row.id_accuracy = record.outcome.eval.learned_id_accuracy();
    row.ood_accuracy = record.outcome.eval.ood_accuracy;
    row.seconds = record.outcome.train_wall_s + record.outcome.eval_wall_s;
  } catch (const ResultFileError&) {
    // replaced meanwhile; the row is only a summary
  }
  return row;
}

// train.save_model asks for weights that a finished "ok" cell does not have
// (the suite was first run without it, or the file was deleted): redo the cell.
static bool weights_missing(const fs::path& path, const Cell& cell) {
  if (!cell.settings.train.save_model || fs::exists(weights_path_for(path))) return false;
  return read_result_record(path).outcome.status == CellStatus::ok;
}

// Whether the cell still needs running; warns once about a damaged result path.
static bool needs_running(const fs::path& path, const Cell& cell, const RunOptions& options) {
  std::string damage;
  const ExistingResult existing = check_existing_result(path, cell, &damage);
  if (existing == ExistingResult::unreadable && options.warn)
    options.warn("warning: " + path.string() + ": " + damage + "; the cell " + cell.name() + " is redone");
  return existing != ExistingResult::done || weights_missing(path, cell);
}

static CellOutcome failed_outcome(const std::string& message) {
  CellOutcome outcome;
  outcome.status = CellStatus::failed;
  outcome.message = message;
  return outcome;
}

// Runs one cell; an exception becomes a "failed" outcome.
static CellOutcome run_one(const Cell& cell, const CellExecutor& execute, Progress& progress, int slot) {
  CellHooks hooks;
  hooks.on_step = [&progress, slot](int step, double loss) { progress.step(slot, step, loss); };
  hooks.on_evaluate = [&progress, slot] { progress.evaluating(slot); };
  try {
    return execute(cell, hooks);
  } catch (const std::exception& error) {
    return failed_outcome(error.what());
  }
}

namespace {

// The cells still to run, handed out to the workers one at a time.
class CellQueue {
 public:
  CellQueue(const std::vector<Cell>& cells, const std::vector<size_t>& pending, const RunOptions& options,
            const CellExecutor& execute, Progress& progress, RunSummary& summary)
      : cells_(cells), pending_(pending), options_(options), execute_(execute), progress_(progress),
        summary_(summary), context_(run_context(options.threads)), start_(fs::file_time_type::clock::now()) {}

  // Runs queued cells until none is left; the first I/O error stops this worker.
  void work() {
    omp_set_num_threads(options_.threads);  // this thread's own OpenMP setting
    try {
      for (size_t k; (k = next_++) < pending_.size();) run(pending_[k]);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
      next_ = pending_.size();
    }
  }
  void rethrow_error() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void run(size_t index) {
    const Cell& cell = cells_[index];
    const fs::path path = result_path(options_.out_dir, cell);
    if (!locks_.try_claim(path))
      return record(index, SummaryRow{cell.name(), "elsewhere", std::nan(""), std::nan(""), 0.0,
                                      "claimed by another run on this directory"}, nullptr);
    try {
      if (finished_meanwhile(path, cell)) {
        locks_.release(path);
        return record(index, row_from_file(path, cell.name()), nullptr);
      }
      run_claimed(index, path);
    } catch (...) {
      locks_.release(path);
      throw;
    }
    locks_.release(path);
  }

  // Another run may have finished the cell between our scan and our claim
  // (with --force: after this run started).
  bool finished_meanwhile(const fs::path& path, const Cell& cell) const {
    if (check_existing_result(path, cell) != ExistingResult::done || weights_missing(path, cell)) return false;
    if (!options_.force) return true;
    std::error_code ec;
    const auto written = fs::last_write_time(path, ec);
    return !ec && written >= start_;
  }

  void run_claimed(size_t index, const fs::path& path) {
    const Cell& cell = cells_[index];
    remove_orphaned_temp_files(path);  // left by a run killed mid-write
    remove_orphaned_temp_files(weights_path_for(path));
    move_damaged_result_aside(path);  // a directory there was named in the scan's warning
    const int slot = progress_.begin_cell(cell.name(), cell.settings.train.steps);
    const auto start = std::chrono::steady_clock::now();
    const CellOutcome outcome = run_one(cell, execute_, progress_, slot);
    // Weights first: a result file that names its weights always has them; a
    // rerun without weights leaves none of an earlier run's behind.
    std::error_code ignored;
    if (!outcome.weights.empty()) write_file_atomically(weights_path_for(path), outcome.weights);
    else fs::remove(weights_path_for(path), ignored);
    write_file_atomically(path, ResultRecord::of(cell, outcome, context_).to_text());
    const SummaryRow row{cell.name(), to_string(outcome.status), outcome.eval.learned_id_accuracy(),
                         outcome.eval.ood_accuracy,
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                         outcome.message};
    progress_.end_cell(slot, row);
    record(index, row, &outcome);
  }

  // `outcome` is null for cells this run did not train.
  void record(size_t index, const SummaryRow& row, const CellOutcome* outcome) {
    if (!outcome && row.status != "elsewhere") progress_.kept(row);
    std::lock_guard<std::mutex> lock(mutex_);
    summary_.rows[index] = row;
    if (!outcome) {
      summary_.elsewhere += row.status == "elsewhere";
      summary_.kept += row.status != "elsewhere";
      return;
    }
    ++summary_.ran;
    summary_.failed += outcome->status == CellStatus::failed;
    summary_.diverged += outcome->status == CellStatus::diverged;
  }

  const std::vector<Cell>& cells_;
  const std::vector<size_t>& pending_;
  const RunOptions& options_;
  const CellExecutor& execute_;
  Progress& progress_;
  RunSummary& summary_;
  const json context_;
  const fs::file_time_type start_;
  CellLocks locks_;
  std::atomic<size_t> next_{0};
  std::mutex mutex_;
  std::exception_ptr error_;
};

}  // namespace

RunSummary run_cells(const std::vector<Cell>& cells, const RunOptions& options, const CellExecutor& execute,
                     Progress& progress) {
  RunSummary summary;
  summary.rows.resize(cells.size());
  std::vector<size_t> pending;
  for (size_t i = 0; i < cells.size(); ++i) {
    const fs::path path = result_path(options.out_dir, cells[i]);
    if (options.force || needs_running(path, cells[i], options)) {
      pending.push_back(i);
      continue;
    }
    summary.rows[i] = row_from_file(path, cells[i].name());
    progress.kept(summary.rows[i]);
    ++summary.kept;
  }
  const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(pending.size())));
  progress.begin_run(static_cast<int>(pending.size()), jobs);
  CellQueue queue(cells, pending, options, execute, progress, summary);
  std::vector<std::thread> workers;
  for (int j = 1; j < jobs; ++j) workers.emplace_back([&queue] { queue.work(); });
  queue.work();
  for (auto& worker : workers) worker.join();
  queue.rethrow_error();
  return summary;
}

}  // namespace pebench
