// cycle_navigation (regular): where does an agent end up on a cycle of 5
// states after a sequence of moves?
//
// Source: Delétang et al., "Neural Networks and the Chomsky Hierarchy", ICLR
// 2023, §A.3; reference tasks/regular/cycle_navigation.py (docs/tasks.md#cycle_navigation).
// Input:  N moves, i.i.d. uniform; alphabet {"-1", "0", "+1"} (ids 0, 1, 2:
//         step back, stay, step forward), then the placeholder "_".
// Output: m = 1 class, the final state (Σ step_i) mod 5, starting from state 0;
//         output vocabulary "0".."4".
// Scored: the single output position.
// Paper vs code: the paper names the tokens STAY, INCREASE, DECREASE; we follow
// the code (docs/tasks.md#paper-versus-reference-code): step = token id - 1. So "+1 -1 +1 +1" ends in state 2.
#include "tasks/che_task.hpp"

namespace pebench {

class CycleNavigation : public CheTask {
 public:
  static constexpr int kCycleLength = 5;

  CycleNavigation() : CheTask("regular", {"-1", "0", "+1"}, {"0", "1", "2", "3", "4"}) {}

  int output_length(int length) const override { return 1; }

  std::vector<int> generate_input(int length, Rng& rng) const override {
    return uniform_symbols(length, 3, rng);
  }

  std::vector<int> solve(const std::vector<int>& input) const override {
    int state = 0;
    for (int move : input) state = (state + move - 1 + kCycleLength) % kCycleLength;
    return {state};
  }
};

PEBENCH_TASK(CycleNavigation, "cycle_navigation");

}  // namespace pebench
