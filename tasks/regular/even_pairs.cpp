// even_pairs (regular): is the number of "01" and "10" pairs in a bit string even?
//
// Source: Delétang et al., "Neural Networks and the Chomsky Hierarchy", ICLR
// 2023, §A.3; reference tasks/regular/even_pairs.py (docs/tasks.md#even_pairs).
// Input:  N i.i.d. uniform bits; alphabet {"0", "1"}, then the placeholder "_".
// Output: m = 1 class, (#{i : x_i != x_{i+1}}) mod 2 as "0" (even) or "1" (odd).
//         It equals [x_1 != x_N]: a regular language that needs only the first
//         and the current symbol. N = 1 has no pairs: class "0".
// Scored: the single output position. Paper and code agree.
#include "tasks/che_task.hpp"

namespace pebench {

class EvenPairs : public CheTask {
 public:
  EvenPairs() : CheTask("regular", {"0", "1"}, {"0", "1"}) {}

  int output_length(int length) const override { return 1; }

  std::vector<int> generate_input(int length, Rng& rng) const override {
    return uniform_symbols(length, 2, rng);
  }

  std::vector<int> solve(const std::vector<int>& input) const override {
    int unequal_pairs = 0;
    for (size_t i = 1; i < input.size(); ++i) unequal_pairs += input[i] != input[i - 1];
    return {unequal_pairs % 2};
  }
};

PEBENCH_TASK(EvenPairs, "even_pairs");

}  // namespace pebench
