// odds_first (CS): write the symbols at odd positions, then those at even ones.
//
// Source: Delétang et al., "Neural Networks and the Chomsky Hierarchy", ICLR
// 2023, §A.3; reference tasks/cs/odds_first.py, class OddsFirst
// (docs/tasks.md#odds_first).
// Input:  N i.i.d. uniform bits; alphabet {"0", "1"}, then the placeholder "_".
// Output: m = N: x[1::2] then x[0::2] in 0-based indexing, i.e. (1-based)
//         t2 t4 t6 … then t1 t3 t5 …; output vocabulary {"0", "1"}.
//         Example: 1 1 0 -> 1 1 0; 0 0 1 1 0 1 0 1 -> 0 1 1 1 0 1 0 0.
// Scored: every output position.
// Paper vs code: the paper (and the code's docstring) put t1 t3 t5 … first; we
// follow the code's actual order (docs/tasks.md#paper-versus-reference-code).
#include "tasks/che_task.hpp"

namespace pebench {

class OddsFirst : public CheTask {
 public:
  OddsFirst() : CheTask("cs", {"0", "1"}, {"0", "1"}) {}

  int output_length(int length) const override { return length; }

  std::vector<int> generate_input(int length, Rng& rng) const override {
    return uniform_symbols(length, 2, rng);
  }

  std::vector<int> solve(const std::vector<int>& input) const override {
    std::vector<int> output;  // [N]
    output.reserve(input.size());
    for (size_t i = 1; i < input.size(); i += 2) output.push_back(input[i]);
    for (size_t i = 0; i < input.size(); i += 2) output.push_back(input[i]);
    return output;
  }
};

PEBENCH_TASK(OddsFirst, "odds_first");

}  // namespace pebench
