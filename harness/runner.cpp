#include "harness/runner.hpp"

#include <chrono>
#include <cmath>
#include <fstream>

#include "harness/atomic_file.hpp"
#include "harness/result_file.hpp"

namespace pebench {

namespace fs = std::filesystem;

static double json_number_or_nan(const json& value) {
  return value.is_number() ? value.get<double>() : std::nan("");
}

// The summary row of a result file a previous run left (for kept cells).
static SummaryRow row_from_file(const fs::path& path, const std::string& cell) {
  std::ifstream in(path);
  const json result = json::parse(in);
  SummaryRow row;
  row.cell = cell;
  row.status = "kept " + result.at("status").get<std::string>();
  row.id_accuracy = json_number_or_nan(result.at("eval").value("id_accuracy", json()));
  row.ood_accuracy = json_number_or_nan(result.at("eval").value("ood_accuracy", json()));
  row.seconds = json_number_or_nan(result.at("train").value("wall_time_s", json())) +
                json_number_or_nan(result.at("eval").value("wall_time_s", json()));
  return row;
}

static CellOutcome failed_outcome(const std::string& message) {
  CellOutcome outcome;
  outcome.status = CellStatus::failed;
  outcome.message = message;
  return outcome;
}

// Runs one cell; an exception becomes a "failed" outcome.
static CellOutcome run_one(const Cell& cell, const CellExecutor& execute, Progress& progress) {
  CellHooks hooks;
  hooks.on_step = [&progress](int step, double loss) { progress.step(step, loss); };
  hooks.on_evaluate = [&progress] { progress.evaluating(); };
  try {
    return execute(cell, hooks);
  } catch (const std::exception& error) {
    return failed_outcome(error.what());
  }
}

RunSummary run_cells(const std::vector<Cell>& cells, const RunOptions& options, const CellExecutor& execute,
                     Progress& progress) {
  RunSummary summary;
  std::vector<bool> to_run(cells.size());
  int count = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    const fs::path path = result_path(options.out_dir, cells[i]);
    remove_stale_temp_files(path);  // left by a run killed mid-write
    to_run[i] = options.force || check_existing_result(path, cells[i]) != ExistingResult::done;
    count += to_run[i];
  }
  progress.begin_run(count);
  const json context = run_context(options.threads);
  for (size_t i = 0; i < cells.size(); ++i) {
    const Cell& cell = cells[i];
    const fs::path path = result_path(options.out_dir, cell);
    if (!to_run[i]) {
      summary.rows.push_back(row_from_file(path, cell.name()));
      progress.kept(summary.rows.back());
      ++summary.kept;
      continue;
    }
    progress.begin_cell(cell.name(), cell.settings.train.steps);
    const auto start = std::chrono::steady_clock::now();
    const CellOutcome outcome = run_one(cell, execute, progress);
    write_file_atomically(path, result_json(cell, outcome, context).dump(1) + "\n");
    const SummaryRow row{cell.name(), status_name(outcome.status), outcome.eval.id_accuracy,
                         outcome.eval.ood_accuracy,
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                         outcome.message};
    progress.end_cell(row);
    summary.rows.push_back(row);
    ++summary.ran;
    summary.failed += outcome.status == CellStatus::failed;
    summary.diverged += outcome.status == CellStatus::diverged;
  }
  return summary;
}

}  // namespace pebench
