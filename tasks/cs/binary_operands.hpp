// The "n SEP m" inputs of binary_addition and binary_multiplication
// (reference tasks/cs/binary_addition.py and binary_multiplication.py,
// _sample_expressions_and_results; docs/tasks.md#context-sensitive-tasks).
//
// Bits are little-endian (LSB first) with ids 0 and 1; SEP is the task's
// operator symbol ("+" or "*").
//   N >= 3: a ~ U{1..N-2}, b = N-1-a, n ~ U{1..2^a-1}, m ~ U{1..2^b-1};
//           input = n as exactly a bits, SEP, m as exactly b bits (high zeros
//           allowed, so either operand may end in 0s).
//   N <= 2: no room for an operator: u ~ U{0..2^N-2} as N bits (the reference's
//           numpy randint excludes its upper bound 2^N-1).
#pragma once
#include <optional>
#include <vector>

#include "common/rng.hpp"
#include "tasks/cs/binary_number.hpp"

namespace pebench {

// [length] ids: bits 0/1 and `separator_id`.
std::vector<int> generate_binary_operands(int length, int separator_id, Rng& rng);

struct BinaryOperands {
  BinaryNumber left, right;
};

// The two operands of "bits SEP bits"; nullopt for the separator-free N <= 2
// form. UsageError for more than one separator or an empty operand.
std::optional<BinaryOperands> parse_binary_operands(const std::vector<int>& input, int separator_id);

}  // namespace pebench
