// Transformer<T>: token embedding -> encoding hooks -> N blocks (multi-head
// self-attention + feed-forward, LayerNorm, residuals; pre- or post-norm) ->
// per-position linear head -> cross-entropy over targeted positions and
// accuracy over scored positions (docs/tasks.md#sample-output semantics).
//
// T is the scalar type: float for training, double for exact
// finite-difference gradient checks. Forward and backward are written by hand
// (models/layers.hpp), parameters and gradients are flat buffers.
//
// Threads: OpenMP over what each thread owns; reductions in a fixed order, so
// losses, gradients and parameters are bit-identical for any thread count.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "models/batch.hpp"
#include "models/encoding.hpp"
#include "models/model_config.hpp"
#include "models/optimizer.hpp"
#include "models/params.hpp"

namespace pebench {

// What one forward pass measured.
struct ForwardResult {
  double loss = 0.0;           // mean cross-entropy over targeted positions
  int64_t targeted = 0;        // positions with a target
  int64_t scored = 0;          // positions that count for accuracy
  int64_t correct = 0;         // scored positions predicted right (argmax)
  int64_t sequences = 0;       // sequences with at least one scored position
  int64_t sequences_correct = 0;  // ... all of whose scored positions are right
};

// Per-pass settings.
struct PassOptions {
  bool training = false;       // dropout on (never at evaluation)
  uint64_t position_seed = 0;  // for sampling encodings (EncodingContext::position_seed)
  uint64_t dropout_seed = 0;   // dropout masks drawn from Rng(dropout_seed, ...) per example
  // [B] one position seed per sequence (EncodingContext::sequence_seeds);
  // empty: one draw from position_seed for the batch.
  std::vector<uint64_t> sequence_seeds;
};

template <typename T>
class Transformer {
 public:
  // Builds the model, lets the encoding declare its parameters, allocates the
  // flat buffers and initialises them from Rng(init_seed, "init").
  // UsageError if the config is invalid.
  Transformer(const ModelConfig& config, std::unique_ptr<Encoding<T>> encoding, uint64_t init_seed);
  ~Transformer();
  Transformer(const Transformer&) = delete;
  Transformer& operator=(const Transformer&) = delete;

  const ModelConfig& config() const;
  Encoding<T>& encoding();
  const ParamLayout& layout() const;
  size_t num_parameters() const;
  T* parameters();
  T* gradients();
  void zero_grad();

  // Forward over the whole batch, keeping activations for backward().
  ForwardResult forward(const Batch& batch, const PassOptions& options);
  // Accumulates (+=) d(loss)/d(parameters) into gradients() for the last forward().
  void backward();
  // zero_grad + forward(training=true) + backward.
  ForwardResult train_step(const Batch& batch, uint64_t position_seed, uint64_t dropout_seed);
  // Everything that follows a backward(): one optimizer step on gradients(),
  // then the encoding's projection (Encoding::project_parameters, e.g.
  // KERPLE's clamps), so its constraints hold at the next forward. Returns
  // the gradient norm before clipping; when that is not finite the optimizer
  // has updated nothing, nothing is projected and the caller should stop.
  double apply_update(AdamW<T>& optimizer);
  // Forward without dropout or backward, in sub-batches so that activation
  // memory stays bounded at any length; results summed over the sub-batches.
  // Sampling encodings draw once for the whole batch from position_seed.
  ForwardResult evaluate(const Batch& batch, uint64_t position_seed);
  // The same with one position draw per sequence, from sequence_seeds[b] ([B]):
  // each sequence's result is independent of the batch it is evaluated in.
  ForwardResult evaluate(const Batch& batch, const std::vector<uint64_t>& sequence_seeds);
  // evaluate() keeps its activations under about this many bytes (default
  // 256 MiB) by choosing the sub-batch size; its results do not depend on it.
  void set_eval_memory_budget(size_t bytes);
  // The number of sequences per sub-batch evaluate() uses at this length.
  int eval_sub_batch_size(int seq_len) const;

  // Argmax class per position of the last forward() or evaluate(): [B,T].
  const std::vector<int>& predictions() const;
  // Logits of the last forward() or evaluate(): [B,T,output_vocab].
  const T* logits() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Sets the OpenMP thread count for all model kernels (0 = leave as is).
void set_num_threads(int threads);

// An encoding whose logits hook is an additive bias (Encoding::attention_bias)
// has it added inside the fused attention kernel; tests switch that off to
// check that the [B,h,T,T] stages give the same bits.
void transformer_allow_fused_attention_bias(bool allow);

}  // namespace pebench
