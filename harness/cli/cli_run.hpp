// The checking half of `pebench run` (harness/cli/cli_run.cpp), exposed so tests
// can drive exactly the validation the binary runs before anything is
// written: flags, the suite, the grid, path lengths and memory.
#pragma once
#include <climits>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/run/cell_cost.hpp"
#include "harness/config/grid.hpp"
#include "harness/config/selection.hpp"
#include "harness/config/suite_config.hpp"
#include "harness/config/suite_selection.hpp"

namespace pebench {

// The grid selection (--suite/--config, --tasks, --encodings, --seeds, --steps,
// --shard), shared with `pebench status`, plus run's own flags.
struct RunFlags : SuiteSelection {
  static constexpr int kUnset = INT_MIN;  // a numeric flag not given
  std::string out;
  int threads = kUnset;
  int jobs = 1;
  bool force = false;
  bool dry_run = false;
};

// One Task object per task label, for the cost estimates.
class TaskCache {
 public:
  const Task& get(const Cell& cell);

 private:
  std::map<std::string, std::unique_ptr<Task>> tasks_;
};

// Everything `run` decided before touching the file system.
struct RunPlan {
  Suite suite;
  Shard shard;
  std::vector<Cell> grid;               // every cell of the suite and selection
  std::vector<Cell> cells;              // this shard's
  std::vector<CellCost> costs;          // per cell of `cells`
  std::filesystem::path out_dir;
};

// Every check made before a run starts; UsageError (exit 2) on bad input.
// Reads the suite file; writes nothing.
RunPlan plan_run(const RunFlags& flags, TaskCache& tasks);

}  // namespace pebench
