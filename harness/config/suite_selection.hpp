// The grid-selection flags shared by the subcommands that name a grid
// (`pebench status`; the same flags and meaning as `pebench run`):
//   [--suite NAME | --config FILE] [--tasks a,b] [--encodings x,y] [--seeds 0-2]
//   [--steps N] [--shard I/N]
#pragma once
#include <climits>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "harness/config/grid.hpp"
#include "harness/config/suite_config.hpp"

namespace pebench {

struct SuiteSelection {
  std::string suite, config, tasks, encodings, seeds, shard;
  int steps = INT_MIN;  // INT_MIN: not given
  // True when any flag was given (otherwise a command may fall back on other sources).
  bool any() const;
};

void add_suite_selection_options(CLI::App& cmd, SuiteSelection& selection);

// The suite (default: quick) with the selection flags applied; UsageError on bad input.
Suite load_selected_suite(const SuiteSelection& selection);

// The selected grid: the suite's cells, restricted to --shard when given.
std::vector<Cell> selected_cells(const SuiteSelection& selection, Suite* suite_out = nullptr);

}  // namespace pebench
