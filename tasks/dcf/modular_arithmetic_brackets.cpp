// modular_arithmetic_brackets (DCF; "Modular Arithmetic" in the paper): the
// value mod 5 of a random, fully bracketed expression such as ((1--2)*(3)).
//
// Source: Delétang et al., "Neural Networks and the Chomsky Hierarchy", ICLR
// 2023, §A.3; reference tasks/dcf/modular_arithmetic_brackets.py with
// modulus 5 and mult=True as in experiments/constants.py (docs/tasks.md#modular_arithmetic_brackets).
// Input:  gen(N) of tasks/dcf/bracket_expression.hpp: exactly N symbols, any
//         N >= 1 (1: d, 2: -d, 3: (d), 4: (-d), >= 5: (gen(a) op gen(N-3-a))),
//         operators {+, -, *}. Alphabet "0".."4", "+", "-", "*", "(", ")", then
//         the placeholder "_".
// Output: m = 1 class, the value mod 5; output vocabulary "0".."4".
// Scored: the single output position.
// The reference's alphabet also holds "x" and "=" (used by solve_equation
// only; input_size 11); they never occur here and are left out.
#include "tasks/che_task.hpp"
#include "tasks/dcf/bracket_expression.hpp"
#include "tasks/modular_expression.hpp"

namespace pebench {

class ModularArithmeticBrackets : public CheTask {
 public:
  static constexpr int kModulus = 5;

  ModularArithmeticBrackets()
      : CheTask("dcf", {"0", "1", "2", "3", "4", "+", "-", "*", "(", ")"}, {"0", "1", "2", "3", "4"}) {}

  int output_length(int length) const override { return 1; }

  std::vector<int> generate_input(int length, Rng& rng) const override {
    std::string expression;
    expression.reserve(length);
    append_bracket_expression(expression, length, kModulus, /*with_multiplication=*/true, rng);
    return text_to_ids(expression, alphabet());
  }

  std::vector<int> solve(const std::vector<int>& input) const override {
    return {evaluate_modular_expression(ids_to_text(input, alphabet()), kModulus)};
  }
};

PEBENCH_TASK(ModularArithmeticBrackets, "modular_arithmetic_brackets");

}  // namespace pebench
