// bucket_sort (CS): sort a string over 5 symbols.
//
// Source: Delétang et al., "Neural Networks and the Chomsky Hierarchy", ICLR
// 2023, §A.3; reference tasks/cs/bucket_sort.py with vocab_size 5
// (docs/tasks.md#bucket_sort).
// Input:  N tokens i.i.d. uniform over "0".."4", then the placeholder "_".
// Output: m = N, the same tokens in ascending order; output vocabulary "0".."4".
//         Example: 4 2 1 3 0 2 2 1 4 -> 0 1 1 2 2 2 3 4 4.
// Scored: every output position. Paper and code agree.
#include "tasks/che_task.hpp"

namespace pebench {

class BucketSort : public CheTask {
 public:
  static constexpr int kSymbols = 5;

  BucketSort() : CheTask("cs", {"0", "1", "2", "3", "4"}, {"0", "1", "2", "3", "4"}) {}

  int output_length(int length) const override { return length; }

  std::vector<int> generate_input(int length, Rng& rng) const override {
    return uniform_symbols(length, kSymbols, rng);
  }

  // Counting sort: one bucket per symbol, emptied in order.
  std::vector<int> solve(const std::vector<int>& input) const override {
    int bucket_sizes[kSymbols] = {};
    for (int symbol : input) {
      if (symbol < 0 || symbol >= kSymbols)
        throw UsageError("bucket_sort: token id " + std::to_string(symbol) + " is not a symbol");
      ++bucket_sizes[symbol];
    }
    std::vector<int> output;  // [N]
    output.reserve(input.size());
    for (int symbol = 0; symbol < kSymbols; ++symbol)
      output.insert(output.end(), bucket_sizes[symbol], symbol);
    return output;
  }
};

PEBENCH_TASK(BucketSort, "bucket_sort");

}  // namespace pebench
