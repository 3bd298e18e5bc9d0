// execute_cell: the real CellExecutor. Builds the cell's task (with its
// resolved options), encoding (resolved params) and model (init seed = the
// cell's seed), trains it, then evaluates it unless training diverged, and
// with train.save_model keeps the trained weights (outcome.weights).
#pragma once
#include "harness/runner.hpp"

namespace pebench {

CellOutcome execute_cell(const Cell& cell, const CellHooks& hooks);

}  // namespace pebench
