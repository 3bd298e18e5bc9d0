// Position sampling for the randomized positional encodings (Ruoss et al.
// 2023, "Randomized Positional Encodings Boost Length Generalization of
// Transformers"; google-deepmind/randomized_positional_encodings,
// models/positional_encodings.py: noisy_fixed_positional_encodings and
// compute_attention_with_noisy_relative_encodings). Shared by rand_sinusoidal,
// rand_learned, rand_rope, rand_alibi and rand_txl.
//
// A sequence of length T uses, instead of 0..T-1,
//   positions: T distinct integers drawn uniformly from [0, L), sorted ascending;
//   distances: r_0 = 0 and T-1 distinct integers r_1 < ... < r_{T-1} from [1, L),
//              so that offset d becomes r_|d| (relative variants).
// Draws come from Rng(seed, stream): the input-level variants use
// kInputStream once per forward pass, the attention-level ones the layer index
// (a fresh subset in every layer, as the reference's hk.next_rng_key() per
// layer). Seeds are fixed per pass, so evaluation is reproducible although
// positions are sampled at test time as well.
//
// How many draws a pass makes (draws(ctx)):
//   training: one, from EncodingContext::position_seed, shared by every
//     sequence of the batch: the reference's behaviour (one rng key per
//     apply() call for the whole batch).
//   evaluation: one per sequence, from EncodingContext::sequence_seeds[b]
//     (the evaluator gives sequence n of a length the n-th value of its own
//     "eval-positions/..." stream). The reference evaluates a whole batch on
//     one draw; at our evaluation sizes (a sub-batch of 64 sequences) that
//     would score a length on a single draw per layer, and the score would
//     change with the sub-batch size. Per-sequence draws average over draws
//     and make every sequence's result independent of the sub-batch size and
//     the thread count.
// Draw p of a pass serves sequence b = p (or every sequence when there is one
// draw): draw_of(ctx, b).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/rng.hpp"
#include "models/encoding.hpp"
#include "common/options_reader.hpp"

namespace pebench {

// `count` distinct integers drawn uniformly from [low, high), ascending
// (Floyd's algorithm: `count` draws whatever the range). Needs count <= high - low.
std::vector<int> sample_sorted_distinct(Rng& rng, int count, int low, int high);

class PositionSampler {
 public:
  static constexpr int kDefaultMaxLength = 2048;  // L of the reference (noise_max_length)
  static constexpr uint64_t kInputStream = 0x696e707574ull;  // "input": apart from layers 0..N-1

  // Reads option "max_length" (L, default 2048).
  void configure(OptionsReader& options);
  int max_length() const { return max_length_; }

  // UsageError unless L >= seq_len (T positions, or T-1 distances, must fit).
  void check_length(const std::string& encoding, int seq_len) const;

  // [T] sorted distinct positions from [0, L).
  std::vector<int> positions(uint64_t seed, uint64_t stream, int seq_len) const;
  // [T] distances: r_0 = 0, then T-1 sorted distinct values from [1, L).
  std::vector<int> distances(uint64_t seed, uint64_t stream, int seq_len) const;

  // Draws of this pass: 1 (training) or ctx.batch (evaluation, per sequence).
  static int draws(const EncodingContext& ctx) { return ctx.sequence_seeds ? ctx.batch : 1; }
  // The draw sequence b of the pass uses.
  static int draw_of(const EncodingContext& ctx, int b) { return ctx.sequence_seeds ? b : 0; }
  // [draws(ctx), T]: positions() / distances() of every draw of this pass.
  std::vector<int> positions(const EncodingContext& ctx, uint64_t stream) const;
  std::vector<int> distances(const EncodingContext& ctx, uint64_t stream) const;

 private:
  int max_length_ = kDefaultMaxLength;
};

// The option handling every randomized encoding shares, on top of its base
// (Encoding<T>, AdditiveBias<T>, TxlRelative<T>): option "max_length", the
// L >= T check before every pass, and the sampler for the hooks.
template <typename Base>
class Randomized : public Base {
 public:
  void configure(const json& options) override {
    OptionsReader reader = this->options_reader(options);
    sampler_.configure(reader);
    reader.finish();
  }
  json options() const override { return {{"max_length", sampler_.max_length()}}; }
  void begin_forward(const EncodingContext& ctx) override {
    sampler_.check_length(this->name(), ctx.seq_len);
    Base::begin_forward(ctx);
  }

 protected:
  PositionSampler sampler_;
};

}  // namespace pebench
