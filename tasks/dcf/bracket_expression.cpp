#include "tasks/dcf/bracket_expression.hpp"

namespace pebench {

static char random_digit(int modulus, Rng& rng) { return static_cast<char>('0' + rng.below(modulus)); }

static void append_leaf(std::string& out, int length, int modulus, Rng& rng) {
  const bool bracketed = length >= 3, negated = length % 2 == 0;
  if (bracketed) out += '(';
  if (negated) out += '-';
  out += random_digit(modulus, rng);
  if (bracketed) out += ')';
}

void append_bracket_expression(std::string& out, int length, int modulus, bool with_multiplication,
                               Rng& rng) {
  if (length <= 4) {
    append_leaf(out, length, modulus, rng);
    return;
  }
  // Appending in place (instead of concatenating returned strings) keeps
  // generation linear in the length; the operator goes between the operands,
  // so its slot is reserved and filled after both are drawn, in the
  // reference's draw order (left length, left, right, operator).
  const int left_length = static_cast<int>(rng.uniform_int(1, length - 4));
  out += '(';
  append_bracket_expression(out, left_length, modulus, with_multiplication, rng);
  const size_t operator_slot = out.size();
  out += '?';
  append_bracket_expression(out, length - 3 - left_length, modulus, with_multiplication, rng);
  out += ')';
  static const char kOperators[] = {'+', '-', '*'};
  out[operator_slot] = kOperators[rng.below(with_multiplication ? 3 : 2)];
}

}  // namespace pebench
