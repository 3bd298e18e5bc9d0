// Semantics of the regular CHE tasks (docs/tasks.md#regular-tasks): each
// answer is recomputed by the test from the tokens alone, by a different
// method than the task's, over many samples at many lengths; plus the
// spec's worked examples through solve().
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "che_test_support.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

// ---- even_pairs ------------------------------------------------------------

TEST(EvenPairs, AnswerIsWhetherFirstAndLastBitDiffer) {
  // Oracle: the count of unequal neighbours is odd iff x_1 != x_N.
  const auto task = make_che_task("even_pairs");
  for (int length : oracle_lengths())
    for (const auto& sample : draw(*task, length, oracle_count(length)))
      ASSERT_EQ(sample.output, Strings{sample.input.front() != sample.input.back() ? "1" : "0"})
          << join_words(sample.input);
}

TEST(EvenPairs, WorkedExamples) {
  const auto task = make_che_task("even_pairs");
  EXPECT_EQ(solve_text(*task, "1"), "0");  // no pairs
  EXPECT_EQ(solve_text(*task, "0 1"), "1");
  EXPECT_EQ(solve_text(*task, "0 1 1 0"), "0");  // 01, 10
  EXPECT_EQ(solve_text(*task, "1 0 0 0 1 1 0"), "1");
}

TEST(EvenPairs, InputBitsAreBalanced) {
  const auto task = make_che_task("even_pairs");
  int ones = 0, total = 0;
  for (const auto& sample : draw(*task, 40, 200))
    for (const auto& bit : sample.input) ones += bit == "1", ++total;
  EXPECT_NEAR(static_cast<double>(ones) / total, 0.5, 0.02);
}

// ---- parity_check ----------------------------------------------------------

TEST(ParityCheck, AnswerIsTheParityOfTheOnes) {
  const auto task = make_che_task("parity_check");
  for (int length : oracle_lengths())
    for (const auto& sample : draw(*task, length, oracle_count(length))) {
      const auto ones = std::count(sample.input.begin(), sample.input.end(), "1");
      ASSERT_EQ(sample.output, Strings{ones % 2 ? "1" : "0"}) << join_words(sample.input);
    }
}

TEST(ParityCheck, WorkedExamples) {
  const auto task = make_che_task("parity_check");
  EXPECT_EQ(solve_text(*task, "0"), "0");
  EXPECT_EQ(solve_text(*task, "1"), "1");
  EXPECT_EQ(solve_text(*task, "1 0 1 1"), "1");
  EXPECT_EQ(solve_text(*task, "1 1 0 0 1 1"), "0");
}

// ---- cycle_navigation ------------------------------------------------------

TEST(CycleNavigation, AnswerIsForwardMinusBackwardStepsModFive) {
  const auto task = make_che_task("cycle_navigation");
  for (int length : oracle_lengths())
    for (const auto& sample : draw(*task, length, oracle_count(length))) {
      const long net = std::count(sample.input.begin(), sample.input.end(), "+1") -
                       std::count(sample.input.begin(), sample.input.end(), "-1");
      ASSERT_EQ(sample.output, Strings{std::to_string(((net % 5) + 5) % 5)}) << join_words(sample.input);
    }
}

TEST(CycleNavigation, StepIsTokenIdMinusOneAsInTheReferenceCode) {
  const auto task = make_che_task("cycle_navigation");
  // Reference docstring: steps 1 -1 0 -1 -1 sum to -2, state 3.
  EXPECT_EQ(solve_text(*task, "+1 -1 0 -1 -1"), "3");
  // The paper's example 010211 read with the code's mapping (ids 0,1,0,2,1,1) gives 4 (docs/tasks.md#paper-versus-reference-code).
  EXPECT_EQ(join_words(ids_to_names(task->solve({0, 1, 0, 2, 1, 1}), task->output_vocab())), "4");
  EXPECT_EQ(solve_text(*task, "0 0 0"), "0");
  EXPECT_EQ(solve_text(*task, "+1 +1 +1 +1 +1 +1"), "1");  // once round the cycle and one more
}

// ---- modular_arithmetic ----------------------------------------------------

TEST(ModularArithmetic, AnswerIsTheValueModFiveWithStandardPrecedence) {
  const auto task = make_che_task("modular_arithmetic");
  for (int length : oracle_lengths())
    for (const auto& sample : draw(*task, length, oracle_count(length)))
      ASSERT_EQ(sample.output, Strings{std::to_string(shunting_yard_mod(sample.input, 5))})
          << join_words(sample.input);
}

TEST(ModularArithmetic, WorkedExamplesFromTheSpec) {
  const auto task = make_che_task("modular_arithmetic");
  EXPECT_EQ(solve_text(*task, "1 + 2 * 3"), "2");
  EXPECT_EQ(solve_text(*task, "1 - 1 - 1"), "4");
  EXPECT_EQ(solve_text(*task, "0 * 1 + 4 * 3 - 2"), "0");
  EXPECT_EQ(solve_text(*task, "3 - 2 * 4"), "0");  // 3 - 8 = -5: minus applies to the whole product
  EXPECT_EQ(solve_text(*task, "4"), "4");
}

TEST(ModularArithmetic, InputAlternatesDigitsAndOperatorsAndEvenLengthsLoseOneSymbol) {
  const auto task = make_che_task("modular_arithmetic");
  const Strings digits = {"0", "1", "2", "3", "4"}, operators = {"+", "-", "*"};
  auto in = [](const Strings& set, const std::string& symbol) {
    return std::count(set.begin(), set.end(), symbol) > 0;
  };
  for (int length : oracle_lengths()) {
    for (const auto& sample : draw(*task, length, 50)) {
      ASSERT_EQ(static_cast<int>(sample.input.size()), length % 2 ? length : length - 1);
      for (size_t i = 0; i < sample.input.size(); ++i)
        ASSERT_TRUE(in(i % 2 ? operators : digits, sample.input[i])) << join_words(sample.input);
    }
  }
}

TEST(ModularArithmetic, DrawsAllThreeOperatorsAndAllFiveDigits) {
  const auto task = make_che_task("modular_arithmetic");
  std::map<std::string, int> counts;
  for (const auto& sample : draw(*task, 41, 100))
    for (const auto& symbol : sample.input) ++counts[symbol];
  for (const char* op : {"+", "-", "*"}) EXPECT_NEAR(counts[op] / 2000.0, 1.0 / 3, 0.05) << op;
  for (const char* digit : {"0", "1", "2", "3", "4"}) EXPECT_NEAR(counts[digit] / 2100.0, 0.2, 0.04) << digit;
}

}  // namespace
