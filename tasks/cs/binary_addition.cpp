// binary_addition (CS): add two binary numbers, least significant bit first.
//
// Source: Delétang et al., "Neural Networks and the Chomsky Hierarchy", ICLR
// 2023, §A.3; reference tasks/cs/binary_addition.py (docs/tasks.md#binary_addition).
// Input:  "n + m" of tasks/cs/binary_operands.hpp: for N >= 3 an a-bit n >= 1
//         and a b-bit m >= 1 (a ~ U{1..N-2}, b = N-1-a), LSB first, high zeros
//         allowed; for N <= 2 a single number u ~ U{0..2^N-2} and no "+".
//         Alphabet "0", "1", "+", then the placeholder "_".
// Output: m = N+1: the shortest LSB-first bits of n+m (at most N-1 bits), then
//         "<end>", then "0"s. For N <= 2 the shortest bits of u ("0" for zero).
//         Output vocabulary "0", "1", "<end>". Exact arithmetic (BinaryNumber).
// Scored: positions up to and including the first "<end>" (reference accuracy_mask).
// Segment boundary (BiPE): "+" ends the first operand.
// Example (reference docstring, padded to N+1 as its code does):
//   0 0 1 + 0 1 1 0 1 -> 0 1 0 1 1 <end> 0 0 0 0   (4 + 22 = 26).
// Paper and code agree.
#include "tasks/che_task.hpp"
#include "tasks/cs/binary_operands.hpp"

namespace pebench {

class BinaryAddition : public CheTask {
 public:
  enum Input { kZero, kOne, kPlus };
  enum Output { kBitZero, kBitOne, kEnd };

  BinaryAddition() : CheTask("cs", {"0", "1", "+"}, {"0", "1", "<end>"}, "<end>") {}

  int output_length(int length) const override { return length + 1; }
  std::vector<std::string> segment_boundaries() const override { return {"+"}; }

  std::vector<int> generate_input(int length, Rng& rng) const override {
    return generate_binary_operands(length, kPlus, rng);
  }

  std::vector<int> solve(const std::vector<int>& input) const override {
    const auto operands = parse_binary_operands(input, kPlus);
    const BinaryNumber sum =
        operands ? operands->left + operands->right : BinaryNumber::from_bits(input, BitOrder::lsb_first);
    std::vector<int> output = sum.minimal_bits(BitOrder::lsb_first);  // [N+1]: bits, <end>, padding
    output.push_back(kEnd);
    output.resize(input.size() + 1, kBitZero);
    return output;
  }
};

PEBENCH_TASK(BinaryAddition, "binary_addition");

}  // namespace pebench
