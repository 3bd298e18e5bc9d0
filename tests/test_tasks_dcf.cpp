// Semantics of the deterministic context-free CHE tasks (docs/tasks.md#deterministic-context-free-tasks):
// each answer is recomputed by the test from the tokens alone, by a
// different method than the task's, over many samples at many lengths; plus
// the spec's worked examples through solve().
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "che_test_support.hpp"
#include "common/errors.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

bool is_bit(const std::string& symbol) { return symbol == "0" || symbol == "1"; }
bool is_digit(const std::string& symbol) {
  return symbol.size() == 1 && symbol[0] >= '0' && symbol[0] <= '4';
}

// ---- stack_manipulation ----------------------------------------------------

// Oracle: scan right to left counting pending POPs; a pushed symbol that no
// later POP removes is on the final stack, met top first. (The task simulates
// the stack left to right.)
Strings final_stack_top_first(const Strings& input) {
  Strings stack;
  int pending_pops = 0;
  for (auto it = input.rbegin(); it != input.rend(); ++it) {
    if (*it == "POP") {
      ++pending_pops;
    } else if (pending_pops > 0) {
      --pending_pops;
    } else {
      stack.push_back(*it == "PUSH0" ? "0" : *it == "PUSH1" ? "1" : *it);
    }
  }
  return stack;
}

TEST(StackManipulation, AnswerIsTheFinalStackTopFirstThenEndThenZeros) {
  const auto task = make_che_task("stack_manipulation");
  for (int length : oracle_lengths())
    for (const auto& sample : draw(*task, length, oracle_count(length))) {
      Strings expected = final_stack_top_first(sample.input);
      expected.push_back("<end>");
      expected.resize(length + 1, "0");
      ASSERT_EQ(sample.output, expected) << join_words(sample.input);
    }
}

TEST(StackManipulation, WorkedExampleFromTheSpec) {
  const auto task = make_che_task("stack_manipulation");
  EXPECT_EQ(solve_text(*task, "0 1 1 0 PUSH1 POP POP"), "1 1 0 <end> 0 0 0 0");
  EXPECT_EQ(solve_text(*task, "1"), "1 <end>");                      // N = 1: a stack, no actions
  EXPECT_EQ(solve_text(*task, "0 POP POP PUSH1"), "1 <end> 0 0 0");  // POP on an empty stack is ignored
  EXPECT_EQ(solve_text(*task, "1 POP"), "<end> 0 0");                // empty final stack
}

TEST(StackManipulation, InputIsAStackOfOneToNMinusOneBitsThenActions) {
  const auto task = make_che_task("stack_manipulation");
  for (int length : {2, 3, 5, 40, 41}) {
    std::set<long> stack_sizes;
    for (const auto& sample : draw(*task, length, 300)) {
      const auto first_action = std::find_if(sample.input.begin(), sample.input.end(),
                                             [](const std::string& s) { return !is_bit(s); });
      ASSERT_TRUE(std::all_of(first_action, sample.input.end(), [](const std::string& s) {
        return !is_bit(s);
      })) << join_words(sample.input);
      stack_sizes.insert(first_action - sample.input.begin());
    }
    EXPECT_EQ(*stack_sizes.begin(), 1) << "N = " << length;
    EXPECT_EQ(*stack_sizes.rbegin(), length - 1) << "N = " << length;
    if (length <= 5) { EXPECT_EQ(static_cast<int>(stack_sizes.size()), length - 1) << "every k in 1..N-1"; }
  }
}

// ---- reverse_string --------------------------------------------------------

TEST(ReverseString, AnswerIsTheInputReversed) {
  const auto task = make_che_task("reverse_string");
  for (int length : oracle_lengths())
    for (const auto& sample : draw(*task, length, oracle_count(length)))
      for (int i = 0; i < length; ++i) ASSERT_EQ(sample.output[i], sample.input[length - 1 - i]);
}

TEST(ReverseString, WorkedExamples) {
  const auto task = make_che_task("reverse_string");
  EXPECT_EQ(solve_text(*task, "1 1 0 1 0"), "0 1 0 1 1");
  EXPECT_EQ(solve_text(*task, "0"), "0");
}

// ---- modular_arithmetic_brackets -------------------------------------------

TEST(ModularArithmeticBrackets, AnswerIsTheExpressionValueModFive) {
  const auto task = make_che_task("modular_arithmetic_brackets");
  for (int length : oracle_lengths())
    for (const auto& sample : draw(*task, length, oracle_count(length)))
      ASSERT_EQ(sample.output, Strings{std::to_string(shunting_yard_mod(sample.input, 5))})
          << join_words(sample.input);
}

TEST(ModularArithmeticBrackets, WorkedExamples) {
  const auto task = make_che_task("modular_arithmetic_brackets");
  EXPECT_EQ(solve_text(*task, "3"), "3");
  EXPECT_EQ(solve_text(*task, "- 3"), "2");
  EXPECT_EQ(solve_text(*task, "( - 3 )"), "2");
  EXPECT_EQ(solve_text(*task, "( 1 + 2 )"), "3");
  EXPECT_EQ(solve_text(*task, "( 3 * - 2 )"), "4");
  EXPECT_EQ(solve_text(*task, "( ( 1 - - 2 ) * ( 3 ) )"), "4");
  EXPECT_EQ(solve_text(*task, "( ( 4 * 4 ) - ( 2 * 3 ) )"), "0");
}

