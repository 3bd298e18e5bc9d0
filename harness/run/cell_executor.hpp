// execute_cell: the real CellExecutor. Builds the cell's task (with its
// resolved options), encoding (resolved params) and model (init seed = the
// cell's seed), trains it, then evaluates it unless training diverged, and
// with train.save_model keeps the trained weights (outcome.weights). A cell
// whose encoding does not apply to its task (Encoding::applicable) ends as
// not_applicable, with the reason, before anything is built or trained.
#pragma once
#include "harness/run/runner.hpp"

namespace pebench {

CellOutcome execute_cell(const Cell& cell, const CellHooks& hooks);

}  // namespace pebench
