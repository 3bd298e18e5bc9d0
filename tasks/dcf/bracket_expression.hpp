// The random bracketed-expression generator shared by modular_arithmetic_brackets
// and solve_equation: generate_one_expression_and_result() of the reference
// (tasks/dcf/modular_arithmetic_brackets.py; docs/tasks.md#modular_arithmetic_brackets).
//
// gen(L) returns a string of exactly L characters over single digits
// 0..modulus-1, the operators and brackets:
//   L = 1: d      L = 2: -d      L = 3: (d)      L = 4: (-d)      d ~ U{0..modulus-1}
//   L ≥ 5: ( gen(a) op gen(L-3-a) ), a ~ U{1..L-4}, op uniform over {+,-,*}
//          (over {+,-} without multiplication).
// Unary minus appears only on leaves; every binary operation is bracketed.
// Only the string is produced: its value is computed by parsing it
// (tasks/modular_expression.hpp), which the tasks' solve() needs anyway.
#pragma once
#include <string>

#include "common/rng.hpp"

namespace pebench {

// Appends gen(length) to `out`; length >= 1.
void append_bracket_expression(std::string& out, int length, int modulus, bool with_multiplication, Rng& rng);

}  // namespace pebench
