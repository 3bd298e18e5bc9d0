// The T5 bucketed relative-position table, shared by `t5` (the bias itself)
// and `mep_param` (one of its kernels, as a log-kernel).
//
// Buckets (docs/encodings.md#t5; huggingface/transformers
// models/t5/modeling_t5.py T5Attention._relative_position_bucket, the same
// function as gpt-neox ParallelRelativePositionBias in chijames/KERPLE
// megatron/mpu/layers.py): rel = j − i;
//   bidirectional: NB /= 2; ret = (rel > 0) ? NB : 0; n = |rel|
//   causal:        ret = 0;                     n = max(−rel, 0)
//   max_exact = NB/2; b = n if n < max_exact, else
//   min(NB−1, max_exact + trunc(log(n/max_exact)/log(MD/max_exact)·(NB − max_exact)))
// computed in double (so the boundary values, e.g. bidirectional 16 → 26
// and 64 → 30, land exactly; tests/test_encoding_t5.cpp checks them).
//
// Table value: sqrt(d_h)·W[bucket(j − i), a], W: [num_buckets, h]. The
// sqrt(d_h) factor is gpt-neox's: T5 itself never scales logits by
// 1/sqrt(d_h), but pebench adds every bias after that scaling (docs/encodings.md#where-biases-go), so
// gpt-neox multiplies the bias back by sqrt(d_h) to keep T5's bias-to-logit
// ratio. W is xavier-normal [num_buckets, h] as in gpt-neox.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "models/encoding.hpp"
#include "common/options_reader.hpp"
#include "models/params.hpp"
#include "models/encodings/support/relative_bias.hpp"

namespace pebench {

inline int t5_bucket(int relative_position, bool bidirectional, int num_buckets, int max_distance) {
  int bucket = 0;
  int n = 0;
  if (bidirectional) {
    num_buckets /= 2;
    if (relative_position > 0) bucket += num_buckets;
    n = std::abs(relative_position);
  } else {
    n = std::max(-relative_position, 0);
  }
  const int max_exact = num_buckets / 2;
  if (n < max_exact) return bucket + n;
  const double scaled = std::log(static_cast<double>(n) / max_exact) /
                        std::log(static_cast<double>(max_distance) / max_exact) *
                        (num_buckets - max_exact);
  return bucket + std::min(num_buckets - 1, max_exact + static_cast<int>(scaled));
}

// How a bidirectional pass maps offsets to buckets (a causal pass always uses
// the causal buckets): T5's own two-sided buckets, or the causal buckets of
// |i − j| (symmetric; MEP's bidirectional rule, docs/encodings.md#bidirectional-attention).
enum class T5Sides { two_sided, symmetric };

template <typename T>
class T5Table {
 public:
  void configure(OptionsReader& reader) {
    num_buckets_ = reader.integer("num_buckets", 32, 4, 4096);
    if (num_buckets_ % 2 != 0)
      reader.fail("num_buckets", "must be an even integer (T5 halves it per side), got " + std::to_string(num_buckets_));
    // The log branch needs max_distance > max_exact (= num_buckets/2 causal, /4 bidirectional).
    max_distance_ = reader.integer("max_distance", 128, num_buckets_ / 2 + 1, 1 << 24);
  }
  nlohmann::json options() const { return {{"num_buckets", num_buckets_}, {"max_distance", max_distance_}}; }
  int num_buckets() const { return num_buckets_; }
  int max_distance() const { return max_distance_; }

  void declare(ParamLayout& layout, const std::string& name, int heads) {
    heads_ = heads;
    offset_ = layout.add(name, {num_buckets_, heads}, Init::xavier_normal(), /*weight_decay=*/false);
  }
  void bind(T* params, T* grads) {
    weight_ = params + offset_;
    grad_ = grads + offset_;
  }

  int bucket_of_offset(int d, T5Sides sides, bool causal) const {
    if (causal) return t5_bucket(-d, false, num_buckets_, max_distance_);
    if (sides == T5Sides::two_sided) return t5_bucket(-d, true, num_buckets_, max_distance_);
    return t5_bucket(-std::abs(d), false, num_buckets_, max_distance_);
  }

  // table: [h, 2T−1]; table[a, o] = sqrt(d_h)·W[bucket(offset_of(o)), a] on the offsets the mask keeps.
  void compute_table(T* table, T5Sides sides, const EncodingContext& ctx) const {
    const int width = relative_table_size(ctx.seq_len);
    const T scale = static_cast<T>(std::sqrt(static_cast<double>(ctx.d_head)));
    for (int o = first_offset(ctx); o < width; ++o) {
      const T* row = weight_ + static_cast<size_t>(bucket_of_offset(offset_of(o, ctx.seq_len), sides, ctx.causal)) * heads_;
      for (int a = 0; a < heads_; ++a) table[static_cast<size_t>(a) * width + o] = scale * row[a];
    }
  }
  // dtable: [h, 2T−1]; dW[bucket, a] += sqrt(d_h)·Σ_{o in bucket} dtable[a, o] (scatter-add by bucket).
  void table_backward(const T* dtable, T5Sides sides, const EncodingContext& ctx) {
    const int width = relative_table_size(ctx.seq_len);
    const T scale = static_cast<T>(std::sqrt(static_cast<double>(ctx.d_head)));
    for (int o = first_offset(ctx); o < width; ++o) {
      T* row = grad_ + static_cast<size_t>(bucket_of_offset(offset_of(o, ctx.seq_len), sides, ctx.causal)) * heads_;
      for (int a = 0; a < heads_; ++a) row[a] += scale * dtable[static_cast<size_t>(a) * width + o];
    }
  }

 private:
  static int first_offset(const EncodingContext& ctx) { return ctx.causal ? ctx.seq_len - 1 : 0; }

  int num_buckets_ = 32;
  int max_distance_ = 128;
  int heads_ = 0;
  size_t offset_ = 0;
  T* weight_ = nullptr;  // [num_buckets, h]
  T* grad_ = nullptr;    // [num_buckets, h]
};

}  // namespace pebench
