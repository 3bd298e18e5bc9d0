// Grid expansion and sharding (harness/config/grid.hpp).
#include <gtest/gtest.h>

#include <set>

#include "common/errors.hpp"
#include "harness/config/grid.hpp"
#include "harness/run/result_record.hpp"
#include "tests/harness_fixtures.hpp"

using namespace pebench;
using pebench::testing::probe_suite;

namespace {

std::vector<Cell> expand(const json& document) {
  return expand_grid(parse_suite(document, "probe", "suite probe.json"));
}

std::string expand_error(const json& document) {
  try {
    expand(document);
  } catch (const UsageError& error) {
    return error.what();
  }
  return "";
}

const SplitPlan& split_named(const Cell& cell, const std::string& name) {
  for (const auto& split : cell.eval_splits)
    if (split.name == name) return split;
  throw std::runtime_error("no split " + name);
}

std::vector<int> range(int lo, int hi) {
  std::vector<int> out;
  for (int n = lo; n <= hi; ++n) out.push_back(n);
  return out;
}

TEST(Grid, IsTheProductOfTasksEncodingsAndSeedsInNameOrder) {
  json document = probe_suite();
  document["tasks"] = {"harness_probe", "harness_causal_probe"};
  document["encodings"] = {"nope", {{"name", "nope"}, {"label", "another"}}};
  document["seeds"] = {1, 0};
  std::vector<std::string> names;
  for (const auto& cell : expand(document)) names.push_back(cell.name());
  EXPECT_EQ(names, (std::vector<std::string>{
                       "harness_causal_probe/another/seed0", "harness_causal_probe/another/seed1",
                       "harness_causal_probe/nope/seed0", "harness_causal_probe/nope/seed1",
                       "harness_probe/another/seed0", "harness_probe/another/seed1", "harness_probe/nope/seed0",
                       "harness_probe/nope/seed1"}));
}

TEST(Grid, ModelVocabulariesComeFromTheTask) {
  const Cell cell = expand(probe_suite()).at(0);
  EXPECT_EQ(cell.settings.model.input_vocab, 3);
  EXPECT_EQ(cell.settings.model.output_vocab, 2);
}

TEST(Grid, DefaultLengthsAreTheTasksOwn) {
  const Cell cell = expand(probe_suite()).at(0);
  EXPECT_EQ(cell.train_split, "train");
  EXPECT_EQ(cell.train_lengths, range(1, 8));
  ASSERT_EQ(cell.eval_splits.size(), 3u);  // id, ood, ood_far: every non-train split
  EXPECT_EQ(split_named(cell, "id").lengths, range(1, 8));
  EXPECT_EQ(split_named(cell, "ood").lengths, range(9, 16));
  EXPECT_EQ(split_named(cell, "ood_far").lengths, (std::vector<int>{20, 30}));
}

TEST(Grid, EvalLengthsByKindApplyToEverySplitOfThatKind) {
  json document = probe_suite();
  document["eval"]["lengths"] = {{"ood", {12}}};
  const Cell cell = expand(document).at(0);
  EXPECT_EQ(split_named(cell, "ood").lengths, (std::vector<int>{12}));
  EXPECT_EQ(split_named(cell, "ood_far").lengths, (std::vector<int>{12}));
  EXPECT_EQ(split_named(cell, "id").lengths, range(1, 8));
}

TEST(Grid, EvalLengthsBySplitNameBeatLengthsByKind) {
  json document = probe_suite();
  document["eval"]["lengths"] = {{"ood", {12}}, {"ood_far", {{"count", 1}}}};
  const Cell cell = expand(document).at(0);
  EXPECT_EQ(split_named(cell, "ood").lengths, (std::vector<int>{12}));
  EXPECT_EQ(split_named(cell, "ood_far").lengths, (std::vector<int>{20}));
}

TEST(Grid, EvalSplitsSelectByNameOrKind) {
  json document = probe_suite();
  document["eval"]["splits"] = {"id", "ood_far"};
  auto cell = expand(document).at(0);
  ASSERT_EQ(cell.eval_splits.size(), 2u);
  EXPECT_EQ(cell.eval_splits[0].name, "id");
  EXPECT_EQ(cell.eval_splits[1].name, "ood_far");
  document["eval"]["splits"] = {"ood"};  // the kind: both ood splits
  cell = expand(document).at(0);
  ASSERT_EQ(cell.eval_splits.size(), 2u);
  EXPECT_EQ(cell.eval_splits[0].kind, SplitKind::ood);
  EXPECT_EQ(cell.eval_splits[1].kind, SplitKind::ood);
}

TEST(Grid, UnknownSplitNamesAreUsageErrorsWithSuggestions) {
  json document = probe_suite();
  document["eval"]["splits"] = {"ood_fra"};
  EXPECT_EQ(expand_error(document),
            "suite probe.json: task harness_probe: eval: unknown split 'ood_fra' (closest: ood, ood_far, id)");
  document = probe_suite();
  document["eval"]["lengths"] = {{"oood", {3}}};
  EXPECT_NE(expand_error(document).find("unknown split 'oood'"), std::string::npos);
}

TEST(Grid, TrainLengthAboveTheModelsLimitIsAUsageError) {
  json document = probe_suite();
  document["model"]["max_seq_len"] = 8;  // length 8 needs 9 positions
  EXPECT_EQ(expand_error(document),
            "suite probe.json: task harness_probe: train length 8 needs 9 positions, above model.max_seq_len (8)");
}

TEST(Grid, EvalLengthAboveTheModelsLimitIsAUsageError) {
  json document = probe_suite();
  document["model"]["max_seq_len"] = 25;  // ood_far's 30 needs 31
  EXPECT_EQ(expand_error(document),
            "suite probe.json: task harness_probe: eval split 'ood_far' length 30 needs 31 positions, above "
            "model.max_seq_len (25)");
}

TEST(Grid, LengthOutsideTheTasksRangeIsAUsageError) {
  json document = probe_suite();
  document["model"]["max_seq_len"] = 5000;
  document["eval"]["lengths"] = {{"ood", {2000}}};
  EXPECT_NE(expand_error(document).find("length 2000 is outside [1, 1000]"), std::string::npos);
}

TEST(Grid, ConfigRecordsResolvedLengthsAndIdentityRecordsResolvedOptions) {
  const Cell cell = expand(probe_suite()).at(0);
  const json config = cell_config(cell);
  EXPECT_EQ(config["train"]["lengths"], range(1, 8));
  EXPECT_EQ(config["eval"]["splits"][2]["lengths"], json({20, 30}));
  EXPECT_EQ(config["model"]["input_vocab"], 3);
  const json identity = cell_identity(cell);
  EXPECT_EQ(identity["task"]["options"]["bias"], 0.5);  // the default, resolved
  EXPECT_EQ(identity["seed"], 0);
}

std::vector<Cell> big_grid() {
  json document = probe_suite();
  document["tasks"] = {"harness_probe", "harness_causal_probe",
                       {{"name", "harness_probe"}, {"label", "probe_b"}, {"options", {{"bias", 0.2}}}}};
  document["encodings"] = {"nope", {{"name", "nope"}, {"label", "nope2"}}, {{"name", "nope"}, {"label", "nope3"}}};
  document["seeds"] = "0-4";
  return expand(document);
}

TEST(Grid, ShardsPartitionTheGridWithoutOverlap) {
  const auto cells = big_grid();
  ASSERT_EQ(cells.size(), 45u);
  std::multiset<std::string> seen;
  for (int i = 1; i <= 4; ++i)
    for (const auto& cell : shard_cells(cells, Shard{i, 4})) seen.insert(cell.name());
  EXPECT_EQ(seen.size(), cells.size());
  for (const auto& cell : cells) EXPECT_EQ(seen.count(cell.name()), 1u) << cell.name();
}

TEST(Grid, ShardSizesDifferByAtMostOne) {
  const auto cells = big_grid();
  for (int count : {2, 3, 4, 7, 45, 50}) {
    size_t smallest = cells.size(), largest = 0;
    for (int i = 1; i <= count; ++i) {
      const size_t size = shard_cells(cells, Shard{i, count}).size();
      smallest = std::min(smallest, size);
      largest = std::max(largest, size);
    }
    EXPECT_LE(largest - smallest, 1u) << count << " shards";
  }
}

TEST(Grid, ShardAssignmentIsStable) {
  const auto first = shard_cells(big_grid(), Shard{2, 3});
  const auto second = shard_cells(big_grid(), Shard{2, 3});
  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(first[i].name(), second[i].name());
}

TEST(Grid, OneShardIsTheWholeGrid) { EXPECT_EQ(shard_cells(big_grid(), Shard{1, 1}).size(), 45u); }

}  // namespace
