#include "harness/config/suite_selection.hpp"

#include "harness/cli/cli.hpp"
#include "harness/config/selection.hpp"
#include "harness/config/suites.hpp"
#include "harness/run/rerun.hpp"

namespace pebench {

bool SuiteSelection::any() const {
  return !suite.empty() || !config.empty() || !tasks.empty() || !encodings.empty() || !seeds.empty() ||
         !shard.empty() || steps != INT_MIN;
}

void add_suite_selection_options(CLI::App& cmd, SuiteSelection& selection) {
  auto* suite = cmd.add_option("--suite", selection.suite, "Shipped suite: smoke | quick | standard | full (default: quick)");
  auto* config = cmd.add_option("--config", selection.config, "A suite file of your own, or a result file (seed<k>.json) to rerun its cell");
  suite->excludes(config);
  cmd.add_option("--tasks", selection.tasks, "Comma list of task labels or registered names");
  cmd.add_option("--encodings", selection.encodings, "Comma list of encoding labels or registered names");
  cmd.add_option("--seeds", selection.seeds, "Seeds, e.g. 0-2 or 1,3");
  cmd.add_option("--steps", selection.steps, "Training steps for every task (overrides the suite)");
  cmd.add_option("--shard", selection.shard, "Only shard I of N, e.g. 2/3");
}

Suite load_selected_suite(const SuiteSelection& selection) {
  Suite suite = selection.config.empty()
                    ? load_suite_file(shipped_suite_path(selection.suite.empty() ? "quick" : selection.suite))
                    : load_suite_or_result_file(selection.config);  // a suite, or a result to rerun
  SuiteOverrides overrides;
  if (!selection.tasks.empty()) overrides.tasks = parse_name_list(selection.tasks, "--tasks");
  if (!selection.encodings.empty()) overrides.encodings = parse_name_list(selection.encodings, "--encodings");
  if (!selection.seeds.empty()) overrides.seeds = parse_seed_list(selection.seeds, "--seeds");
  if (selection.steps != INT_MIN) {
    check_range("--steps", selection.steps, 1, INT_MAX);
    overrides.steps = selection.steps;
  }
  apply_overrides(suite, overrides);
  return suite;
}

std::vector<Cell> selected_cells(const SuiteSelection& selection, Suite* suite_out) {
  const Shard shard = selection.shard.empty() ? Shard{} : parse_shard(selection.shard, "--shard");
  Suite suite = load_selected_suite(selection);
  std::vector<Cell> cells = shard_cells(expand_grid(suite), shard);
  if (suite_out) *suite_out = std::move(suite);
  return cells;
}

}  // namespace pebench
