// Conformance suite for every registered task (docs/architecture.md#tests): parameterised over
// task_registry().names(), so a new task plugin is tested here without editing
// this file. Semantics (is the label right?) live in each family's own suite;
// this one checks the contract every task shares: determinism by seed, ids
// within the vocabularies, targets and scores where the layout allows them,
// sequence lengths, edge lengths, every split, make_batch, options.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <set>

#include "common/errors.hpp"
#include "models/batch.hpp"
#include "tasks/task.hpp"
#include "tests/task_sampling.hpp"

using namespace pebench;
using pebench::testing::same_example;
using pebench::testing::sample_many;

namespace {

// The lengths every task must sample, or reject as below its min_length.
const std::vector<int> kEdgeLengths = {1, 2, 3, 40, 41, 500};

std::string first_train_split(const Task& task) {
  for (const auto& split : task.splits())
    if (split.kind == SplitKind::train) return split.name;
  return "";
}

// `wanted`, raised to the task's min_length.
int usable_length(const Task& task, int wanted) { return std::max(wanted, task.min_length()); }

// Every rule an example must follow, whatever the task.
void expect_valid_example(const Task& task, int length, const Example& example) {
  const auto expected_size = static_cast<size_t>(task.sequence_length(length));
  ASSERT_EQ(example.tokens.size(), expected_size);
  ASSERT_EQ(example.targets.size(), expected_size);
  ASSERT_EQ(example.scored.size(), expected_size);
  const int input_size = static_cast<int>(task.input_vocab().size());
  const int output_size = static_cast<int>(task.output_vocab().size());
  int scored_count = 0;
  for (size_t t = 0; t < expected_size; ++t) {
    EXPECT_GE(example.tokens[t], 0) << "position " << t;
    EXPECT_LT(example.tokens[t], input_size) << "position " << t;
    const int target = example.targets[t];
    if (target != Example::kNoTarget) {
      EXPECT_GE(target, 0) << "position " << t;
      EXPECT_LT(target, output_size) << "position " << t;
    }
    EXPECT_LE(example.scored[t], 1) << "position " << t;
    if (example.scored[t]) {
      EXPECT_NE(target, Example::kNoTarget) << "scored position " << t << " has no target";
      ++scored_count;
    }
  }
  EXPECT_GT(scored_count, 0) << "an example with nothing scored has no accuracy";
}

bool all_unique(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return std::adjacent_find(names.begin(), names.end()) == names.end();
}

class TaskConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { task_ = make_task(GetParam()); }
  const Task& task() const { return *task_; }
  std::unique_ptr<Task> task_;
};

TEST_P(TaskConformance, FamilyIsOneOfTheFour) {
  const std::set<std::string> families = {"regular", "dcf", "cs", "memory"};
  EXPECT_TRUE(families.count(task().family())) << task().family();
}

TEST_P(TaskConformance, NameIsTheRegisteredName) { EXPECT_EQ(task().name(), GetParam()); }

TEST_P(TaskConformance, VocabulariesAreNonEmptyAndHaveUniqueNames) {
  EXPECT_FALSE(task().input_vocab().empty());
  EXPECT_FALSE(task().output_vocab().empty());
  EXPECT_TRUE(all_unique(task().input_vocab()));
  EXPECT_TRUE(all_unique(task().output_vocab()));
  for (const auto& token : task().input_vocab()) EXPECT_FALSE(token.empty());
  for (const auto& token : task().output_vocab()) EXPECT_FALSE(token.empty());
}

TEST_P(TaskConformance, SegmentBoundariesAreInputTokens) {
  for (const auto& token : task().segment_boundaries()) EXPECT_NO_THROW(task().input_id(token)) << token;
}

TEST_P(TaskConformance, HasATrainSplitAndUniqueSplitNames) {
  EXPECT_NE(first_train_split(task()), "");
  std::vector<std::string> names;
  for (const auto& split : task().splits()) names.push_back(split.name);
  EXPECT_TRUE(all_unique(names));
}

TEST_P(TaskConformance, SplitLengthsAreWithinTheTasksRange) {
  EXPECT_LE(task().min_length(), task().max_length());
  for (const auto& split : task().splits()) {
    EXPECT_FALSE(split.lengths.empty()) << split.name;
    for (int length : split.lengths) {
      EXPECT_GE(length, task().min_length()) << split.name;
      EXPECT_LE(length, task().max_length()) << split.name;
    }
  }
}

