// selective_copy: copy the data symbols of a sequence in order, skipping blanks.
// Source: the CoPE paper (Golovneva, Wang, Weston, Sukhbaatar, "Contextual
// Position Encoding: Learning to Count What's Important", arXiv 2405.18719,
// §5.2, Tables 2 and 10): vocabulary 16, 256 symbols to copy, 256 blanks in
// train/in-distribution, 128 for "OOD dense", 512 for "OOD sparse". The paper
// gives no input format; ours follows the variable-spacing copy generator of
// S4/Mamba (state-spaces/s4 `torch_copying_data`, Gu & Dao 2023 §4.1.1): data
// symbols at uniformly chosen slots, in order. See docs/tasks.md#selective_copy.
//
// Layout. `length` = the model's sequence length T = 2n + b + 1, with n symbols
// to copy and b blanks:
//   positions 0 .. n+b−1       x: n data symbols, i.i.d. uniform over the 16,
//                              at n slots chosen uniformly (kept in order);
//                              blanks `.` at the other b slots
//   position  n+b              `<sep>`
//   positions n+b+1 .. 2n+b    y_1 .. y_n: the data symbols of x, in order
//   Teacher forcing: the y's are inputs too and each is predicted one position
//   earlier. `<sep>` (position n+b) predicts y_1; y_k (position n+b+k)
//   predicts y_{k+1} for k = 1..n−1; the last position (y_n) has no target.
//   Those n positions are the only targets and all are scored (per-token
//   accuracy; the harness also reports per-sequence accuracy, which the paper's
//   100 % RoPE error suggests it used).
//   Input vocabulary: data symbols `A`..`P` (ids 0..15), blank `.`, `<sep>`;
//   output vocabulary `A`..`P` (same ids).
// Why `length` is T and not n: a batch has one sequence length for every split
//   (Task::sequence_length takes no split), while the splits differ in b at a
//   fixed n. So each split fixes a blank density b/n, and T sets the size:
//   n = ⌊(T−1)·tokens / (2·tokens + blanks_split)⌋, b = T − 1 − 2n (b takes the
//   rounding remainder). At each split's own length this is exactly the paper's
//   (n, b): train/id T = 769 (256, 256), ood_dense 641 (256, 128), ood_sparse
//   1025 (256, 512). min_length is the smallest T with n ≥ 1 in every split.
// Splits. train, id: density blanks/tokens; ood_dense: dense_blanks/tokens;
//   ood_sparse: sparse_blanks/tokens; ood_length: the id density at
//   n = ood_tokens (T = 1537 by default: n = 512, b = 512).
// Options (paper values as defaults). tokens (n, 256), blanks (256),
//   dense_blanks (128), sparse_blanks (512), ood_tokens (512).
// Segment boundaries (BiPE): `<sep>`, which ends the x segment; the y segment
//   follows, so intra-segment positions count within the input and the copy.
// Attention: causal (teacher-forced sequence model).
#include <algorithm>
#include <array>
#include <cstdint>

#include <fmt/core.h>

#include "tasks/split_table.hpp"
#include "tasks/task.hpp"

namespace pebench {
namespace {

constexpr int kDataSymbols = 16;
constexpr int kBlank = kDataSymbols;  // input id of `.`
constexpr int kSeparator = kDataSymbols + 1;

enum class BlankDensity { regular, dense, sparse };

struct SelectiveCopySplit {
  const char* name;
  SplitKind kind;
  BlankDensity density;
  bool at_ood_tokens;  // default length copies ood_tokens symbols instead of tokens
  const char* description;
};

constexpr std::array<SelectiveCopySplit, 5> kSplits = {{
    {"train", SplitKind::train, BlankDensity::regular, false, "n = tokens, b = blanks"},
    {"id", SplitKind::id, BlankDensity::regular, false, "n = tokens, b = blanks, in distribution"},
    {"ood_dense", SplitKind::ood, BlankDensity::dense, false, "n = tokens, b = dense_blanks (fewer blanks)"},
    {"ood_sparse", SplitKind::ood, BlankDensity::sparse, false, "n = tokens, b = sparse_blanks (more blanks)"},
    {"ood_length", SplitKind::ood, BlankDensity::regular, true, "n = ood_tokens at the blanks/tokens density"},
}};

struct CopyLayout {
  int copies;  // n
  int blanks;  // b
};

class SelectiveCopy final : public Task {
 public:
  std::string family() const override { return "memory"; }
  Attention attention() const override { return Attention::causal; }
  std::vector<std::string> segment_boundaries() const override { return {"<sep>"}; }
  int sequence_length(int length) const override { return length; }

  std::vector<std::string> output_vocab() const override {
    std::vector<std::string> vocab;
    for (int symbol = 0; symbol < kDataSymbols; ++symbol) vocab.push_back(std::string(1, char('A' + symbol)));
    return vocab;
  }
  std::vector<std::string> input_vocab() const override {
    auto vocab = output_vocab();
    vocab.push_back(".");
    vocab.push_back("<sep>");
    return vocab;
  }

