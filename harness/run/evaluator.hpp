// Evaluation of a trained model on a cell's eval splits (docs/architecture.md#scores):
// per split, per length, per-token accuracy over scored positions (pooled over
// the length's sequences, as the CHE reference pools over a sub-batch) and
// whole-sequence accuracy; split accuracy = unweighted mean over its lengths;
// id_accuracy / ood_accuracy = unweighted mean over the splits of that kind.
//
// Why splits, not lengths, are averaged for ood_accuracy: memory tasks have
// several OOD splits (sparse, dense, longer), each one kind of shift; a split
// evaluated at many lengths must not outweigh one evaluated at a single
// length. With one OOD split (every CHE task) this is exactly the benchmark's
// mean over the OOD lengths. Per-split numbers stay in the result file.
//
// id_upper_accuracy: the same mean over the id points in the upper half of the
// training range (lengths >= id_upper_from, the midpoint of the training
// lengths rounded up: 21..40 for CHE's 1..40), because the lower lengths are
// nearly free (length 1 is a one-token answer) and hide whether a task was
// learned; id_accuracy stays the mean over every id length.
//
// Data: Rng(eval.seed, "eval/<task>/<split>/<length>"), independent of the
// encoding, the model seed and the thread count, so every cell of a task is
// tested on the same sequences. Sequences are generated and evaluated
// `sub_batch` at a time (memory stays bounded at any length). Encodings that
// sample positions draw them per sequence: sequence n of a length gets the
// n-th seed of the parallel stream Rng(eval.seed, "eval-positions/<task>/
// <split>/<length>"), so scores do not depend on sub_batch or on threads.
//
// Per length it also keeps, per sequence, the scored positions and those
// predicted right, and the class histograms of predictions and targets at
// scored positions (schema 2): the report's clustered intervals, paired
// tests, collapse detection and chance levels are computed from them.
#pragma once
#include "harness/run/cell_outcome.hpp"
#include "harness/config/grid.hpp"
#include "models/transformer.hpp"

namespace pebench {

EvalScores evaluate_model(Transformer<float>& model, const Task& task, const Cell& cell);

// Aggregates per-length scores into split and id/ood means (in place), and
// id_upper_accuracy over the id points of length >= scores.id_upper_from.
void aggregate_scores(EvalScores& scores);

// The shortest length of the upper half of a training range: the midpoint of
// its smallest and largest length, rounded up (0 for no lengths).
int upper_half_start(const std::vector<int>& train_lengths);

}  // namespace pebench
