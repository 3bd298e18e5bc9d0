// binary_multiplication (CS): multiply two binary numbers, least significant bit first.
//
// Source: Delétang et al., "Neural Networks and the Chomsky Hierarchy", ICLR
// 2023, §A.3; reference tasks/cs/binary_multiplication.py (docs/tasks.md#binary_multiplication).
// Input:  "n * m" of tasks/cs/binary_operands.hpp: for N >= 3 an a-bit n >= 1
//         and a b-bit m >= 1 (a ~ U{1..N-2}, b = N-1-a), LSB first, high zeros
//         allowed; for N <= 2 a random number u ~ U{0..2^N-2} and no "*".
//         Alphabet "0", "1", "*", then the placeholder "_".
// Output: m = N: the shortest LSB-first bits of n·m (at most a+b = N-1 bits),
//         then "<end>", then "0"s. For N <= 2 the reference's fixed target
//         "0"×(N-1) then "<end>" (no real task at those lengths).
//         Output vocabulary "0", "1", "<end>". Exact arithmetic (BinaryNumber).
// Scored: positions up to and including the first "<end>" (reference accuracy_mask).
// Segment boundary (BiPE): "*" ends the first operand.
// Example (reference docstring): 0 0 1 * 0 1 1 0 1 -> 0 0 0 1 1 0 1 <end> 0 (4 · 22 = 88).
// Paper and code agree.
#include "tasks/che_task.hpp"
#include "tasks/cs/binary_operands.hpp"

namespace pebench {

class BinaryMultiplication : public CheTask {
 public:
  enum Input { kZero, kOne, kTimes };
  enum Output { kBitZero, kBitOne, kEnd };

  BinaryMultiplication() : CheTask("cs", {"0", "1", "*"}, {"0", "1", "<end>"}, "<end>") {}

  int output_length(int length) const override { return length; }
  std::vector<std::string> segment_boundaries() const override { return {"*"}; }

  std::vector<int> generate_input(int length, Rng& rng) const override {
    return generate_binary_operands(length, kTimes, rng);
  }

  std::vector<int> solve(const std::vector<int>& input) const override {
    const auto operands = parse_binary_operands(input, kTimes);
    std::vector<int> output;  // [N]: bits, <end>, padding
    if (operands)
      output = (operands->left * operands->right).minimal_bits(BitOrder::lsb_first);
    else
      output.assign(input.size() - 1, kBitZero);
    output.push_back(kEnd);
    output.resize(input.size(), kBitZero);
    return output;
  }
};

PEBENCH_TASK(BinaryMultiplication, "binary_multiplication");

}  // namespace pebench
