// The runner: takes the cells of one shard, skips those a previous run
// finished with the same configuration, runs the rest one after another and
// writes each result file atomically the moment its cell ends, so an
// interrupted run loses at most the cell in flight.
//
// A cell that throws is recorded as "failed" with the message and the run goes
// on; a rerun tries failed cells again (a crash is not a property of the
// configuration, unlike divergence, which is deterministic and kept).
//
// --jobs N runs N cells at once, each on its own thread with `threads` OpenMP
// threads. Why: the models of quick-sized suites are too small for several
// threads to speed one cell up, while independent cells scale with the cores.
// A cell's numbers do not depend on N (every cell owns its model, task and
// random streams).
//
// Several runs may share one output directory: each claims a cell with a lock
// file before running it (harness/run/cell_lock.hpp) and skips cells another live
// run holds, so concurrent runs split the grid and the result set equals one
// run's. Something at a result path that is not a complete result (a
// directory, a FIFO, a symlink loop, malformed or half-written JSON) gives
// one warning naming it and the cell is redone.
#pragma once
#include <filesystem>
#include <functional>
#include <vector>

#include "harness/run/cell_outcome.hpp"
#include "harness/config/grid.hpp"
#include "harness/run/progress.hpp"

namespace pebench {

// How a cell reports while it runs.
struct CellHooks {
  std::function<void(int step, double loss)> on_step = [](int, double) {};
  std::function<void()> on_evaluate = [] {};
};

// Trains and evaluates one cell (execute_cell in cell_executor.cpp; tests may
// pass their own).
using CellExecutor = std::function<CellOutcome(const Cell&, const CellHooks&)>;

struct RunOptions {
  std::filesystem::path out_dir;
  bool force = false;  // redo cells even if their result exists and matches
  int threads = 1;     // OpenMP threads per cell (recorded in each result's context)
  int jobs = 1;        // cells run at once
  // One line per damaged result path (default: stderr).
  std::function<void(const std::string&)> warn;
};

struct RunSummary {
  std::vector<SummaryRow> rows;  // in cell order, kept cells included
  int ran = 0, kept = 0, failed = 0, diverged = 0;
  int elsewhere = 0;  // claimed by another run sharing the directory
};

RunSummary run_cells(const std::vector<Cell>& cells, const RunOptions& options, const CellExecutor& execute,
                     Progress& progress);

}  // namespace pebench
