// duplicate_string (CS): write a bit string twice.
//
// Source: Delétang et al., "Neural Networks and the Chomsky Hierarchy", ICLR
// 2023, §A.3; reference tasks/cs/duplicate_string.py (docs/tasks.md#duplicate_string).
// Input:  N i.i.d. uniform bits; alphabet {"0", "1"}, then the placeholder "_".
// Output: m = 2N, x x with no separator; output vocabulary {"0", "1"}. The
//         model sequence is 3N long (1,500 at N = 500).
// Scored: every output position. Paper and code agree (RPE's optional
// duplication factor is 2 by default, as here).
#include "tasks/che_task.hpp"

namespace pebench {

class DuplicateString : public CheTask {
 public:
  DuplicateString() : CheTask("cs", {"0", "1"}, {"0", "1"}) {}

  int output_length(int length) const override { return 2 * length; }

  std::vector<int> generate_input(int length, Rng& rng) const override {
    return uniform_symbols(length, 2, rng);
  }

  std::vector<int> solve(const std::vector<int>& input) const override {
    std::vector<int> output = input;  // [2N]
    output.insert(output.end(), input.begin(), input.end());
    return output;
  }
};

PEBENCH_TASK(DuplicateString, "duplicate_string");

}  // namespace pebench
