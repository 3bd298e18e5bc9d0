#include "models/encodings/support/random_positions.hpp"

#include <algorithm>
#include <unordered_set>

#include <fmt/format.h>

#include "common/errors.hpp"

namespace pebench {

std::vector<int> sample_sorted_distinct(Rng& rng, int count, int low, int high) {
  // Floyd: for t in [n - count, n), take a uniform value in [0, t]; on a
  // collision take t itself. Every count-subset is equally likely.
  const int n = high - low;
  std::unordered_set<int> chosen;
  std::vector<int> out;
  out.reserve(count);
  for (int t = n - count; t < n; ++t) {
    const int value = static_cast<int>(rng.uniform_int(0, t));
    const int pick = chosen.count(value) ? t : value;
    chosen.insert(pick);
    out.push_back(low + pick);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void PositionSampler::configure(OptionsReader& options) {
  max_length_ = options.integer("max_length", kDefaultMaxLength, 1, 1 << 24);
}

void PositionSampler::check_length(const std::string& encoding, int seq_len) const {
  if (seq_len > max_length_)
    throw UsageError(fmt::format(
        "encoding '{}': sequence length {} exceeds max_length {} (positions are sampled from [0, "
        "max_length); raise the option 'max_length')",
        encoding, seq_len, max_length_));
}

std::vector<int> PositionSampler::positions(uint64_t seed, uint64_t stream, int seq_len) const {
  Rng rng(seed, stream);
  return sample_sorted_distinct(rng, seq_len, 0, max_length_);
}

std::vector<int> PositionSampler::distances(uint64_t seed, uint64_t stream, int seq_len) const {
  Rng rng(seed, stream);
  std::vector<int> out{0};
  const auto sampled = sample_sorted_distinct(rng, seq_len - 1, 1, max_length_);
  out.insert(out.end(), sampled.begin(), sampled.end());
  return out;
}

// Seed of draw p of a pass.
static uint64_t draw_seed(const EncodingContext& ctx, int p) {
  return ctx.sequence_seeds ? ctx.sequence_seeds[p] : ctx.position_seed;
}

std::vector<int> PositionSampler::positions(const EncodingContext& ctx, uint64_t stream) const {
  std::vector<int> out;
  out.reserve(static_cast<size_t>(draws(ctx)) * ctx.seq_len);
  for (int p = 0; p < draws(ctx); ++p) {
    const std::vector<int> draw = positions(draw_seed(ctx, p), stream, ctx.seq_len);
    out.insert(out.end(), draw.begin(), draw.end());
  }
  return out;
}

std::vector<int> PositionSampler::distances(const EncodingContext& ctx, uint64_t stream) const {
  std::vector<int> out;
  out.reserve(static_cast<size_t>(draws(ctx)) * ctx.seq_len);
  for (int p = 0; p < draws(ctx); ++p) {
    const std::vector<int> draw = distances(draw_seed(ctx, p), stream, ctx.seq_len);
    out.insert(out.end(), draw.begin(), draw.end());
  }
  return out;
}

}  // namespace pebench