TEST(ModularArithmeticBrackets, ShortLengthsAreTheFourLeafForms) {
  const auto task = make_che_task("modular_arithmetic_brackets");
  const std::map<int, std::string> shapes = {{1, "d"}, {2, "-d"}, {3, "(d)"}, {4, "(-d)"}};
  for (const auto& [length, shape] : shapes)
    for (const auto& sample : draw(*task, length, 50)) {
      std::string seen;
      for (const auto& symbol : sample.input) seen += is_digit(symbol) ? "d" : symbol;
      ASSERT_EQ(seen, shape);
    }
}

TEST(ModularArithmeticBrackets, LongExpressionsAreBracketedWithUnaryMinusOnlyOnDigits) {
  const auto task = make_che_task("modular_arithmetic_brackets");
  std::set<std::string> binary_operators;
  for (int length : {5, 6, 13, 40, 41, 500})
    for (const auto& sample : draw(*task, length, 100)) {
      const Strings& s = sample.input;
      ASSERT_EQ(static_cast<int>(s.size()), length);
      ASSERT_EQ(s.front(), "(");
      ASSERT_EQ(s.back(), ")");
      int depth = 0;
      for (size_t i = 0; i < s.size(); ++i) {
        depth += s[i] == "(" ? 1 : s[i] == ")" ? -1 : 0;
        ASSERT_TRUE(depth > 0 || i + 1 == s.size()) << "outer brackets enclose everything: " << join_words(s);
        const bool unary =
            s[i] == "-" && (s[i - 1] == "(" || s[i - 1] == "+" || s[i - 1] == "-" || s[i - 1] == "*");
        if (unary) {
          ASSERT_TRUE(is_digit(s[i + 1])) << join_words(s);
        } else if (s[i] == "+" || s[i] == "-" || s[i] == "*") {
          binary_operators.insert(s[i]);
        }
      }
      ASSERT_EQ(depth, 0);
    }
  EXPECT_EQ(binary_operators, (std::set<std::string>{"*", "+", "-"}));
}

TEST(ModularArithmeticBrackets, RejectsMalformedExpressionsWithUsageError) {
  const auto task = make_che_task("modular_arithmetic_brackets");
  EXPECT_THROW(solve_text(*task, "( 1 +"), UsageError);
  EXPECT_THROW(solve_text(*task, "1 2"), UsageError);
  EXPECT_THROW(solve_text(*task, ") 1"), UsageError);
}

// ---- solve_equation --------------------------------------------------------

TEST(SolveEquation, AnswerIsTheOnlyDigitThatMakesTheEquationTrue) {
  const auto task = make_che_task("solve_equation");
  for (int length : oracle_lengths()) {
    if (length < 3) continue;
    for (const auto& sample : draw(*task, length, oracle_count(length))) {
      const Strings& s = sample.input;
      ASSERT_EQ(static_cast<int>(s.size()), length);
      ASSERT_EQ(s[length - 2], "=");
      ASSERT_TRUE(is_digit(s.back()));
      ASSERT_EQ(std::count(s.begin(), s.end(), "x"), 1) << join_words(s);
      ASSERT_EQ(std::count(s.begin(), s.end(), "*"), 0) << join_words(s);
      const int right_side = std::stoi(s.back());
      for (int digit = 0; digit < 5; ++digit) {
        Strings left_side(s.begin(), s.end() - 2);
        std::replace(left_side.begin(), left_side.end(), std::string("x"), std::to_string(digit));
        const bool holds = shunting_yard_mod(left_side, 5) == right_side;
        ASSERT_EQ(holds, sample.output[0] == std::to_string(digit)) << join_words(s) << " with x = " << digit;
      }
    }
  }
}

TEST(SolveEquation, LengthsBelowThreeAreTheReferencesAllZeroPlaceholders) {
  const auto task = make_che_task("solve_equation");
  for (int length : {1, 2})
    for (const auto& sample : draw(*task, length, 20)) {
      EXPECT_EQ(sample.input, Strings(length, "0"));
      EXPECT_EQ(sample.output, Strings{"0"});
    }
}

TEST(SolveEquation, WorkedExamples) {
  const auto task = make_che_task("solve_equation");
  EXPECT_EQ(solve_text(*task, "x = 3"), "3");
  EXPECT_EQ(solve_text(*task, "- x = 3"), "2");
  EXPECT_EQ(solve_text(*task, "( 4 - x ) = 1"), "3");
  EXPECT_EQ(solve_text(*task, "( ( x + - 2 ) - ( 1 ) ) = 3"), "1");
  EXPECT_EQ(solve_text(*task, "0 0"), "0");
}

TEST(SolveEquation, RejectsInputThatIsNotAnEquationWithUsageError) {
  const auto task = make_che_task("solve_equation");
  EXPECT_THROW(solve_text(*task, "( 4 - x ) 1 1"), UsageError);  // no "="
  EXPECT_THROW(solve_text(*task, "( 4 - 2 ) = 1"), UsageError);  // no "x"
  EXPECT_THROW(solve_text(*task, "( x - x ) = 1"), UsageError);  // x cancels: no solution
  EXPECT_THROW(solve_text(*task, "( x - x ) = 0"), UsageError);  // x cancels: every digit solves it
}

}  // namespace
