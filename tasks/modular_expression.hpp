// Evaluation of the arithmetic expressions of the CHE modular-arithmetic tasks
// (modular_arithmetic, modular_arithmetic_brackets, solve_equation;
// docs/tasks.md#chomsky-hierarchy-tasks).
//
// Grammar (standard precedence: `*` binds tighter than `+`/`-`, all
// left-associative; unary minus applies to the factor that follows it):
//   expression := term { ('+' | '-') term }
//   term       := factor { '*' factor }
//   factor     := '-' factor | digit | '(' expression ')'
// Digits are single characters '0'..'9'. The value is reduced mod `modulus`
// into [0, modulus). This reproduces the reference's values: the simple task
// rewrites `-d` as `+(-d)` and sums products (tasks/regular/modular_arithmetic.py),
// and the bracket generator's values are those of its fully bracketed trees.
#pragma once
#include <string_view>

namespace pebench {

// UsageError (naming the position) if `text` is not a whole expression.
int evaluate_modular_expression(std::string_view text, int modulus);

}  // namespace pebench
