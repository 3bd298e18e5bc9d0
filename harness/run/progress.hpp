// Progress of a run on stderr (docs/architecture.md#command-line): cell i of n, task, encoding,
// seed, step, loss and ETA.
//   - terminal: one live line rewritten with '\r' (at most ~5 times a second);
//   - otherwise (logs, CI, Slurm): a plain line per cell at most every
//     `plain_interval_s` seconds, so a log stays readable;
// and, either way, one line when a cell starts (plain mode) and ends, and a
// summary table at the end. Thread-safe: with --jobs N, N cells report at once;
// each running cell is a slot returned by begin_cell().
#pragma once
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "harness/run/cell_outcome.hpp"

namespace pebench {

// One row of the end-of-run summary.
struct SummaryRow {
  std::string cell;    // "task/encoding/seed0"
  std::string status;  // ok | diverged | failed | kept <status> (finished earlier, skipped)
  double id_accuracy = 0.0;   // EvalScores::learned_id_accuracy (upper half of the training lengths); NaN if none
  double ood_accuracy = 0.0;  // NaN if none
  double seconds = 0.0;
  std::string note;    // diverged/failed: what happened
};

class Progress {
 public:
  // live: rewrite one line with '\r' (stderr is a terminal).
  Progress(std::FILE* out, bool live, double plain_interval_s = 30.0);

  // Before the first cell: how many cells will run (skips excluded) and how
  // many at once.
  void begin_run(int cells_to_run, int jobs = 1);
  // Returns the slot the cell reports through.
  int begin_cell(const std::string& cell, int steps);
  void step(int slot, int step, double loss);
  void evaluating(int slot);
  void end_cell(int slot, const SummaryRow& row);
  void kept(const SummaryRow& row);  // a finished cell the rerun skips
  void summary(const std::vector<SummaryRow>& rows) const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Active {
    std::string cell;
    int number = 0;  // 1-based, in start order
    int steps = 0;
    Clock::time_point start, last_emit;
  };
  double eta_seconds(const Active& active, int step) const;
  std::string prefix(const Active& active) const;
  void emit(const std::string& line, bool final_line);

  std::FILE* out_;
  bool live_;
  double plain_interval_s_;
  mutable std::mutex mutex_;
  int cells_to_run_ = 0;
  int jobs_ = 1;
  int cells_started_ = 0;
  int cells_done_ = 0;
  double finished_cells_s_ = 0.0;
  std::map<int, Active> active_;  // slot -> running cell
};

// Seconds as "42s", "3m07s", "2h05m".
std::string format_duration(double seconds);

}  // namespace pebench
