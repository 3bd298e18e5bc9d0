#include "harness/run/trainer.hpp"

#include <chrono>
#include <cmath>

#include <fmt/core.h>

#include "common/rng.hpp"
#include "harness/run/evaluator.hpp"
#include "models/optimizer.hpp"
#include "models/batch.hpp"

namespace pebench {

void CurveSampler::add(int step, double loss, double accuracy) {
  loss_sum_ += loss;
  accuracy_sum_ += accuracy;
  last_step_ = step;
  if (++count_ == interval_) flush();
}

void CurveSampler::flush() {
  if (count_ == 0) return;
  points_.push_back(CurvePoint{last_step_, loss_sum_ / count_, accuracy_sum_ / count_});
  count_ = 0;
  loss_sum_ = accuracy_sum_ = 0.0;
}

static void mark_diverged(CellOutcome& outcome, int step, const std::string& what, double value) {
  outcome.status = CellStatus::diverged;
  outcome.failed_step = step;
  outcome.message = fmt::format("{} is {} at step {}", what, value, step);
}

void train_model(Transformer<float>& model, const Task& task, const Cell& cell, const CellHooks& hooks,
                 CellOutcome& outcome) {
  const TrainConfig& train = cell.settings.train;
  Rng data(static_cast<uint64_t>(cell.seed), "data/" + cell.task_name);
  Rng dropout(static_cast<uint64_t>(cell.seed), "dropout");
  Rng positions(static_cast<uint64_t>(cell.seed), "positions");
  AdamW<float> optimizer(train.optimizer, model.layout());
  CurveSampler curve((train.steps + train.curve_points - 1) / train.curve_points);
  const auto start = std::chrono::steady_clock::now();
  double tokens = 0.0;
  outcome.num_parameters = model.num_parameters();
  for (int step = 1; step <= train.steps; ++step) {
    const int length = cell.train_lengths[data.below(cell.train_lengths.size())];
    const Batch batch = make_batch(task, cell.train_split, length, train.batch_size, data);
    const ForwardResult result = model.train_step(batch, positions.next_u64(), dropout.next_u64());
    const double accuracy = result.scored > 0 ? static_cast<double>(result.correct) / result.scored : 0.0;
    curve.add(step, result.loss, accuracy);
    outcome.steps_done = step;
    if (!std::isfinite(result.loss)) {
      mark_diverged(outcome, step, "the loss", result.loss);
      break;
    }
    const double gradient_norm = model.apply_update(optimizer);
    if (!std::isfinite(gradient_norm)) {
      mark_diverged(outcome, step, "the gradient norm", gradient_norm);
      break;
    }
    tokens += static_cast<double>(batch.batch_size) * batch.seq_len;
    hooks.on_step(step, result.loss);
    if (train.eval_every > 0 && step % train.eval_every == 0 && step < train.steps)
      outcome.training_evals.push_back(TrainingEval{step, evaluate_model(model, task, cell)});
  }
  curve.flush();
  outcome.curve = curve.points();
  outcome.train_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  outcome.tokens_per_s = outcome.train_wall_s > 0 ? tokens / outcome.train_wall_s : 0.0;
}

}  // namespace pebench