  // Smallest T with n ≥ 1 at the sparsest split: (T−1)·tokens ≥ 2·tokens + b_max.
  int min_length() const override {
    const int64_t most_blanks = std::max({blanks_, dense_blanks_, sparse_blanks_});
    return static_cast<int>(1 + (2 * int64_t{tokens_} + most_blanks + tokens_ - 1) / tokens_);
  }

  std::vector<Split> splits() const override {
    std::vector<Split> out;
    for (const auto& split : kSplits)
      out.push_back({split.name, split.kind, {default_length(split)}, split.description});
    return out;
  }

  void configure(const json& options) override {
    OptionsReader reader = options_reader(options);
    SelectiveCopy next = *this;
    next.tokens_ = reader.integer("tokens", tokens_, 1, kMaxOption);
    next.blanks_ = reader.integer("blanks", blanks_, 0, kMaxOption);
    next.dense_blanks_ = reader.integer("dense_blanks", dense_blanks_, 0, kMaxOption);
    next.sparse_blanks_ = reader.integer("sparse_blanks", sparse_blanks_, 0, kMaxOption);
    next.ood_tokens_ = reader.integer("ood_tokens", ood_tokens_, 1, kMaxOption);
    reader.finish();
    if (next.ood_tokens_ <= next.tokens_)
      reader.fail("ood_tokens", fmt::format("must be larger than tokens ({}), got {}", next.tokens_, next.ood_tokens_));
    for (const auto& split : kSplits)
      if (next.default_length(split) > max_length())
        reader.fail(fmt::format("split '{}' would need {} tokens, more than the {} allowed", split.name,
                                next.default_length(split), max_length()));
    *this = next;
  }
  json options() const override {
    return {{"tokens", tokens_}, {"blanks", blanks_}, {"dense_blanks", dense_blanks_},
            {"sparse_blanks", sparse_blanks_}, {"ood_tokens", ood_tokens_}};
  }

  Example sample(const std::string& split, int length, Rng& rng) const override {
    const auto& row = find_split_row(*this, kSplits, split);
    check_length(length);
    const CopyLayout layout = layout_for(row.density, length);
    const int input_slots = layout.copies + layout.blanks;

    Example example;
    example.tokens.reserve(length);
    std::vector<int> copied;  // [n] the data symbols in order
    copied.reserve(layout.copies);
    for (int slot = 0; slot < input_slots; ++slot) {
      // Selection sampling (Knuth's Algorithm S): every set of n slots is equally likely.
      const int still_needed = layout.copies - static_cast<int>(copied.size());
      const bool is_data = static_cast<int>(rng.below(input_slots - slot)) < still_needed;
      if (is_data) copied.push_back(static_cast<int>(rng.below(kDataSymbols)));
      example.tokens.push_back(is_data ? copied.back() : kBlank);
    }
    example.tokens.push_back(kSeparator);
    example.tokens.insert(example.tokens.end(), copied.begin(), copied.end());

    // Teacher forcing: position p predicts the input token at p + 1, from <sep> to y_{n−1}.
    example.targets.assign(length, Example::kNoTarget);
    example.scored.assign(length, 0);
    for (int position = input_slots; position < length - 1; ++position) {
      example.targets[position] = example.tokens[position + 1];
      example.scored[position] = 1;
    }
    return example;
  }

 private:
  static constexpr int kMaxOption = 50000;

  int blanks_for(BlankDensity density) const {
    switch (density) {
      case BlankDensity::regular: return blanks_;
      case BlankDensity::dense: return dense_blanks_;
      case BlankDensity::sparse: return sparse_blanks_;
    }
    return blanks_;
  }

  // (n, b) for a sequence of `length` tokens at the density blanks_for(density) / tokens.
  CopyLayout layout_for(BlankDensity density, int length) const {
    const int64_t per_copy_unit = 2 * int64_t{tokens_} + blanks_for(density);  // tokens per `tokens_` copies
    const int copies = static_cast<int>((int64_t{length} - 1) * tokens_ / per_copy_unit);
    return {copies, length - 1 - 2 * copies};
  }

  // The T whose layout copies exactly `tokens` (or `ood_tokens`) symbols:
  // 1 + ⌈n·(2·tokens + b)/tokens⌉, i.e. 2n + b + 1 when the density is exact.
  int default_length(const SelectiveCopySplit& split) const {
    const int64_t copies = split.at_ood_tokens ? ood_tokens_ : tokens_;
    const int64_t per_copy_unit = 2 * int64_t{tokens_} + blanks_for(split.density);
    const int64_t length = 1 + (copies * per_copy_unit + tokens_ - 1) / tokens_;
    return static_cast<int>(std::min<int64_t>(length, INT32_MAX));
  }

  int tokens_ = 256;
  int blanks_ = 256;
  int dense_blanks_ = 128;
  int sparse_blanks_ = 512;
  int ood_tokens_ = 512;
};

}  // namespace

PEBENCH_TASK(SelectiveCopy, "selective_copy");

}  // namespace pebench
