// solve_equation (DCF): find the digit x that makes a bracketed linear
// equation mod 5 true, e.g. ((x+-2)-(1))=3 -> 1.
//
// Source: Delétang et al., "Neural Networks and the Chomsky Hierarchy", ICLR
// 2023, §A.3; reference tasks/dcf/solve_equation.py with modulus 5
// (docs/tasks.md#solve_equation).
// Input:  for N >= 3: E = gen(N-2) of tasks/dcf/bracket_expression.hpp with
//         operators {+, -} only, value v; an index ~ U{0..N-3} moved right
//         (wrapping) to the first digit, which is replaced by "x"; then "=" v.
//         Exactly N symbols. For N < 3 there is no room for "x=d": the reference
//         emits N "0"s with answer "0", and so do we (min_length stays 1, so
//         the train/id splits keep the reference's lengths 1..40).
//         Alphabet "0".."4", "+", "-", "(", ")", "x", "=", then the placeholder "_".
// Output: m = 1 class, the hidden digit; output vocabulary "0".."4". It is
//         unique because x's coefficient is ±1 (unary minus only on leaves).
// Scored: the single output position.
// Segment boundary (BiPE): "=" ends the left-hand side.
// Paper vs code: the paper also allows *; the code removed it (commit ed7e055:
// x*0 has no unique solution). We follow the code: {+, -} (docs/tasks.md#paper-versus-reference-code). The
// reference alphabet also holds an unused "*" (input_size 11); it is left out.
#include <algorithm>

#include "tasks/che_task.hpp"
#include "tasks/dcf/bracket_expression.hpp"
#include "tasks/modular_expression.hpp"

namespace pebench {

class SolveEquation : public CheTask {
 public:
  static constexpr int kModulus = 5;

  SolveEquation()
      : CheTask("dcf", {"0", "1", "2", "3", "4", "+", "-", "(", ")", "x", "="}, {"0", "1", "2", "3", "4"}) {}

  int output_length(int length) const override { return 1; }
  std::vector<std::string> segment_boundaries() const override { return {"="}; }

  std::vector<int> generate_input(int length, Rng& rng) const override {
    if (length < 3) return std::vector<int>(length, 0);
    std::string equation;
    equation.reserve(length);
    append_bracket_expression(equation, length - 2, kModulus, /*with_multiplication=*/false, rng);
    const int value = evaluate_modular_expression(equation, kModulus);
    // The reference's walk to a digit: not uniform over digit positions.
    size_t hidden = rng.below(equation.size());
    while (!is_digit(equation[hidden])) hidden = (hidden + 1) % equation.size();
    equation[hidden] = 'x';
    equation += '=';
    equation += static_cast<char>('0' + value);
    return text_to_ids(equation, alphabet());
  }

  std::vector<int> solve(const std::vector<int>& input) const override {
    if (input.size() < 3) return {0};
    const std::string equation = ids_to_text(input, alphabet());
    const size_t equals = equation.size() - 2;
    if (equation[equals] != '=' || !is_digit(equation.back()) || equation.find('x') == std::string::npos)
      throw UsageError("solve_equation: '" + equation + "' is not of the form E(x)=d");
    const int right_side = equation.back() - '0';
    std::vector<int> solutions;
    for (int digit = 0; digit < kModulus; ++digit) {
      std::string left_side = equation.substr(0, equals);
      std::replace(left_side.begin(), left_side.end(), 'x', static_cast<char>('0' + digit));
      if (evaluate_modular_expression(left_side, kModulus) == right_side) solutions.push_back(digit);
    }
    if (solutions.size() != 1) throw UsageError("solve_equation: '" + equation + "' has no unique solution");
    return solutions;
  }

 private:
  static bool is_digit(char symbol) { return symbol >= '0' && symbol <= '9'; }
};

PEBENCH_TASK(SolveEquation, "solve_equation");

}  // namespace pebench
