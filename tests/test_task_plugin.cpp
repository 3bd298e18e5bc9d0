// A task defined in a test source: one file with a Task subclass and
// PEBENCH_TASK is all it takes for the task to register, sample, appear in the
// task listing and join the conformance suite (docs/extending.md#adding-a-task). The task is the
// docs/extending.md's complete task example, under a test-only name.
#include <gtest/gtest.h>

#include "harness/cli/task_listing.hpp"
#include "tasks/task.hpp"

namespace pebench {
namespace {

// Majority: is more than half of the input bits 1? N bits, then one `_` where
// the answer is read (the CHE layout: bidirectional, output at the end).
class TestMajority final : public Task {
 public:
  std::string family() const override { return "dcf"; }
  std::vector<std::string> input_vocab() const override { return {"0", "1", "_"}; }
  std::vector<std::string> output_vocab() const override { return {"no", "yes"}; }
  Attention attention() const override { return Attention::bidirectional; }
  std::vector<Split> splits() const override {
    std::vector<int> short_lengths;
    for (int length = 1; length <= 40; ++length) short_lengths.push_back(length);
    return {{"train", SplitKind::train, short_lengths, "lengths 1..40"},
            {"ood", SplitKind::ood, {100, 200}, "longer inputs"}};
  }
  int sequence_length(int length) const override { return length + 1; }

  Example sample(const std::string& split, int length, Rng& rng) const override {
    find_split(split);     // UsageError for an unknown split
    check_length(length);  // UsageError outside [min_length, max_length]
    Example example;
    int ones = 0;
    for (int i = 0; i < length; ++i) {
      const int bit = static_cast<int>(rng.below(2));
      ones += bit;
      example.tokens.push_back(input_id(bit ? "1" : "0"));
    }
    example.tokens.push_back(input_id("_"));
    example.targets.assign(length + 1, Example::kNoTarget);
    example.scored.assign(length + 1, 0);
    example.targets[length] = output_id(2 * ones > length ? "yes" : "no");
    example.scored[length] = 1;
    return example;
  }
};

}  // namespace

PEBENCH_TASK(TestMajority, "test_majority");

namespace {

TEST(TaskPlugin, ATaskInOneSourceFileIsRegistered) {
  EXPECT_TRUE(task_registry().contains("test_majority"));
}

TEST(TaskPlugin, ItSamplesThroughMakeTask) {
  const auto task = make_task("test_majority");
  EXPECT_EQ(task->name(), "test_majority");
  Rng rng(1);
  const Example example = task->sample("train", 5, rng);
  ASSERT_EQ(example.tokens.size(), 6u);
  int ones = 0;
  for (int t = 0; t < 5; ++t) ones += example.tokens[t] == task->input_id("1");
  EXPECT_EQ(example.targets[5], task->output_id(ones >= 3 ? "yes" : "no"));
}

TEST(TaskPlugin, ItAppearsInTheTaskListing) {
  const auto listing = tasks_json();
  const auto entry = std::find_if(listing.begin(), listing.end(),
                                  [](const nlohmann::json& task) { return task["name"] == "test_majority"; });
  ASSERT_NE(entry, listing.end());
  EXPECT_EQ((*entry)["family"], "dcf");
  EXPECT_EQ((*entry)["attention"], "bidirectional");
  EXPECT_EQ((*entry)["input_vocab"], (std::vector<std::string>{"0", "1", "_"}));
  EXPECT_EQ((*entry)["output_vocab"], (std::vector<std::string>{"no", "yes"}));
  EXPECT_EQ((*entry)["splits"][1]["name"], "ood");
  EXPECT_EQ((*entry)["splits"][1]["lengths"], (std::vector<int>{100, 200}));
  EXPECT_EQ((*entry)["segment_boundaries"], nlohmann::json::array());
}

}  // namespace
}  // namespace pebench
