// What the 15 Chomsky-hierarchy tasks share (tasks/che_task.hpp, docs/tasks.md#chomsky-hierarchy-tasks):
// names and families, exact vocabularies, output lengths m(N), the
// placeholder query layout, scored masks, splits, length limits and
// determinism. Per-task semantics are in test_tasks_{regular,dcf,cs}.cpp.
#include <gtest/gtest.h>

#include <functional>
#include <tuple>

#include "che_test_support.hpp"
#include "common/errors.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

const Strings kBits = {"0", "1"};
const Strings kDigits = {"0", "1", "2", "3", "4"};

struct CheTaskFacts {
  std::string name;
  std::string family;
  Strings input_vocab;  // placeholder "_" included
  Strings output_vocab;
  std::function<int(int)> output_length;  // m(N)
  bool scored_through_end;                // accuracy stops after the first "<end>"
  Strings segment_boundaries;
};

std::vector<CheTaskFacts> all_facts() {
  auto one = [](int) { return 1; };
  auto same = [](int n) { return n; };
  auto plus_one = [](int n) { return n + 1; };
  return {
      {"even_pairs", "regular", {"0", "1", "_"}, kBits, one, false, {}},
      {"modular_arithmetic",
       "regular",
       {"0", "1", "2", "3", "4", "+", "-", "*", "_"},
       kDigits,
       one,
       false,
       {}},
      {"parity_check", "regular", {"0", "1", "_"}, kBits, one, false, {}},
      {"cycle_navigation", "regular", {"-1", "0", "+1", "_"}, kDigits, one, false, {}},
      {"stack_manipulation",
       "dcf",
       {"0", "1", "POP", "PUSH0", "PUSH1", "_"},
       {"0", "1", "<end>"},
       plus_one,
       true,
       {}},
      {"reverse_string", "dcf", {"0", "1", "_"}, kBits, same, false, {}},
      {"modular_arithmetic_brackets",
       "dcf",
       {"0", "1", "2", "3", "4", "+", "-", "*", "(", ")", "_"},
       kDigits,
       one,
       false,
       {}},
      {"solve_equation",
       "dcf",
       {"0", "1", "2", "3", "4", "+", "-", "(", ")", "x", "=", "_"},
       kDigits,
       one,
       false,
       {"="}},
      {"duplicate_string", "cs", {"0", "1", "_"}, kBits, [](int n) { return 2 * n; }, false, {}},
      {"missing_duplicate_string", "cs", {"0", "1", "?", "<pad>", "_"}, kBits, one, false, {}},
      {"odds_first", "cs", {"0", "1", "_"}, kBits, same, false, {}},
      {"binary_addition", "cs", {"0", "1", "+", "_"}, {"0", "1", "<end>"}, plus_one, true, {"+"}},
      {"binary_multiplication", "cs", {"0", "1", "*", "_"}, {"0", "1", "<end>"}, same, true, {"*"}},
      {"compute_sqrt", "cs", {"0", "1", "_"}, kBits, [](int n) { return (n + 1) / 2; }, false, {}},
      {"bucket_sort", "cs", {"0", "1", "2", "3", "4", "_"}, kDigits, same, false, {}},
  };
}

// Names the parameter in test output instead of dumping its bytes.
void PrintTo(const CheTaskFacts& facts, std::ostream* out) { *out << facts.name; }

const std::vector<int> kEdgeLengths = {1, 2, 3, 40, 41, 500};

class CheTaskTest : public ::testing::TestWithParam<CheTaskFacts> {
 protected:
  void SetUp() override {
    task = make_che_task(GetParam().name);
    ASSERT_NE(task, nullptr);
  }
  std::unique_ptr<CheTask> task;
};

TEST_P(CheTaskTest, IsRegisteredInItsFamilyWithBidirectionalAttention) {
  EXPECT_EQ(task->name(), GetParam().name);
  EXPECT_EQ(task->family(), GetParam().family);
  EXPECT_EQ(task->attention(), Attention::bidirectional);
}

TEST_P(CheTaskTest, HasExactlyTheDocumentedVocabularies) {
  EXPECT_EQ(task->input_vocab(), GetParam().input_vocab);
  EXPECT_EQ(task->output_vocab(), GetParam().output_vocab);
  EXPECT_EQ(task->segment_boundaries(), GetParam().segment_boundaries);
}

TEST_P(CheTaskTest, PlaceholderIsTheLastInputId) {
  EXPECT_EQ(task->placeholder_id(), static_cast<int>(task->input_vocab().size()) - 1);
  EXPECT_EQ(task->input_vocab().back(), "_");
}

TEST_P(CheTaskTest, OutputLengthFollowsTheSpec) {
  for (int length : {1, 2, 3, 4, 39, 40, 41, 500})
    EXPECT_EQ(task->output_length(length), GetParam().output_length(length)) << "N = " << length;
}

TEST_P(CheTaskTest, SequenceLengthIsInputPlusOutputLength) {
  for (int length : {1, 2, 3, 4, 40, 41, 500}) {
    EXPECT_EQ(task->sequence_length(length), task->input_length(length) + task->output_length(length));
    const bool lowered = task->name() == "modular_arithmetic" && length % 2 == 0;
    EXPECT_EQ(task->input_length(length), lowered ? length - 1 : length) << "N = " << length;
  }
}