TEST_P(TaskConformance, SameSeedGivesTheSameExamples) {
  const int length = usable_length(task(), 40);
  const auto first = sample_many(task(), first_train_split(task()), length, 8, 123);
  const auto other_instance = make_task(GetParam());
  const auto second = sample_many(*other_instance, first_train_split(task()), length, 8, 123);
  for (size_t i = 0; i < first.size(); ++i) EXPECT_TRUE(same_example(first[i], second[i])) << "example " << i;
}

TEST_P(TaskConformance, OtherSeedGivesDifferentExamples) {
  const int length = usable_length(task(), 40);
  const auto first = sample_many(task(), first_train_split(task()), length, 8, 123);
  const auto second = sample_many(task(), first_train_split(task()), length, 8, 124);
  int identical = 0;
  for (size_t i = 0; i < first.size(); ++i) identical += same_example(first[i], second[i]);
  EXPECT_LT(identical, 8);
}

TEST_P(TaskConformance, ExamplesAtEdgeLengthsAreValidOrRejectedBelowMinLength) {
  Rng rng(5);
  for (int length : kEdgeLengths) {
    SCOPED_TRACE("length " + std::to_string(length));
    if (length < task().min_length()) {
      EXPECT_THROW(task().sample(first_train_split(task()), length, rng), UsageError);
      continue;
    }
    for (int repeat = 0; repeat < 4; ++repeat)
      expect_valid_example(task(), length, task().sample(first_train_split(task()), length, rng));
  }
}

TEST_P(TaskConformance, LengthsOutsideTheRangeAreUsageErrors) {
  Rng rng(5);
  EXPECT_THROW(task().sample(first_train_split(task()), 0, rng), UsageError);
  EXPECT_THROW(task().sample(first_train_split(task()), -1, rng), UsageError);
  if (task().max_length() < INT_MAX) {
    EXPECT_THROW(task().sample(first_train_split(task()), task().max_length() + 1, rng), UsageError);
  }
}

TEST_P(TaskConformance, EverySplitSamplesValidExamplesAtItsShortestAndLongestLength) {
  Rng rng(9);
  for (const auto& split : task().splits()) {
    for (int length : {split.lengths.front(), split.lengths.back()}) {
      SCOPED_TRACE(split.name + " at length " + std::to_string(length));
      expect_valid_example(task(), length, task().sample(split.name, length, rng));
    }
  }
}

TEST_P(TaskConformance, UnknownSplitIsAUsageError) {
  Rng rng(1);
  EXPECT_THROW(task().sample("no_such_split", usable_length(task(), 5), rng), UsageError);
}

TEST_P(TaskConformance, MakeBatchStacksExamplesInOrderAndMarksBoundaries) {
  const std::string split = first_train_split(task());
  const int length = usable_length(task(), 41);
  Rng batch_rng(77);
  const Batch batch = make_batch(task(), split, length, 3, batch_rng);
  const auto examples = sample_many(task(), split, length, 3, 77);
  ASSERT_EQ(batch.batch_size, 3);
  ASSERT_EQ(batch.seq_len, task().sequence_length(length));
  EXPECT_EQ(batch.causal, task().attention() == Attention::causal);
  const auto boundaries = boundary_ids(task());
  for (int b = 0; b < 3; ++b) {
    for (int t = 0; t < batch.seq_len; ++t) {
      const size_t i = static_cast<size_t>(b) * batch.seq_len + t;
      ASSERT_EQ(batch.tokens[i], examples[b].tokens[t]);
      ASSERT_EQ(batch.targets[i], examples[b].targets[t]);
      ASSERT_EQ(batch.scored[i], examples[b].scored[t]);
      const bool is_boundary =
          std::find(boundaries.begin(), boundaries.end(), examples[b].tokens[t]) != boundaries.end();
      ASSERT_EQ(batch.boundary[i], is_boundary);
    }
  }
}

TEST_P(TaskConformance, ResolvedOptionsRecreateTheSameTask) {
  const auto recreated = make_task(GetParam(), task().options());
  EXPECT_EQ(recreated->options(), task().options());
  const int length = usable_length(task(), 40);
  const auto a = sample_many(task(), first_train_split(task()), length, 2, 3);
  const auto b = sample_many(*recreated, first_train_split(task()), length, 2, 3);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(same_example(a[i], b[i]));
}

TEST_P(TaskConformance, UnknownOptionIsAUsageErrorNamingIt) {
  try {
    make_task(GetParam(), json{{"no_such_option", 1}});
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_option"), std::string::npos) << e.what();
  }
}

TEST_P(TaskConformance, NonObjectOptionsAreAUsageError) {
  EXPECT_THROW(make_task(GetParam(), json::array({1, 2})), UsageError);
}

INSTANTIATE_TEST_SUITE_P(AllTasks, TaskConformance, ::testing::ValuesIn(task_registry().names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
