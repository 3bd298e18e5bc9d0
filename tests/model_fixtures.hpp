// Small models and hand-built batches shared by the model tests (the task
// generators live elsewhere; these batches are built directly).
#pragma once
#include <functional>
#include <string>

#include "common/rng.hpp"
#include "models/model_config.hpp"
#include "models/batch.hpp"

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

}  // namespace pebench::testing
