// The task listing (`pebench list tasks`, docs/tasks.md#sample-output) and the defaults that
// `pebench sample` and the data benchmark take from it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness/bench/bench_data.hpp"
#include "harness/cli/task_listing.hpp"
#include "tasks/task.hpp"
#include "tests/cli_runner.hpp"

using namespace pebench;

TEST(TaskListing, ListsEveryRegisteredTaskWithTheDesignFields) {
  const auto listing = tasks_json();
  ASSERT_EQ(listing.size(), task_registry().names().size());
  for (const auto& entry : listing)
    for (const char* key : {"name", "family", "input_vocab", "output_vocab", "attention", "splits",
                            "segment_boundaries"})
      EXPECT_TRUE(entry.contains(key)) << entry["name"] << " lacks " << key;
}

TEST(TaskListing, DescribesFlipFlopAsDesignSection2Says) {
  const auto listing = tasks_json();
  const auto entry = std::find_if(listing.begin(), listing.end(),
                                  [](const nlohmann::json& task) { return task["name"] == "flip_flop"; });
  ASSERT_NE(entry, listing.end());
  EXPECT_EQ((*entry)["family"], "memory");
  EXPECT_EQ((*entry)["attention"], "causal");
  EXPECT_EQ((*entry)["input_vocab"], (std::vector<std::string>{"w", "r", "i", "0", "1"}));
  std::vector<std::string> split_names;
  for (const auto& split : (*entry)["splits"]) split_names.push_back(split["name"]);
  EXPECT_EQ(split_names, (std::vector<std::string>{"train", "id", "ood_sparse", "ood_dense", "ood_length"}));
}

TEST(TaskListing, CliJsonListsTheMemoryTasks) {
  const auto result = pebench::testing::run_pebench("list tasks --json");
  ASSERT_EQ(result.status, 0) << result.err;
  std::vector<std::string> names;
  for (const auto& entry : nlohmann::json::parse(result.out)) names.push_back(entry["name"]);
  for (const char* name : {"counting", "flip_flop", "selective_copy"})
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
}

TEST(TaskListing, DefaultSplitIsTheFirstTrainSplitAndDefaultLengthItsLargest) {
  const auto task = make_task("counting");
  const Split split = default_split(*task);
  EXPECT_EQ(split.name, "train");
  EXPECT_EQ(default_length(split), 512);
}

TEST(DataBenchmark, HasOneRowPerRegisteredTaskAtTheClampedLength) {
  const auto rows = data_benchmark(2, 4);
  ASSERT_EQ(rows.size(), task_registry().names().size());
  for (const auto& row : rows) {
    const auto task = make_task(row["task"].get<std::string>());
    const int length = std::max(4, task->min_length());
    EXPECT_EQ(row["length"], length) << row["task"];
    EXPECT_EQ(row["sequence_length"], task->sequence_length(length)) << row["task"];
    EXPECT_EQ(row["sequences"], 2);
    EXPECT_GE(row["seconds"].get<double>(), 0.0);
  }
}
