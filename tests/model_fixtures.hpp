// Small models and hand-built batches shared by the model tests (the task
// generators live elsewhere; these batches are built directly).
#pragma once
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "common/rng.hpp"
#include "models/batch.hpp"
#include "models/model_config.hpp"
#include "models/optimizer.hpp"
#include "models/transformer.hpp"

namespace pebench::testing {

// A small model: D = 32, 4 heads, 2 layers, d_ff 64, pre-norm unless changed.
inline ModelConfig small_model_config(int input_vocab, int output_vocab) {
  ModelConfig config;
  config.input_vocab = input_vocab;
  config.output_vocab = output_vocab;
  config.d_model = 32;
  config.n_layers = 2;
  config.n_heads = 4;
  config.d_ff = 64;
  config.norm = NormPlacement::pre;
  config.max_seq_len = 256;
  return config;
}

// Random tokens in [0, vocab) and, per sequence, targets from `label`
// (tokens of one sequence, position) -> target id or Batch::kNoTarget.
// Every targeted position is scored; no segment boundaries.
using Labeler = std::function<int(const int* sequence, int position)>;

inline Batch random_batch(Rng& rng, int batch_size, int seq_len, int vocab, bool causal, const Labeler& label) {
  Batch batch;
  batch.batch_size = batch_size;
  batch.seq_len = seq_len;
  batch.causal = causal;
  const size_t n = static_cast<size_t>(batch_size) * seq_len;
  for (size_t i = 0; i < n; ++i) batch.tokens.push_back(static_cast<int>(rng.below(vocab)));
  for (int b = 0; b < batch_size; ++b)
    for (int t = 0; t < seq_len; ++t) {
      const int target = label(batch.tokens.data() + static_cast<size_t>(b) * seq_len, t);
      batch.targets.push_back(target);
      batch.scored.push_back(target != Batch::kNoTarget);
    }
  batch.boundary.assign(n, 0);
  return batch;
}

// Causal toy task: predict the previous token (none at position 0).
inline Labeler previous_token() {
  return [](const int* sequence, int t) { return t == 0 ? Batch::kNoTarget : sequence[t - 1]; };
}

// random_batch with previous-token targets and segment boundaries at about a
// quarter of the positions (BiPE sees several segments).
inline Batch segmented_batch(Rng& rng, int batch_size, int seq_len, int vocab, bool causal) {
  Batch batch = random_batch(rng, batch_size, seq_len, vocab, causal, previous_token());
  for (auto& b : batch.boundary) b = rng.uniform() < 0.25;
  return batch;
}
inline Batch segmented_batch(uint64_t seed, int batch_size, int seq_len, int vocab, bool causal) {
  Rng rng(seed, "segmented-batch");
  return segmented_batch(rng, batch_size, seq_len, vocab, causal);
}

// Sequence b of `batch` as a batch of one.
inline Batch sequence_of(const Batch& batch, int b) {
  Batch out = batch;
  out.batch_size = 1;
  const auto rows = [&](const auto& v) {
    using V = std::decay_t<decltype(v)>;
    return v.empty() ? V{} : V(v.begin() + b * batch.seq_len, v.begin() + (b + 1) * batch.seq_len);
  };
  out.tokens = rows(batch.tokens);
  out.targets = rows(batch.targets);
  out.scored = rows(batch.scored);
  out.boundary = rows(batch.boundary);
  return out;
}

// Moves every parameter by scale·N(0, 1), then applies the encoding's
// projections: tensors initialised to zero (CoPE's tables, the output layers
// of FIRE's and DAPE's MLPs) no longer hide the paths they gate.
template <typename T>
void perturb_parameters(Transformer<T>& model, double scale, uint64_t seed) {
  Rng noise(seed, "parameter-perturbation");
  T* params = model.parameters();
  for (size_t i = 0; i < model.num_parameters(); ++i) params[i] += static_cast<T>(scale * noise.normal());
  model.encoding().project_parameters();
}

// The learning tests' training loop: AdamW (lr 3e-3) on next_batch(step),
// through Transformer::apply_update (the step, then the encoding's projections), until
// learned(model) holds at a checkpoint (every `every` steps) or max_steps
// have run. Returns the steps it took, or -1 if it never held. Every training
// loss and gradient norm must be finite (a non-finite one fails the test and
// returns -1); the losses are appended to `losses` if given. Stopping once the criterion holds makes
// "learns within max_steps" cost only what the encoding needs.
template <typename NextBatch, typename Learned>
int steps_until_learned(Transformer<float>& model, NextBatch next_batch, Learned learned, int max_steps,
                        std::vector<double>* losses = nullptr, int every = 50) {
  OptimizerConfig optimizer_config;
  optimizer_config.lr = 3e-3;
  AdamW<float> optimizer(optimizer_config, model.layout());
  for (int step = 0; step < max_steps; ++step) {
    const double loss = model.train_step(next_batch(step), step, step).loss;
    if (losses) losses->push_back(loss);
    const double gradient_norm = model.apply_update(optimizer);
    if (!std::isfinite(loss) || !std::isfinite(gradient_norm)) {
      ADD_FAILURE() << "training loss " << loss << ", gradient norm " << gradient_norm << " at step " << step;
      return -1;
    }
    if ((step + 1) % every == 0 && learned(model)) return step + 1;
  }
  return -1;
}

// run() with `threads` OpenMP threads, then the previous count again.
template <typename Run>
auto with_threads(int threads, Run run) {
  const int saved = omp_get_max_threads();
  set_num_threads(threads);
  auto result = run();
  set_num_threads(saved);
  return result;
}

}  // namespace pebench::testing
