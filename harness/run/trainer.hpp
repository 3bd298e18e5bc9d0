// Training of one cell's model (docs/architecture.md#the-harness).
//
// Each step draws one length uniformly from the cell's train lengths and a
// batch of that length (no padding, as in the CHE reference), takes a
// forward/backward pass, an AdamW step (global-norm clipping, LR schedule),
// and lets the encoding project its parameters (KERPLE/MEP clamps).
//
// Random streams, kept apart so that changing one thing changes one thing:
//   data      Rng(seed, "data/<task>")   lengths and batches: the same for every encoding
//   init      seed                       the model's parameters (Transformer)
//   dropout   Rng(seed, "dropout")       one mask seed per step
//   positions Rng(seed, "positions")     one seed per step for encodings that sample positions
//
// A non-finite loss or gradient norm stops training: status "diverged" with
// the step; the runner records it and the suite goes on.
#pragma once
#include "harness/run/cell_outcome.hpp"
#include "harness/config/grid.hpp"
#include "harness/run/runner.hpp"
#include "models/transformer.hpp"

namespace pebench {

// Fills the training fields of `outcome` (status, steps, curve, timings, and
// training_evals when train.eval_every > 0).
void train_model(Transformer<float>& model, const Task& task, const Cell& cell, const CellHooks& hooks,
                 CellOutcome& outcome);

// Averages steps into curve points of `interval` steps each (the last may be
// shorter), so a long run keeps a curve of bounded size.
class CurveSampler {
 public:
  explicit CurveSampler(int interval) : interval_(interval < 1 ? 1 : interval) {}
  void add(int step, double loss, double accuracy);
  // Closes a partial interval (end of training or divergence).
  void flush();
  const std::vector<CurvePoint>& points() const { return points_; }

 private:
  int interval_;
  int count_ = 0;
  int last_step_ = 0;
  double loss_sum_ = 0.0;
  double accuracy_sum_ = 0.0;
  std::vector<CurvePoint> points_;
};

}  // namespace pebench
