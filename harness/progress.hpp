// Progress of a run on stderr (DESIGN §1.2): cell i of n, task, encoding,
// seed, step, loss and ETA.
//   - terminal: one live line rewritten with '\r' (at most ~5 times a second);
//   - otherwise (logs, CI, Slurm): a plain line at most every `plain_interval_s`
//     seconds, so a log stays readable;
// and, either way, one line when a cell ends and a summary table at the end.
#pragma once
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "harness/cell_outcome.hpp"

namespace pebench {

// One row of the end-of-run summary.
struct SummaryRow {
  std::string cell;    // "task/encoding/seed0"
  std::string status;  // ok | diverged | failed | kept (finished earlier, skipped)
  double id_accuracy = 0.0;   // NaN if none
  double ood_accuracy = 0.0;  // NaN if none
  double seconds = 0.0;
  std::string note;    // diverged/failed: what happened
};

class Progress {
 public:
  // live: rewrite one line with '\r' (stderr is a terminal).
  Progress(std::FILE* out, bool live, double plain_interval_s = 30.0);

  // Before the first cell: how many cells will run (skips excluded).
  void begin_run(int cells_to_run);
  void begin_cell(const std::string& cell, int steps);
  void step(int step, double loss);
  void evaluating();
  void end_cell(const SummaryRow& row);
  void kept(const SummaryRow& row);  // a finished cell the rerun skips
  void summary(const std::vector<SummaryRow>& rows) const;

 private:
  using Clock = std::chrono::steady_clock;
  double seconds_since(Clock::time_point start) const;
  double eta_seconds(int step) const;
  void emit(const std::string& line, bool final_line);

  std::FILE* out_;
  bool live_;
  double plain_interval_s_;
  int cells_to_run_ = 0;
  int cells_done_ = 0;
  double finished_cells_s_ = 0.0;
  std::string cell_;
  int steps_ = 0;
  Clock::time_point cell_start_;
  Clock::time_point last_emit_;
};

// Seconds as "42s", "3m07s", "2h05m".
std::string format_duration(double seconds);

}  // namespace pebench
