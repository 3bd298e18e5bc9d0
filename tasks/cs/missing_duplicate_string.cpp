// missing_duplicate_string (CS): in a string w w with one symbol hidden, which
// bit is hidden?
//
// Source: Delétang et al., "Neural Networks and the Chomsky Hierarchy", ICLR
// 2023, §A.3; reference tasks/cs/missing_duplicate_string.py (docs/tasks.md#missing_duplicate_string).
// Input:  for N >= 2: h = N/2 (rounded down) uniform bits w; s = w w; one
//         position j ~ U{0..2h-1} of s is replaced by "?"; an odd N appends
//         one "<pad>". For N = 1 the reference emits "1" with answer "1"; so do
//         we (no string fits, but min_length stays 1 like every CHE task).
//         Alphabet "0", "1", "?" (hidden), "<pad>", then the placeholder "_".
// Output: m = 1 class, the hidden bit s_j; output vocabulary {"0", "1"}.
// Scored: the single output position.
// Example (reference docstring): 0 1 1 0 0 ? 1 0 -> 1. Paper and code agree.
#include <algorithm>

#include "tasks/che_task.hpp"

namespace pebench {

class MissingDuplicateString : public CheTask {
 public:
  enum Input { kZero, kOne, kHidden, kPadding };

  MissingDuplicateString() : CheTask("cs", {"0", "1", "?", "<pad>"}, {"0", "1"}) {}

  int output_length(int length) const override { return 1; }

  std::vector<int> generate_input(int length, Rng& rng) const override {
    if (length == 1) return {kOne};
    const int half = length / 2;
    const std::vector<int> word = uniform_symbols(half, 2, rng);  // [h]
    std::vector<int> input = word;                                // [N]: w w (one hidden), pad
    input.insert(input.end(), word.begin(), word.end());
    input[rng.below(2 * half)] = kHidden;
    if (length % 2) input.push_back(kPadding);
    return input;
  }

  // The hidden symbol's twin, half a string away, holds the answer.
  std::vector<int> solve(const std::vector<int>& input) const override {
    if (input.size() == 1) return {input[0] == kOne ? 1 : 0};
    const size_t half = input.size() / 2;
    const auto hidden = std::find(input.begin(), input.begin() + 2 * half, kHidden);
    if (hidden == input.begin() + 2 * half)
      throw UsageError("missing_duplicate_string: no hidden symbol '?'");
    const size_t position = hidden - input.begin();
    const int twin = input[(position + half) % (2 * half)];
    if (twin != kZero && twin != kOne)
      throw UsageError("missing_duplicate_string: the twin of '?' is not a bit");
    return {twin};
  }
};

PEBENCH_TASK(MissingDuplicateString, "missing_duplicate_string");

}  // namespace pebench
