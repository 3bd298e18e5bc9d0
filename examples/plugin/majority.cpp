// majority (example plugin task): is more than half of the input bits 1?
// The README's "Adding a task" example, built out of tree. Majority is the
// classic threshold function; as a length-generalization probe it needs the
// model to count over the whole input, like parity_check (Delétang et al.
// 2023, "Neural Networks and the Chomsky Hierarchy"). Layout: N bits, then one
// `_` where the answer is read; bidirectional; the `_` position is the only
// target and it is scored.
//
// This file builds unchanged in-tree (tasks/dcf/) or as a plugin
// (examples/plugin/CMakeLists.txt): it includes only installed headers.
#include "tasks/task.hpp"

namespace pebench {
namespace {

class Majority final : public Task {
 public:
  std::string family() const override { return "dcf"; }  // regular | dcf | cs | memory
  std::vector<std::string> input_vocab() const override { return {"0", "1", "_"}; }
  std::vector<std::string> output_vocab() const override { return {"no", "yes"}; }
  Attention attention() const override { return Attention::bidirectional; }
  std::vector<Split> splits() const override {
    std::vector<int> short_lengths;
    for (int length = 1; length <= 40; ++length) short_lengths.push_back(length);
    return {{"train", SplitKind::train, short_lengths, "lengths 1..40"},
            {"ood", SplitKind::ood, {100, 200}, "longer inputs"}};
  }
  int sequence_length(int length) const override { return length + 1; }

  Example sample(const std::string& split, int length, Rng& rng) const override {
    find_split(split);     // UsageError for an unknown split
    check_length(length);  // UsageError outside [min_length, max_length]
    Example example;
    int ones = 0;
    for (int i = 0; i < length; ++i) {
      const int bit = static_cast<int>(rng.below(2));  // all randomness from `rng`
      ones += bit;
      example.tokens.push_back(input_id(bit ? "1" : "0"));
    }
    example.tokens.push_back(input_id("_"));
    example.targets.assign(length + 1, Example::kNoTarget);  // no loss here...
    example.scored.assign(length + 1, 0);
    example.targets[length] = output_id(2 * ones > length ? "yes" : "no");  // ...but here
    example.scored[length] = 1;
    return example;
  }
};

}  // namespace

PEBENCH_TASK(Majority, "majority");

}  // namespace pebench
