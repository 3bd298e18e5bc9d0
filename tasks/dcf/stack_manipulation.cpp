// stack_manipulation (DCF): run push/pop actions on a given stack and write
// out the final stack, top first.
//
// Source: Delétang et al., "Neural Networks and the Chomsky Hierarchy", ICLR
// 2023, §A.3; reference tasks/dcf/stack_manipulation.py (docs/tasks.md#stack_manipulation).
// Input:  for N >= 2: k ~ U{1..N-1} uniform bits (the initial stack, bottom to
//         top), then N-k actions uniform over {POP, PUSH0, PUSH1}. For N = 1 a
//         single random bit (a stack, no action).
//         Alphabet "0", "1", "POP", "PUSH0", "PUSH1", then the placeholder "_".
// Output: m = N+1: the final stack top to bottom, then "<end>", then "0"s as
//         padding; output vocabulary "0", "1", "<end>". POP on an empty stack
//         does nothing; the final stack has at most N symbols, so it fits.
// Scored: positions up to and including the first "<end>" (the reference's
//         accuracy_mask); the padding is in the loss but not scored.
// Example: 0 1 1 0 PUSH1 POP POP -> 1 1 0 <end> 0 0 0 0. Paper and code agree.
#include "tasks/che_task.hpp"

namespace pebench {

class StackManipulation : public CheTask {
 public:
  enum Input { kZero, kOne, kPop, kPushZero, kPushOne };
  enum Output { kBitZero, kBitOne, kEnd };

  StackManipulation() : CheTask("dcf", {"0", "1", "POP", "PUSH0", "PUSH1"}, {"0", "1", "<end>"}, "<end>") {}

  int output_length(int length) const override { return length + 1; }

  std::vector<int> generate_input(int length, Rng& rng) const override {
    if (length == 1) return uniform_symbols(1, 2, rng);
    const int stack_size = static_cast<int>(rng.uniform_int(1, length - 1));
    std::vector<int> input = uniform_symbols(stack_size, 2, rng);  // [N]: stack, then actions
    for (int i = stack_size; i < length; ++i) input.push_back(kPop + static_cast<int>(rng.below(3)));
    return input;
  }

  std::vector<int> solve(const std::vector<int>& input) const override {
    std::vector<int> stack;  // bottom to top
    for (int symbol : input) apply(symbol, stack);
    std::vector<int> output(stack.rbegin(), stack.rend());  // [N+1]: top to bottom, <end>, padding
    output.push_back(kEnd);
    output.resize(input.size() + 1, kBitZero);
    return output;
  }

 private:
  // Bits are the initial stack, pushed in order; the reference never puts a
  // bit after an action, and treating it as a push keeps solve() total.
  static void apply(int symbol, std::vector<int>& stack) {
    switch (symbol) {
      case kZero:
      case kPushZero:
        stack.push_back(kBitZero);
        break;
      case kOne:
      case kPushOne:
        stack.push_back(kBitOne);
        break;
      case kPop:
        if (!stack.empty()) stack.pop_back();
        break;
      default:
        throw UsageError("stack_manipulation: token id " + std::to_string(symbol) +
                         " is not an input symbol");
    }
  }
};

PEBENCH_TASK(StackManipulation, "stack_manipulation");

}  // namespace pebench
