// reverse_string (DCF): write a bit string backwards.
//
// Source: Delétang et al., "Neural Networks and the Chomsky Hierarchy", ICLR
// 2023, §A.3; reference tasks/dcf/reverse_string.py (docs/tasks.md#reverse_string).
// Input:  N i.i.d. uniform bits; alphabet {"0", "1"}, then the placeholder "_".
// Output: m = N, x_N … x_1; output vocabulary {"0", "1"}.
// Scored: every output position. Paper and code agree.
#include "tasks/che_task.hpp"

namespace pebench {

class ReverseString : public CheTask {
 public:
  ReverseString() : CheTask("dcf", {"0", "1"}, {"0", "1"}) {}

  int output_length(int length) const override { return length; }

  std::vector<int> generate_input(int length, Rng& rng) const override {
    return uniform_symbols(length, 2, rng);
  }

  std::vector<int> solve(const std::vector<int>& input) const override {
    return {input.rbegin(), input.rend()};
  }
};

PEBENCH_TASK(ReverseString, "reverse_string");

}  // namespace pebench
