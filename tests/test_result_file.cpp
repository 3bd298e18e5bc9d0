// Result records and files (harness/run/result_record.hpp, result_file.hpp):
// the docs/architecture.md#result-file-schema schema written with typed
// fields, read back field for field (schema 1 and 2, the shipped results/quick
// byte for byte), damaged documents named by their field, and atomic writes
// (common/atomic_file.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <set>

#include "common/build_info.hpp"
#include "common/errors.hpp"
#include "common/atomic_file.hpp"
#include "harness/run/evaluator.hpp"
#include "harness/run/result_file.hpp"
#include "tests/cli_runner.hpp"
#include "tests/harness_fixtures.hpp"

using namespace pebench;
using pebench::testing::fresh_temp_dir;
using pebench::testing::probe_suite;
using pebench::testing::read_text;
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

json document_of(const Cell& cell, const CellOutcome& outcome, int threads = 2) {
  return ResultRecord::of(cell, outcome, run_context(threads)).to_json();
}

// Everything a record can hold: per-sequence counts (uniform and not), class
// histograms, evaluations during training, a NaN loss, weights.
CellOutcome rich_outcome() {
  CellOutcome outcome = sample_outcome();
  outcome.curve.push_back({6, std::nan(""), 0.8});
  outcome.eval.splits[0].points[0].sequence_correct = {1, 1, 0};
  outcome.eval.splits[0].points[0].sequence_scored = {1, 1, 1};
  outcome.eval.splits[1].points[1].sequence_correct = {2, 0};
  outcome.eval.splits[1].points[1].sequence_scored = {2, 3};
  outcome.eval.splits[1].points[1].predicted_classes = {3, 2};
  outcome.eval.splits[1].points[1].target_classes = {4, 1};
  outcome.eval.id_upper_from = 3;
  aggregate_scores(outcome.eval);
  outcome.training_evals = {{2, outcome.eval}};
  outcome.eval_wall_s = 0.25;
  outcome.weights = "raw weight bytes";
  return outcome;
}

