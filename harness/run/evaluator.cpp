#include "harness/run/evaluator.hpp"

#include <algorithm>
#include <cmath>

#include "common/rng.hpp"
#include "models/batch.hpp"

namespace pebench {

static double mean_of(const std::vector<double>& values) {
  if (values.empty()) return std::nan("");
  double sum = 0.0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

static double ratio(int64_t part, int64_t whole) {
  return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : std::nan("");
}

// Per-sequence correct/scored counts and class histograms at scored
// positions, from the predictions of the last evaluate() on `batch`.
static void record_sequences(const Batch& batch, const std::vector<int>& predictions, LengthScore& score) {
  auto count = [](std::vector<int64_t>& histogram, int cls) {
    if (cls >= static_cast<int>(histogram.size())) histogram.resize(cls + 1, 0);
    ++histogram[cls];
  };
  for (int b = 0; b < batch.batch_size; ++b) {
    int64_t correct = 0, scored = 0;
    for (int t = 0; t < batch.seq_len; ++t) {
      const size_t i = static_cast<size_t>(b) * batch.seq_len + t;
      if (!batch.scored[i] || batch.targets[i] < 0) continue;
      ++scored;
      correct += predictions[i] == batch.targets[i];
      count(score.predicted_classes, predictions[i]);
      count(score.target_classes, batch.targets[i]);
    }
    score.sequence_correct.push_back(correct);
    score.sequence_scored.push_back(scored);
  }
}

static void add_histogram(std::vector<int64_t>& total, const std::vector<int64_t>& part) {
  if (total.size() < part.size()) total.resize(part.size(), 0);
  for (size_t i = 0; i < part.size(); ++i) total[i] += part[i];
}

static LengthScore evaluate_length(Transformer<float>& model, const Task& task, const Cell& cell,
                                   const std::string& split, int length) {
  const EvalConfig& eval = cell.settings.eval;
  const std::string stream = cell.task_name + "/" + split + "/" + std::to_string(length);
  Rng data(eval.seed, "eval/" + stream);
  Rng positions(eval.seed, "eval-positions/" + stream);
  std::vector<uint64_t> sequence_seeds(static_cast<size_t>(eval.sequences));  // one position draw per sequence
  for (auto& seed : sequence_seeds) seed = positions.next_u64();
  ForwardResult total;
  LengthScore score;
  for (int64_t done = 0; done < eval.sequences; done += eval.sub_batch) {
    const int count = static_cast<int>(std::min<int64_t>(eval.sub_batch, eval.sequences - done));
    const Batch batch = make_batch(task, split, length, count, data);
    const ForwardResult part = model.evaluate(
        batch, std::vector<uint64_t>(sequence_seeds.begin() + done, sequence_seeds.begin() + done + count));
    record_sequences(batch, model.predictions(), score);
    total.scored += part.scored;
    total.correct += part.correct;
    total.sequences += part.sequences;
    total.sequences_correct += part.sequences_correct;
  }
  score.length = length;
  score.accuracy = ratio(total.correct, total.scored);
  score.sequence_accuracy = ratio(total.sequences_correct, total.sequences);
  score.n = eval.sequences;
  return score;
}

int upper_half_start(const std::vector<int>& train_lengths) {
  if (train_lengths.empty()) return 0;
  const auto [shortest, longest] = std::minmax_element(train_lengths.begin(), train_lengths.end());
  return (*shortest + *longest + 1) / 2;
}

// Mean accuracy of the split's points of length >= from; NaN when there is none.
static double upper_accuracy(const SplitScore& split, int from) {
  std::vector<double> accuracies;
  for (const auto& point : split.points)
    if (point.length >= from) accuracies.push_back(point.accuracy);
  return mean_of(accuracies);
}

void aggregate_scores(EvalScores& scores) {
  std::vector<double> id, ood, id_upper;
  for (auto& split : scores.splits) {
    std::vector<double> accuracies, sequence_accuracies;
    for (const auto& point : split.points) {
      accuracies.push_back(point.accuracy);
      sequence_accuracies.push_back(point.sequence_accuracy);
    }
    split.predicted_classes.clear();
    split.target_classes.clear();
    for (const auto& point : split.points) {
      add_histogram(split.predicted_classes, point.predicted_classes);
      add_histogram(split.target_classes, point.target_classes);
    }
    split.accuracy = mean_of(accuracies);
    split.sequence_accuracy = mean_of(sequence_accuracies);
    (split.kind == SplitKind::ood ? ood : id).push_back(split.accuracy);
    if (split.kind == SplitKind::id) {
      const double upper = upper_accuracy(split, scores.id_upper_from);
      if (std::isfinite(upper)) id_upper.push_back(upper);
    }
  }
  scores.id_upper_accuracy = mean_of(id_upper);
  scores.id_accuracy = mean_of(id);
  scores.ood_accuracy = mean_of(ood);
}

EvalScores evaluate_model(Transformer<float>& model, const Task& task, const Cell& cell) {
  EvalScores scores;
  scores.id_upper_from = upper_half_start(cell.train_lengths);
  for (const auto& plan : cell.eval_splits) {
    SplitScore split;
    split.name = plan.name;
    split.kind = plan.kind;
    for (int length : plan.lengths) split.points.push_back(evaluate_length(model, task, cell, plan.name, length));
    scores.splits.push_back(std::move(split));
  }
  aggregate_scores(scores);
  return scores;
}

}  // namespace pebench
