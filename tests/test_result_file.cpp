// Result files (harness/run/result_file.hpp): the docs/architecture.md#result-file-schema schema with typed
// fields, and atomic writes (common/atomic_file.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "common/errors.hpp"
#include "common/atomic_file.hpp"
#include "harness/run/evaluator.hpp"
#include "harness/run/result_file.hpp"
#include "tests/cli_runner.hpp"
#include "tests/harness_fixtures.hpp"

using namespace pebench;
using pebench::testing::fresh_temp_dir;
using pebench::testing::probe_suite;
namespace fs = std::filesystem;

namespace {

Cell probe_cell() { return expand_grid(parse_suite(probe_suite(), "probe", "suite probe.json")).at(0); }

CellOutcome sample_outcome() {
  CellOutcome outcome;
  outcome.steps_done = 4;
  outcome.curve = {{2, 0.7, 0.5}, {4, 0.6, 0.75}};
  outcome.train_wall_s = 0.5;
  outcome.tokens_per_s = 100.0;
  outcome.num_parameters = 123;
  outcome.eval.splits = {{"id", SplitKind::id, {{3, 1.0, 1.0, 8}}, 0, 0},
                         {"ood", SplitKind::ood, {{9, 0.5, 0.25, 8}, {10, 0.25, 0.0, 8}}, 0, 0}};
  aggregate_scores(outcome.eval);
  return outcome;
}

TEST(ResultFile, HasEverySchemaFieldWithItsType) {
  const json result = result_json(probe_cell(), sample_outcome(), run_context(2));
  EXPECT_EQ(result["schema_version"], 2);
  EXPECT_TRUE(result["task"]["name"].is_string());
  EXPECT_EQ(result["task"]["family"], "regular");
  EXPECT_TRUE(result["task"]["version"].is_number_integer());
  EXPECT_EQ(result["encoding"]["name"], "nope");
  EXPECT_TRUE(result["encoding"]["params"].is_object());
  EXPECT_TRUE(result["seed"].is_number_integer());
  for (const char* section : {"model", "train", "eval"}) EXPECT_TRUE(result["config"][section].is_object()) << section;
  EXPECT_EQ(result["status"], "ok");
  EXPECT_FALSE(result.contains("error"));
  const json& train = result["train"];
  EXPECT_EQ(train["steps"], 4);
  ASSERT_EQ(train["curve"].size(), 2u);
  for (const char* key : {"step", "loss", "accuracy"}) EXPECT_TRUE(train["curve"][0][key].is_number()) << key;
  EXPECT_TRUE(train["wall_time_s"].is_number());
  EXPECT_TRUE(train["tokens_per_s"].is_number());
  const json& split = result["eval"]["splits"][1];
  EXPECT_EQ(split["name"], "ood");
  EXPECT_EQ(split["kind"], "ood");
  for (const char* key : {"length", "accuracy", "sequence_accuracy", "n"})
    EXPECT_TRUE(split["points"][0][key].is_number()) << key;
  EXPECT_DOUBLE_EQ(split["accuracy"].get<double>(), 0.375);
  EXPECT_DOUBLE_EQ(result["eval"]["id_accuracy"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(result["eval"]["ood_accuracy"].get<double>(), 0.375);
  for (const char* key : {"date", "host", "compiler", "git", "version", "build_type"})
    EXPECT_TRUE(result["context"][key].is_string()) << key;
  EXPECT_EQ(result["context"]["threads"], 2);
}

TEST(ResultFile, SchemaTwoRecordsPerSequenceCountsAndClassHistograms) {
  CellOutcome outcome = sample_outcome();
  LengthScore& point = outcome.eval.splits[1].points[0];
  point.sequence_correct = {3, 0, 2};
  point.sequence_scored = {3, 3, 3};
  point.predicted_classes = {5, 4};
  point.target_classes = {6, 3};
  LengthScore& other = outcome.eval.splits[1].points[1];
  other.sequence_correct = {1, 2};
  other.sequence_scored = {2, 4};
  other.predicted_classes = {1, 1, 4};
  aggregate_scores(outcome.eval);
  const json result = result_json(probe_cell(), outcome, run_context(2));
  const json& ood = result["eval"]["splits"][1];
  EXPECT_EQ(ood["points"][0]["sequences"]["correct"], json({3, 0, 2}));
  EXPECT_EQ(ood["points"][0]["sequences"]["scored"], 3);  // one number when every sequence has the same count
  EXPECT_EQ(ood["points"][1]["sequences"]["scored"], json({2, 4}));
  EXPECT_EQ(ood["predicted_classes"], json({6, 5, 4}));  // summed over the split's lengths
  EXPECT_EQ(ood["target_classes"], json({6, 3}));
  EXPECT_FALSE(result["eval"]["splits"][0]["points"][0].contains("sequences"));  // not recorded there
}

TEST(ResultFile, SchemaOneFilesAreStillFinishedCells) {
  const Cell cell = probe_cell();
  const fs::path dir = pebench::testing::fresh_temp_dir("result_v1");
  json result = result_json(cell, sample_outcome(), run_context(2));
  result["schema_version"] = 1;
  std::ofstream(dir / "seed0.json") << result.dump();
  EXPECT_EQ(check_existing_result(dir / "seed0.json", cell), ExistingResult::done);
  result["schema_version"] = 3;
  std::ofstream(dir / "seed0.json") << result.dump();
  EXPECT_EQ(check_existing_result(dir / "seed0.json", cell), ExistingResult::unreadable);
  fs::remove_all(dir);
}

TEST(ResultFile, OodAccuracyIsTheMeanOverOodSplitsOfTheirMeanOverLengths) {
  EvalScores scores;
  scores.splits = {{"id", SplitKind::id, {{1, 1.0, 1.0, 4}, {2, 0.5, 0.5, 4}}, 0, 0},
                   {"ood_a", SplitKind::ood, {{5, 0.0, 0.0, 4}, {6, 0.2, 0.0, 4}, {7, 0.4, 0.0, 4}}, 0, 0},
                   {"ood_b", SplitKind::ood, {{5, 0.8, 0.0, 4}}, 0, 0}};
  aggregate_scores(scores);
  EXPECT_DOUBLE_EQ(scores.splits[1].accuracy, 0.2);
  EXPECT_DOUBLE_EQ(scores.id_accuracy, 0.75);
  EXPECT_DOUBLE_EQ(scores.ood_accuracy, 0.5);  // (0.2 + 0.8) / 2, not the mean of the four points
}

TEST(ResultFile, SplitKindWithoutSplitsGivesNullAccuracy) {
  CellOutcome outcome = sample_outcome();
  outcome.eval.splits.pop_back();
  aggregate_scores(outcome.eval);
  const json result = result_json(probe_cell(), outcome, run_context(1));
  EXPECT_TRUE(result["eval"]["ood_accuracy"].is_null());
}

TEST(ResultFile, IdentityReadBackMatchesTheCell) {
  const Cell cell = probe_cell();
  const json result = json::parse(result_json(cell, sample_outcome(), run_context(1)).dump());
  EXPECT_EQ(result_identity(result), cell.identity_json());
}

TEST(ResultFile, PathIsTaskEncodingSeed) {
  EXPECT_EQ(result_path("out", probe_cell()), fs::path("out/harness_probe/nope/seed0.json"));
}

TEST(AtomicFile, WritesTheTextAndLeavesNoTempFile) {
  const fs::path dir = fresh_temp_dir("atomic");
  const fs::path path = dir / "a" / "b" / "x.json";
  write_file_atomically(path, "hello\n");
  EXPECT_EQ(pebench::testing::read_text(path), "hello\n");
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(path.parent_path())) entries += entry.exists();
  EXPECT_EQ(entries, 1);
  fs::remove_all(dir);
}

TEST(AtomicFile, ReplacesAnExistingFileWhole) {
  const fs::path dir = fresh_temp_dir("atomic");
  write_file_atomically(dir / "x", std::string(1000, 'a'));
  write_file_atomically(dir / "x", "b");
  EXPECT_EQ(pebench::testing::read_text(dir / "x"), "b");
  fs::remove_all(dir);
}

TEST(AtomicFile, FailureIsARuntimeErrorAndLeavesNoTempFile) {
  const fs::path dir = fresh_temp_dir("atomic");
  fs::create_directories(dir / "x" / "occupied");  // renaming a file over a non-empty directory fails
  EXPECT_THROW(write_file_atomically(dir / "x", "text"), RuntimeError);
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(dir)) entries += entry.exists();
  EXPECT_EQ(entries, 1);  // only x/
  fs::remove_all(dir);
}

}  // namespace
