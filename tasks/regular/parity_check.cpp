// parity_check (regular): is the number of 1s in a bit string odd?
//
// Source: Delétang et al., "Neural Networks and the Chomsky Hierarchy", ICLR
// 2023, §A.3; reference tasks/regular/parity_check.py (docs/tasks.md#parity_check).
// Input:  N i.i.d. uniform bits; alphabet {"0", "1"}, then the placeholder "_".
// Output: m = 1 class, (Σ x_i) mod 2, named "0" (even) and "1" (odd).
// Scored: the single output position. Paper and code agree.
#include "tasks/che_task.hpp"

namespace pebench {

class ParityCheck : public CheTask {
 public:
  ParityCheck() : CheTask("regular", {"0", "1"}, {"0", "1"}) {}

  int output_length(int length) const override { return 1; }

  std::vector<int> generate_input(int length, Rng& rng) const override {
    return uniform_symbols(length, 2, rng);
  }

  std::vector<int> solve(const std::vector<int>& input) const override {
    int ones = 0;
    for (int bit : input) ones += bit;
    return {ones % 2};
  }
};

PEBENCH_TASK(ParityCheck, "parity_check");

}  // namespace pebench
