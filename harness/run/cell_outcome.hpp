// CellOutcome: what training and evaluating one cell produced, before it is
// written as a result file (harness/run/result_record.hpp). Filled by trainer.cpp and
// evaluator.cpp; the runner only moves it around.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/enum_names.hpp"
#include "tasks/task.hpp"

namespace pebench {

// not_applicable: the encoding does not apply to the task (Encoding::applicable);
// the cell neither trains nor evaluates.
enum class CellStatus { ok, diverged, failed, not_applicable };
constexpr EnumName<CellStatus> kCellStatusNames[] = {{CellStatus::ok, "ok"},
                                                     {CellStatus::diverged, "diverged"},
                                                     {CellStatus::failed, "failed"},
                                                     {CellStatus::not_applicable, "not_applicable"}};
constexpr const auto& enum_names(CellStatus) { return kCellStatusNames; }

// One sample of the training curve: means over the steps since the previous sample.
struct CurvePoint {
  int step = 0;  // last step covered (1-based count of optimizer steps)
  double loss = 0.0;
  double accuracy = 0.0;
};

// Accuracy at one length of one split.
struct LengthScore {
  int length = 0;
  double accuracy = 0.0;           // scored positions predicted right / scored positions
  double sequence_accuracy = 0.0;  // sequences with every scored position right / sequences
  int64_t n = 0;                   // sequences evaluated
  // Per sequence, in evaluation order (schema 2): scored positions predicted
  // right, and scored positions. The paired tests and clustered intervals of
  // the report need them; every cell of a task sees the same sequences.
  std::vector<int64_t> sequence_correct{}, sequence_scored{};
  // Counts per output class at scored positions: predicted and target.
  std::vector<int64_t> predicted_classes{}, target_classes{};
};

struct SplitScore {
  std::string name;
  SplitKind kind = SplitKind::id;
  std::vector<LengthScore> points;
  double accuracy = 0.0;           // unweighted mean over points (docs/architecture.md#scores)
  double sequence_accuracy = 0.0;  // same for sequence accuracy
  // Sums of the points' class histograms (filled by aggregate_scores).
  std::vector<int64_t> predicted_classes{}, target_classes{};
};

// The ID accuracy that decides whether a task was learned: over the upper
// half of the training lengths where recorded, else over every ID length.
// Reports and the run's summary both judge by it.
inline double learned_id_accuracy(double id_upper_accuracy, double id_accuracy) {
  return std::isfinite(id_upper_accuracy) ? id_upper_accuracy : id_accuracy;
}

struct EvalScores {
  std::vector<SplitScore> splits;
  // Unweighted mean of the id (ood) splits' accuracies; NaN when there is none.
  double id_accuracy = std::numeric_limits<double>::quiet_NaN();
  double ood_accuracy = std::numeric_limits<double>::quiet_NaN();
  // The same as id_accuracy over the id points of length >= id_upper_from only:
  // the upper half of the training range, where whether the task was learned
  // shows (length 1 of a CHE task is a one-token answer). id_upper_from is the
  // midpoint of the training lengths rounded up (21 for lengths 1..40); 0
  // (unset) counts every id point.
  int id_upper_from = 0;
  double id_upper_accuracy = std::numeric_limits<double>::quiet_NaN();

  double learned_id_accuracy() const { return pebench::learned_id_accuracy(id_upper_accuracy, id_accuracy); }
};

// An evaluation during training (train.eval_every).
struct TrainingEval {
  int step = 0;
  EvalScores scores;
};

struct CellOutcome {
  CellStatus status = CellStatus::ok;
  std::string message;  // diverged/failed: what happened; not_applicable: why
  int failed_step = 0;  // diverged: the step whose loss or gradient was not finite
  int steps_done = 0;
  std::vector<CurvePoint> curve;
  std::vector<TrainingEval> training_evals;
  double train_wall_s = 0.0;
  double tokens_per_s = 0.0;
  size_t num_parameters = 0;
  EvalScores eval;  // empty unless status == ok
  double eval_wall_s = 0.0;
  // train.save_model and status ok: the trained weights file (harness/run/checkpoint.hpp),
  // which the runner writes beside the result file, before it.
  std::string weights;
};

}  // namespace pebench
