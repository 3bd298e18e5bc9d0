#include "harness/run/cell_executor.hpp"

#include <chrono>

#include "common/build_info.hpp"
#include "harness/run/checkpoint.hpp"
#include "harness/run/evaluator.hpp"
#include "harness/run/result_record.hpp"
#include "harness/run/trainer.hpp"
#include "models/encoding.hpp"
#include "models/transformer.hpp"

namespace pebench {

// What a weights file says about where it came from (its header's "source"):
// the cell's identity, which `pebench eval` matches against the result file.
static json weights_source(const Cell& cell) {
  return {{"cell", cell.name()}, {"identity", cell_identity(cell)}, {"git", build_git()}};
}

CellOutcome execute_cell(const Cell& cell, const CellHooks& hooks) {
  const auto task = make_task(cell.task_name, cell.task_options);
  auto encoding = make_encoding<float>(cell.encoding_name, cell.encoding_params);
  CellOutcome outcome;
  const Applicability applicability = encoding->applicable(*task);
  if (!applicability.applicable) {
    outcome.status = CellStatus::not_applicable;
    outcome.message = applicability.reason;
    return outcome;
  }
  Transformer<float> model(cell.settings.model, std::move(encoding), static_cast<uint64_t>(cell.seed));
  train_model(model, *task, cell, hooks, outcome);
  if (outcome.status != CellStatus::ok) return outcome;
  hooks.on_evaluate();
  const auto start = std::chrono::steady_clock::now();
  outcome.eval = evaluate_model(model, *task, cell);
  outcome.eval_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (cell.settings.train.save_model) outcome.weights = weights_bytes(model, weights_source(cell));
  return outcome;
}

}  // namespace pebench