TEST(ResultFile, HasEverySchemaFieldWithItsType) {
  const json result = document_of(probe_cell(), sample_outcome());
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
  EXPECT_FALSE(result.contains("weights"));
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

TEST(ResultFile, ConfigIsTheCellsResolvedSettings) {
  const Cell cell = probe_cell();
  const json config = document_of(cell, sample_outcome())["config"];
  EXPECT_EQ(config, cell_config(cell));
  EXPECT_EQ(config["model"]["d_model"], 8);
  EXPECT_EQ(config["model"]["dropout"], 0.0);
  EXPECT_EQ(config["train"]["split"], "train");
  EXPECT_EQ(config["train"]["lengths"], json({1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(config["eval"]["splits"][1], json({{"name", "ood"}, {"kind", "ood"}, {"lengths", cell.eval_splits[1].lengths}}));
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
  const json result = document_of(probe_cell(), outcome);
  const json& ood = result["eval"]["splits"][1];
  EXPECT_EQ(ood["points"][0]["sequences"]["correct"], json({3, 0, 2}));
  EXPECT_EQ(ood["points"][0]["sequences"]["scored"], 3);  // one number when every sequence has the same count
  EXPECT_EQ(ood["points"][1]["sequences"]["scored"], json({2, 4}));
  EXPECT_EQ(ood["predicted_classes"], json({6, 5, 4}));  // summed over the split's lengths
  EXPECT_EQ(ood["target_classes"], json({6, 3}));
  EXPECT_FALSE(result["eval"]["splits"][0]["points"][0].contains("sequences"));  // not recorded there
}

TEST(ResultFile, FailureStatesRecordTheirMessageAndStep) {
  CellOutcome diverged;
  diverged.status = CellStatus::diverged;
  diverged.failed_step = 7;
  diverged.message = "the loss is nan at step 7";
  const json result = document_of(probe_cell(), diverged);
  EXPECT_EQ(result["status"], "diverged");
  EXPECT_EQ(result["error"], json({{"message", "the loss is nan at step 7"}, {"step", 7}}));
  EXPECT_TRUE(result["eval"]["id_accuracy"].is_null());  // no evaluation, never zero
  CellOutcome skipped;
  skipped.status = CellStatus::not_applicable;
  skipped.message = "no segment boundaries";
  const json not_applicable = document_of(probe_cell(), skipped);
  EXPECT_EQ(not_applicable["reason"], "no segment boundaries");
  EXPECT_FALSE(not_applicable.contains("error"));
}

TEST(ResultFile, KeptWeightsAreNamedNotEmbedded) {
  CellOutcome outcome = sample_outcome();
  outcome.weights = "raw weight bytes";
  const ResultRecord record = ResultRecord::of(probe_cell(), outcome, json::object());
  EXPECT_EQ(record.weights, "seed0.weights");
  EXPECT_TRUE(record.outcome.weights.empty());
  EXPECT_EQ(record.to_json()["weights"], "seed0.weights");
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
  EXPECT_TRUE(document_of(probe_cell(), outcome, 1)["eval"]["ood_accuracy"].is_null());
}

TEST(ResultFile, PathIsTaskEncodingSeed) {
  EXPECT_EQ(result_path("out", probe_cell()), fs::path("out/harness_probe/nope/seed0.json"));
}

// ---- reading ---------------------------------------------------------------------

TEST(ResultRecordReading, ReadsBackEveryFieldItWrote) {
  const Cell cell = probe_cell();
  const ResultRecord written = ResultRecord::of(cell, rich_outcome(), run_context(1));
  const ResultRecord read = ResultRecord::from_json(json::parse(written.to_text()));
  EXPECT_EQ(read.to_text(), written.to_text());
  EXPECT_EQ(read.identity(), cell_identity(cell));
  EXPECT_EQ(read.family, "regular");
  EXPECT_EQ(read.weights, "seed0.weights");
  const LengthScore& point = read.outcome.eval.splits[1].points[1];
  EXPECT_EQ(point.sequence_correct, std::vector<int64_t>({2, 0}));
  EXPECT_EQ(point.sequence_scored, std::vector<int64_t>({2, 3}));
  EXPECT_EQ(read.outcome.eval.splits[0].points[0].sequence_scored, std::vector<int64_t>({1, 1, 1}));  // from one number
  EXPECT_EQ(read.outcome.eval.splits[1].predicted_classes, std::vector<int64_t>({3, 2}));
  EXPECT_TRUE(std::isnan(read.outcome.curve[2].loss));  // written as null
  ASSERT_EQ(read.outcome.training_evals.size(), 1u);
  EXPECT_EQ(read.outcome.training_evals[0].step, 2);
  EXPECT_EQ(read.outcome.eval.id_upper_from, 3);
}

TEST(ResultRecordReading, FailureStatesReadBack) {
  CellOutcome failed;
  failed.status = CellStatus::failed;
  failed.message = "out of memory";
  failed.failed_step = 3;
  const ResultRecord read = ResultRecord::from_json(document_of(probe_cell(), failed));
  EXPECT_EQ(read.outcome.status, CellStatus::failed);
  EXPECT_EQ(read.outcome.message, "out of memory");
  EXPECT_EQ(read.outcome.failed_step, 3);
}

// Every shipped result (schema 1 and 2, ok and not_applicable) reads into a
// record that writes the very same bytes: nothing a file holds is lost.
// Every shipped result (schema 2) and a schema-1 file of an earlier
// results/quick (tests/data/results/, kept because no shipped result is
// schema 1 any more) read and write back byte for byte.
TEST(ResultRecordReading, ShippedResultsRoundTripByteForByte) {
  std::vector<std::string> warnings;
  const fs::path source(build_source_dir());
  auto files = find_result_files(source / "results", warnings);
  ASSERT_GT(files.size(), 100u);
  files.push_back(source / "tests" / "data" / "results" / "schema1_seed0.json");
  std::set<int> schemas;
  for (const auto& file : files) {
    const std::string text = read_text(file);
    const ResultRecord record = ResultRecord::from_json(json::parse(text));
    schemas.insert(record.schema_version);
    ASSERT_EQ(record.to_text(), text) << file;
  }
  EXPECT_EQ(schemas, std::set<int>({1, 2}));
}

TEST(ResultRecordReading, AbsentOptionalFieldsReadAsNone) {
  const json point = {{"length", 4}};
  const json split = {{"name", "id"}, {"kind", "id"}, {"points", json::array({point})}};
  const json curve_point = {{"step", 5}, {"loss", 0.5}};
  const json minimal = {{"schema_version", 1},
                        {"task", {{"name", "t"}, {"version", 1}}},
                        {"encoding", {{"name", "e"}}},
                        {"seed", 3},
                        {"config", json::object()},
                        {"status", "ok"},
                        {"train", {{"curve", json::array({curve_point})}}},
                        {"eval", {{"splits", json::array({split})}}}};
  const ResultRecord record = ResultRecord::from_json(minimal);
  EXPECT_EQ(record.task_label, "t");  // the label defaults to the name
  EXPECT_EQ(record.encoding_label, "e");
  EXPECT_EQ(record.family, "");
  EXPECT_EQ(record.task_options, json::object());
  EXPECT_TRUE(std::isnan(record.outcome.tokens_per_s));
  EXPECT_TRUE(std::isnan(record.outcome.curve[0].accuracy));
  EXPECT_TRUE(std::isnan(record.outcome.eval.splits[0].points[0].accuracy));
  EXPECT_TRUE(std::isnan(record.outcome.eval.ood_accuracy));
  EXPECT_EQ(record.outcome.eval.splits[0].points[0].n, 0);
  EXPECT_TRUE(record.outcome.eval.splits[0].target_classes.empty());
}

TEST(ResultRecordReading, DamagedDocumentsAreNamedByTheirField) {
  const json good = document_of(probe_cell(), rich_outcome());
  const struct {
    std::function<void(json&)> damage;
    std::string why;
  } cases[] = {
      {[](json& d) { d = json::array(); }, "not a JSON object"},
      {[](json& d) { d.erase("schema_version"); }, "no \"schema_version\""},
      {[](json& d) { d["schema_version"] = 3; }, "unsupported schema_version 3"},
      {[](json& d) { d.erase("seed"); }, "no \"seed\""},
      {[](json& d) { d["seed"] = "0"; }, "\"seed\" is not an integer"},
      {[](json& d) { d["task"].erase("name"); }, "no \"task.name\""},
      {[](json& d) { d["encoding"] = "nope"; }, "\"encoding\" is not an object"},
      {[](json& d) { d.erase("config"); }, "no \"config\""},
      {[](json& d) { d["status"] = "done"; }, "unknown status 'done'"},
      {[](json& d) { d.erase("train"); }, "no \"train\""},
      {[](json& d) { d["eval"]["splits"] = json::object(); }, "\"eval.splits\" is not a list"},
      {[](json& d) { d["eval"]["splits"][1]["kind"] = "train"; }, "\"eval.splits[1].kind\" is 'train', not id or ood"},
      {[](json& d) { d["eval"]["splits"][1]["points"][0]["length"] = "9"; },
       "\"eval.splits[1].points[0].length\" is not an integer"},
      {[](json& d) { d["eval"]["splits"][1]["points"][1]["accuracy"] = "high"; },
       "\"eval.splits[1].points[1].accuracy\" is not a number"},
      {[](json& d) { d["eval"]["splits"][1]["points"][1]["sequences"]["scored"] = {1}; },
       "\"eval.splits[1].points[1].sequences.scored\" and \"correct\" count different sequences"},
      {[](json& d) { d["train"]["curve"][0].erase("step"); }, "no \"train.curve[0].step\""},
      {[](json& d) { d["train"]["evals"][0]["splits"][0]["name"] = 1; }, "\"train.evals[0].splits[0].name\" is not a string"},
      {[](json& d) { d["weights"] = 5; }, "\"weights\" is not a string"},
  };
  for (const auto& c : cases) {
    json document = good;
    c.damage(document);
    try {
      ResultRecord::from_json(document);
      ADD_FAILURE() << "read without complaint: " << c.why;
    } catch (const ResultFileError& error) {
      EXPECT_EQ(std::string(error.what()), c.why);
    }
  }
}

TEST(ResultRecordReading, NotApplicableCellsMayOmitTrainAndEval) {
  CellOutcome skipped;
  skipped.status = CellStatus::not_applicable;
  skipped.message = "n/a here";
  json document = document_of(probe_cell(), skipped);
  document.erase("train");
  document.erase("eval");
  EXPECT_EQ(ResultRecord::from_json(document).outcome.message, "n/a here");
}

TEST(ResultRecordReading, SchemaOneIsReadAndWrittenWithoutTheSchemaTwoFields) {
  json document = document_of(probe_cell(), rich_outcome());
  document["schema_version"] = 1;
  const json v1 = ResultRecord::from_json(document).to_json();
  EXPECT_FALSE(v1["eval"].contains("id_upper_accuracy"));
  EXPECT_FALSE(v1["eval"]["splits"][1].contains("predicted_classes"));
  EXPECT_FALSE(v1["eval"]["splits"][1]["points"][1].contains("sequences"));
  EXPECT_EQ(v1["eval"]["splits"][1]["points"][1]["n"], document["eval"]["splits"][1]["points"][1]["n"]);
}

TEST(ResultFile, SchemaOneFilesAreStillFinishedCells) {
  const Cell cell = probe_cell();
  const fs::path dir = fresh_temp_dir("result_v1");
  json result = document_of(cell, sample_outcome());
  result["schema_version"] = 1;
  std::ofstream(dir / "seed0.json") << result.dump();
  EXPECT_EQ(check_existing_result(dir / "seed0.json", cell), ExistingResult::done);
  result["schema_version"] = 3;
  std::ofstream(dir / "seed0.json") << result.dump();
  std::string damage;
  EXPECT_EQ(check_existing_result(dir / "seed0.json", cell, &damage), ExistingResult::unreadable);
  EXPECT_EQ(damage, "unsupported schema_version 3");
  fs::remove_all(dir);
}

TEST(ResultFile, ReadingAFileNamesWhatIsWrongWithIt) {
  const fs::path dir = fresh_temp_dir("result_read");
  std::ofstream(dir / "seed0.json") << "{\"schema_version\": 2, ";
  fs::create_directory(dir / "seed1.json");
  const std::pair<fs::path, std::string> cases[] = {
      {dir / "seed0.json", "malformed JSON"},
      {dir / "seed1.json", "a directory, not a result file (a run moves it aside to <name>.damaged)"},
      {dir / "seed2.json", "cannot be read (No such file or directory)"}};
  for (const auto& [path, why] : cases) {
    try {
      read_result_record(path);
      ADD_FAILURE() << path;
    } catch (const ResultFileError& error) {
      EXPECT_EQ(std::string(error.what()), why) << path;
    }
  }
  fs::remove_all(dir);
}

TEST(ResultFile, IdentityReadBackMatchesTheCellAndAnotherSettingDiffers) {
  Cell cell = probe_cell();
  const ResultRecord read = ResultRecord::from_json(json::parse(document_of(cell, sample_outcome()).dump()));
  EXPECT_EQ(read.identity(), cell_identity(cell));
  cell.settings.model.dropout = 0.1;
  EXPECT_NE(read.identity(), cell_identity(cell));
}

// ---- back to a suite ----------------------------------------------------------------

TEST(ResultRecordSuiteSections, PutDropoutBackInTrainAndListSplitsByName) {
  Cell cell = probe_cell();
  cell.settings.model.dropout = 0.25;
  const json sections = ResultRecord::of(cell, rich_outcome(), json::object()).suite_sections();
  EXPECT_FALSE(sections["model"].contains("dropout"));
  EXPECT_FALSE(sections["model"].contains("input_vocab"));
  EXPECT_EQ(sections["train"]["dropout"], 0.25);
  EXPECT_FALSE(sections["train"].contains("split"));
  EXPECT_EQ(sections["train"]["save_model"], true);  // the record names weights
  EXPECT_EQ(sections["eval"]["splits"], json({"id", "ood", "ood_far"}));
  EXPECT_EQ(sections["eval"]["lengths"]["ood_far"], json({20, 30}));
  EXPECT_EQ(sections["eval"]["sequences"], 8);
}

TEST(ResultRecordSuiteSections, AConfigWithoutASectionIsNamed) {
  ResultRecord record = ResultRecord::of(probe_cell(), sample_outcome(), json::object());
  record.config.erase("eval");
  try {
    record.suite_sections();
    ADD_FAILURE();
  } catch (const ResultFileError& error) {
    EXPECT_EQ(std::string(error.what()), "config has no \"eval\" object");
  }
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
