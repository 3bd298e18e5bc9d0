// Semantics of the context-sensitive CHE tasks (docs/tasks.md#context-sensitive-tasks):
// each answer is recomputed by the test from the tokens alone, by
// a different method than the task's (big numbers in base-10^9 limbs instead of
// bit vectors), over many samples at many lengths; plus the spec's worked
// examples through solve().
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "che_test_support.hpp"
#include "decimal_number.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

std::vector<int> to_bits(const Strings& symbols) {
  std::vector<int> bits;
  for (const auto& symbol : symbols) {
    EXPECT_TRUE(symbol == "0" || symbol == "1") << "'" << symbol << "' is not a bit";
    bits.push_back(symbol == "1");
  }
  return bits;
}

// ---- duplicate_string ------------------------------------------------------

TEST(DuplicateString, AnswerIsTheInputTwice) {
  const auto task = make_che_task("duplicate_string");
  for (int length : oracle_lengths())
    for (const auto& sample : draw(*task, length, oracle_count(length)))
      for (int i = 0; i < 2 * length; ++i) ASSERT_EQ(sample.output[i], sample.input[i % length]);
}

TEST(DuplicateString, WorkedExamples) {
  const auto task = make_che_task("duplicate_string");
  EXPECT_EQ(solve_text(*task, "0 1 1"), "0 1 1 0 1 1");
  EXPECT_EQ(solve_text(*task, "1"), "1 1");
}

// ---- missing_duplicate_string ----------------------------------------------

TEST(MissingDuplicateString, AnswerRestoresAStringThatIsTwoEqualHalves) {
  const auto task = make_che_task("missing_duplicate_string");
  for (int length : oracle_lengths()) {
    if (length < 2) continue;
    for (const auto& sample : draw(*task, length, oracle_count(length))) {
      Strings restored = sample.input;
      ASSERT_EQ(std::count(restored.begin(), restored.end(), "?"), 1) << join_words(sample.input);
      if (length % 2) {
        ASSERT_EQ(restored.back(), "<pad>");
        restored.pop_back();
      }
      std::replace(restored.begin(), restored.end(), std::string("?"), sample.output[0]);
      const size_t half = restored.size() / 2;
      ASSERT_TRUE(std::equal(restored.begin(), restored.begin() + half, restored.begin() + half))
          << join_words(sample.input) << " -> " << sample.output[0];
    }
  }
}

TEST(MissingDuplicateString, HidesEveryPositionOfTheDoubledString) {
  const auto task = make_che_task("missing_duplicate_string");
  std::set<long> hidden_positions;
  for (const auto& sample : draw(*task, 9, 400))
    hidden_positions.insert(std::find(sample.input.begin(), sample.input.end(), "?") - sample.input.begin());
  EXPECT_EQ(hidden_positions, (std::set<long>{0, 1, 2, 3, 4, 5, 6, 7}));  // never the padding at 8
}

TEST(MissingDuplicateString, WorkedExamples) {
  const auto task = make_che_task("missing_duplicate_string");
  EXPECT_EQ(solve_text(*task, "0 1 1 0 0 ? 1 0"), "1");  // reference docstring
  EXPECT_EQ(solve_text(*task, "0 ? 0 1 <pad>"), "1");
  EXPECT_EQ(solve_text(*task, "? 1"), "1");
  EXPECT_EQ(solve_text(*task, "1"), "1");  // N = 1: the reference's fixed example
  EXPECT_EQ(draw(*task, 1, 5)[4].input, Strings{"1"});
}

// ---- odds_first ------------------------------------------------------------

TEST(OddsFirst, AnswerIsOddIndexedThenEvenIndexedSymbols) {
  // Oracle by index arithmetic: output p < ⌊N/2⌋ holds x[2p+1], later ones x[2(p-⌊N/2⌋)].
  const auto task = make_che_task("odds_first");
  for (int length : oracle_lengths())
    for (const auto& sample : draw(*task, length, oracle_count(length)))
      for (int p = 0; p < length; ++p) {
        const int source = p < length / 2 ? 2 * p + 1 : 2 * (p - length / 2);
        ASSERT_EQ(sample.output[p], sample.input[source]) << join_words(sample.input) << " at " << p;
      }
}

TEST(OddsFirst, FollowsTheReferenceCodeOrder) {
  const auto task = make_che_task("odds_first");
  EXPECT_EQ(solve_text(*task, "1 1 0"), "1 1 0");
  EXPECT_EQ(solve_text(*task, "0 0 1 1 0 1 0 1"), "0 1 1 1 0 1 0 0");  // docs/tasks.md#paper-versus-reference-code: not 0100 0111
  EXPECT_EQ(solve_text(*task, "1 0"), "0 1");
}

// ---- binary_addition / binary_multiplication --------------------------------

