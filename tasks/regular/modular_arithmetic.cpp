// modular_arithmetic (regular; "Modular Arithmetic (Simple)"): the value mod 5
// of a bracket-free expression such as 1+2*3-4.
//
// Source: Delétang et al., "Neural Networks and the Chomsky Hierarchy", ICLR
// 2023, §A.3; reference tasks/regular/modular_arithmetic.py (docs/tasks.md#modular_arithmetic).
// Input:  digits ~ U{0..4} at even positions (0-based) and operators uniform
//         over {+, *, -} at odd positions: N//2 + 1 digits, N//2 operators.
//         Alphabet "0".."4", "+", "-", "*", then the placeholder "_".
// Output: m = 1 class, the value mod 5 with standard precedence (* before +/-,
//         left to right; a-b*c = a-(b*c)); output vocabulary "0".."4".
// Scored: the single output position.
// Paper vs code, as the code does (docs/tasks.md#paper-versus-reference-code):
//   - an even N is lowered to N-1 (the paper says N+1), so the model reads
//     N-1 symbols and input_length(N) = sequence_length(N) - 1 = N-1 for even N;
//     N = 1 and N = 2 both give a single digit;
//   - operators are drawn from the list {+, *, -} (RPE's list semantics; the
//     NNCH HEAD's one-shot generator is a bug, docs/tasks.md#paper-versus-reference-code).
// The reference's alphabet also holds an unused blank "_" (input_size 9);
// here "_" is the placeholder itself, so the model vocabulary is 9, not 10.
#include "tasks/che_task.hpp"
#include "tasks/modular_expression.hpp"

namespace pebench {

class ModularArithmetic : public CheTask {
 public:
  static constexpr int kModulus = 5;
  enum Symbol { kPlus = kModulus, kMinus, kTimes };

  ModularArithmetic()
      : CheTask("regular", {"0", "1", "2", "3", "4", "+", "-", "*"}, {"0", "1", "2", "3", "4"}) {}

  int input_length(int length) const override { return length % 2 == 0 ? length - 1 : length; }
  int output_length(int length) const override { return 1; }

  std::vector<int> generate_input(int length, Rng& rng) const override {
    static const int kOperators[] = {kPlus, kTimes, kMinus};
    std::vector<int> input(input_length(length));  // [n]: digit (op digit)*
    for (size_t i = 0; i < input.size(); ++i)
      input[i] = i % 2 == 0 ? static_cast<int>(rng.below(kModulus)) : kOperators[rng.below(3)];
    return input;
  }

  std::vector<int> solve(const std::vector<int>& input) const override {
    return {evaluate_modular_expression(ids_to_text(input, alphabet()), kModulus)};
  }
};

PEBENCH_TASK(ModularArithmetic, "modular_arithmetic");

}  // namespace pebench