TEST_P(CheTaskTest, ExamplesAreInputThenPlaceholders) {
  Rng rng(3, "layout");
  for (int length : kEdgeLengths) {
    for (int i = 0; i < 20; ++i) {
      const Example example = task->sample("train", length, rng);
      const int n = task->input_length(length);
      ASSERT_EQ(static_cast<int>(example.tokens.size()), task->sequence_length(length));
      for (int t = 0; t < static_cast<int>(example.tokens.size()); ++t) {
        const bool is_output = t >= n;
        EXPECT_EQ(example.tokens[t] == task->placeholder_id(), is_output)
            << "N = " << length << ", t = " << t;
        EXPECT_EQ(example.targets[t] == Example::kNoTarget, !is_output) << "N = " << length << ", t = " << t;
        if (is_output) {
          EXPECT_GE(example.targets[t], 0);
          EXPECT_LT(example.targets[t], static_cast<int>(task->output_vocab().size()));
        } else {
          EXPECT_GE(example.tokens[t], 0);
          EXPECT_EQ(example.scored[t], 0);
        }
      }
    }
  }
}

TEST_P(CheTaskTest, ScoresEveryOutputOrUpToTheFirstEnd) {
  Rng rng(4, "scored");
  for (int length : kEdgeLengths) {
    for (int i = 0; i < 20; ++i) {
      const CheSample sample = read_sample(*task, task->sample("id", length, rng), length);
      const auto first_end =
          std::find(sample.output.begin(), sample.output.end(), "<end>") - sample.output.begin();
      if (GetParam().scored_through_end) { ASSERT_LT(first_end, static_cast<long>(sample.output.size())); }
      for (size_t p = 0; p < sample.scored.size(); ++p) {
        const bool expected = !GetParam().scored_through_end || static_cast<long>(p) <= first_end;
        EXPECT_EQ(sample.scored[p], expected) << "N = " << length << ", output " << p;
      }
    }
  }
}

TEST_P(CheTaskTest, SplitsAreTrainAndIdOverOneToFortyAndOodOverFortyOneToFiveHundred) {
  const auto splits = task->splits();
  ASSERT_EQ(splits.size(), 3u);
  const std::vector<std::tuple<std::string, SplitKind, int, int>> expected = {
      {"train", SplitKind::train, 1, 40}, {"id", SplitKind::id, 1, 40}, {"ood", SplitKind::ood, 41, 500}};
  for (size_t s = 0; s < 3; ++s) {
    const auto& [name, kind, first, last] = expected[s];
    EXPECT_EQ(splits[s].name, name);
    EXPECT_EQ(splits[s].kind, kind);
    ASSERT_EQ(static_cast<int>(splits[s].lengths.size()), last - first + 1) << name;
    for (int i = 0; i <= last - first; ++i) EXPECT_EQ(splits[s].lengths[i], first + i);
  }
}

TEST_P(CheTaskTest, SameSeedGivesTheSameExamples) {
  for (int length : {1, 3, 41}) {
    Rng first(11, "data"), second(11, "data");
    for (int i = 0; i < 10; ++i) {
      const Example a = task->sample("train", length, first), b = task->sample("train", length, second);
      EXPECT_EQ(a.tokens, b.tokens);
      EXPECT_EQ(a.targets, b.targets);
      EXPECT_EQ(a.scored, b.scored);
    }
  }
}

TEST_P(CheTaskTest, DifferentSeedsGiveDifferentExamples) {
  Rng first(1, "data"), second(2, "data");
  int differing = 0;
  for (int i = 0; i < 10; ++i)
    differing += task->sample("train", 40, first).tokens != task->sample("train", 40, second).tokens;
  EXPECT_GE(differing, 9);
}

TEST_P(CheTaskTest, RejectsLengthsOutsideOneToTheMaximum) {
  Rng rng(5);
  EXPECT_EQ(task->min_length(), 1);
  EXPECT_EQ(task->max_length(), CheTask::kMaxLength);
  EXPECT_THROW(task->sample("train", 0, rng), UsageError);
  EXPECT_THROW(task->sample("train", -3, rng), UsageError);
  EXPECT_THROW(task->sample("train", CheTask::kMaxLength + 1, rng), UsageError);
}

TEST_P(CheTaskTest, WorksAtTheMaximumLength) {
  Rng rng(6, "max");
  const Example example = task->sample("ood", CheTask::kMaxLength, rng);
  EXPECT_EQ(static_cast<int>(example.tokens.size()), task->sequence_length(CheTask::kMaxLength));
}

TEST_P(CheTaskTest, RejectsAnUnknownSplitNamingIt) {
  Rng rng(5);
  try {
    task->sample("oodd", 5, rng);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown split 'oodd' (closest: ood"), std::string::npos)
        << e.what();
  }
}

TEST_P(CheTaskTest, SolvesEveryGeneratedInputToTheSampledTargets) {
  Rng generate_rng(9, "gen"), sample_rng(9, "gen");
  for (int length : {1, 2, 3, 17, 40}) {
    const std::vector<int> input = task->generate_input(length, generate_rng);
    const Example example = task->sample("ood", length, sample_rng);
    ASSERT_EQ(std::vector<int>(example.tokens.begin(), example.tokens.begin() + input.size()), input);
    EXPECT_EQ(std::vector<int>(example.targets.begin() + input.size(), example.targets.end()),
              task->solve(input));
  }
}

INSTANTIATE_TEST_SUITE_P(AllChe, CheTaskTest, ::testing::ValuesIn(all_facts()),
                         [](const auto& info) { return info.param.name; });

TEST(CheTasks, ExactlyTheFifteenChomskyTasksAreCheTasks) {
  std::vector<std::string> che_names;
  for (const auto& name : task_registry().names())
    if (dynamic_cast<CheTask*>(make_task(name).get())) che_names.push_back(name);
  std::vector<std::string> expected;
  for (const auto& facts : all_facts()) expected.push_back(facts.name);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(che_names, expected);
}

}  // namespace