// The input "bits OP bits" of a binary task, as two decimal numbers.
struct Operands {
  DecimalNumber left, right;
  int left_bits = 0, right_bits = 0;
};

Operands read_operands(const Strings& input, const std::string& op) {
  const auto separator = std::find(input.begin(), input.end(), op);
  EXPECT_NE(separator, input.end()) << join_words(input);
  EXPECT_EQ(std::count(input.begin(), input.end(), op), 1) << join_words(input);
  const Strings left(input.begin(), separator), right(separator + (separator != input.end()), input.end());
  return {DecimalNumber::from_lsb_first_bits(to_bits(left)),
          DecimalNumber::from_lsb_first_bits(to_bits(right)), static_cast<int>(left.size()),
          static_cast<int>(right.size())};
}

// The bits before the first "<end>" of an answer, checked to be the shortest
// form (no high zero unless the value is 0), and the padding after it.
DecimalNumber read_terminated_answer(const Strings& output) {
  const auto end = std::find(output.begin(), output.end(), "<end>");
  EXPECT_NE(end, output.end());
  const Strings bits(output.begin(), end);
  EXPECT_FALSE(bits.empty());
  if (bits.size() > 1) { EXPECT_EQ(bits.back(), "1") << "high zeros in " << join_words(output); }
  for (auto it = end + (end != output.end()); it != output.end(); ++it)
    EXPECT_EQ(*it, "0") << join_words(output);
  return DecimalNumber::from_lsb_first_bits(to_bits(bits));
}

TEST(BinaryAddition, AnswerIsTheExactSumLeastSignificantBitFirst) {
  const auto task = make_che_task("binary_addition");
  for (int length : oracle_lengths()) {
    if (length < 3) continue;
    for (const auto& sample : draw(*task, length, oracle_count(length))) {
      const Operands operands = read_operands(sample.input, "+");
      ASSERT_FALSE(operands.left == DecimalNumber()) << "operands are >= 1";
      ASSERT_FALSE(operands.right == DecimalNumber()) << "operands are >= 1";
      ASSERT_EQ(read_terminated_answer(sample.output).to_string(),
                (operands.left + operands.right).to_string())
          << join_words(sample.input);
    }
  }
}

TEST(BinaryAddition, WorkedExamplesFromTheSpecAndDesign) {
  const auto task = make_che_task("binary_addition");
  EXPECT_EQ(solve_text(*task, "0 0 1 + 0 1 1 0 1"), "0 1 0 1 1 <end> 0 0 0 0");  // 4 + 22 = 26
  EXPECT_EQ(solve_text(*task, "1 0 + 1 1"), "0 0 1 <end> 0 0");                  // 1 + 3 = 4
  EXPECT_EQ(solve_text(*task, "0"), "0 <end>");                                  // N = 1: u = 0
  EXPECT_EQ(solve_text(*task, "0 1"), "0 1 <end>");                              // N = 2: u = 2
  EXPECT_EQ(solve_text(*task, "1 1 1 1 + 1"), "0 0 0 0 1 <end> 0");              // carry into a new bit
}

TEST(BinaryAddition, ReproducesTheSampleLineOfTheDesign) {
  // docs/tasks.md#sample-output shows length 5, tokens 1 0 + 1 1: find that input and compare every field.
  const auto task = make_che_task("binary_addition");
  Rng rng(0, "design");
  for (int i = 0; i < 2000; ++i) {
    const Example example = task->sample("train", 5, rng);
    const CheSample sample = read_sample(*task, example, 5);
    if (join_words(sample.input) != "1 0 + 1 1") continue;
    EXPECT_EQ(join_words(ids_to_names(example.tokens, task->input_vocab())), "1 0 + 1 1 _ _ _ _ _ _");
    EXPECT_EQ(join_words(sample.output), "0 0 1 <end> 0 0");
    EXPECT_EQ(example.targets[4], Example::kNoTarget);
    EXPECT_EQ(example.scored, (std::vector<uint8_t>{0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0}));
    return;
  }
  FAIL() << "1 0 + 1 1 never drawn";
}

TEST(BinaryAddition, LengthsBelowThreeAreOneNumberBelowTwoToTheN) {
  const auto task = make_che_task("binary_addition");
  std::set<std::string> inputs;
  for (int length : {1, 2})
    for (const auto& sample : draw(*task, length, 60)) {
      inputs.insert(join_words(sample.input));
      EXPECT_EQ(read_terminated_answer(sample.output).to_string(),
                DecimalNumber::from_lsb_first_bits(to_bits(sample.input)).to_string());
    }
  EXPECT_EQ(inputs, (std::set<std::string>{"0", "0 0", "1 0", "0 1"}));  // u ~ U{0..2^N-2}
}

TEST(BinaryAddition, OperandWidthsCoverOneToNMinusTwo) {
  const auto task = make_che_task("binary_addition");
  std::set<int> widths;
  for (const auto& sample : draw(*task, 6, 300)) {
    const Operands operands = read_operands(sample.input, "+");
    EXPECT_EQ(operands.left_bits + operands.right_bits, 5);
    widths.insert(operands.left_bits);
  }
  EXPECT_EQ(widths, (std::set<int>{1, 2, 3, 4}));
}

TEST(BinaryMultiplication, AnswerIsTheExactProductLeastSignificantBitFirst) {
  const auto task = make_che_task("binary_multiplication");
  for (int length : oracle_lengths()) {
    if (length < 3) continue;
    for (const auto& sample : draw(*task, length, oracle_count(length))) {
      const Operands operands = read_operands(sample.input, "*");
      ASSERT_FALSE(operands.left == DecimalNumber()) << "operands are >= 1";
      ASSERT_FALSE(operands.right == DecimalNumber()) << "operands are >= 1";
      ASSERT_EQ(read_terminated_answer(sample.output).to_string(),
                (operands.left * operands.right).to_string())
          << join_words(sample.input);
    }
  }
}

TEST(BinaryMultiplication, WorkedExamplesFromTheSpec) {
  const auto task = make_che_task("binary_multiplication");
  EXPECT_EQ(solve_text(*task, "0 0 1 * 0 1 1 0 1"), "0 0 0 1 1 0 1 <end> 0");  // 4 · 22 = 88
  EXPECT_EQ(solve_text(*task, "1 1 * 1 1"), "1 0 0 1 <end>");                  // 3 · 3 = 9 fills N
  EXPECT_EQ(solve_text(*task, "1"), "<end>");                                  // N = 1: fixed target
  EXPECT_EQ(solve_text(*task, "1 0"), "0 <end>");                              // N = 2: fixed target
}

TEST(BinaryMultiplication, LengthsBelowThreeHaveTheFixedTarget) {
  const auto task = make_che_task("binary_multiplication");
  for (const auto& sample : draw(*task, 1, 20)) EXPECT_EQ(join_words(sample.output), "<end>");
  for (const auto& sample : draw(*task, 2, 20)) EXPECT_EQ(join_words(sample.output), "0 <end>");
}

// ---- compute_sqrt ----------------------------------------------------------

TEST(ComputeSqrt, AnswerIsTheIntegerSquareRootMostSignificantBitFirst) {
  // Oracle: r is ⌊√v⌋ iff r² <= v < (r+1)², checked with decimal arithmetic.
  const auto task = make_che_task("compute_sqrt");
  for (int length : oracle_lengths())
    for (const auto& sample : draw(*task, length, oracle_count(length))) {
      const DecimalNumber value = DecimalNumber::from_msb_first_bits(to_bits(sample.input));
      const DecimalNumber root = DecimalNumber::from_msb_first_bits(to_bits(sample.output));
      const DecimalNumber next = root + DecimalNumber(1);
      ASSERT_FALSE(value == DecimalNumber()) << "v >= 1";
      ASSERT_TRUE(root * root <= value) << join_words(sample.input);
      ASSERT_TRUE(value < next * next) << join_words(sample.input);
    }
}

TEST(ComputeSqrt, WorkedExamples) {
  const auto task = make_che_task("compute_sqrt");
  EXPECT_EQ(solve_text(*task, "1 0 0 1 0 1"), "1 1 0");  // √37 -> 6 (docs/tasks.md#compute_sqrt)
  EXPECT_EQ(solve_text(*task, "1"), "1");
  EXPECT_EQ(solve_text(*task, "1 1"), "1");                    // √3 -> 1
  EXPECT_EQ(solve_text(*task, "0 0 1 0 0"), "0 1 0");          // √4 -> 2, padded at the front
  EXPECT_EQ(solve_text(*task, "1 1 1 1 1 1 1 1"), "1 1 1 1");  // √255 -> 15
}

// ---- bucket_sort -----------------------------------------------------------

TEST(BucketSort, AnswerIsASortedPermutationOfTheInput) {
  const auto task = make_che_task("bucket_sort");
  for (int length : oracle_lengths())
    for (const auto& sample : draw(*task, length, oracle_count(length))) {
      Strings expected = sample.input;
      std::stable_sort(expected.begin(), expected.end());
      ASSERT_EQ(sample.output, expected) << join_words(sample.input);
    }
}

TEST(BucketSort, WorkedExampleFromTheSpec) {
  const auto task = make_che_task("bucket_sort");
  EXPECT_EQ(solve_text(*task, "4 2 1 3 0 2 2 1 4"), "0 1 1 2 2 2 3 4 4");
}

}  // namespace
