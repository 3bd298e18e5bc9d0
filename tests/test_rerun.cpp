// Running a cell again from its result file (harness/run/rerun.hpp): a
// result's config loads back as exactly its own cell (the probe with every
// kind of setting, and every shipped result of results/quick), a cell this
// build resolves differently is refused, the comparison of a rerun with its
// source sees every recorded number and nothing else, and end to end through
// the binary: `pebench run --config RESULT.json` reproduces a trained cell bit
// for bit in another directory and says so, reports a source it does not
// reproduce, and refuses bad result files with one line and exit status 2.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>

#include "common/build_info.hpp"
#include "common/errors.hpp"
#include "harness/run/evaluator.hpp"
#include "harness/run/rerun.hpp"
#include "harness/run/result_file.hpp"
#include "tests/cli_runner.hpp"
#include "tests/harness_fixtures.hpp"

using namespace pebench;
using namespace pebench::testing;
namespace fs = std::filesystem;

namespace {

// The probe with a setting of every kind a suite can change.
json detailed_probe_suite() {
  json suite = probe_suite();
  suite["model"]["norm"] = "pre";
  suite["model"]["activation"] = "gelu";
  suite["train"] = {{"steps", 6},         {"batch_size", 4},       {"lr", 0.003},     {"dropout", 0.1},
                    {"schedule", "warmup_cosine"}, {"warmup_steps", 2}, {"min_lr_ratio", 0.1}, {"eps", 1e-7},
                    {"curve_points", 3},  {"eval_every", 3},       {"lengths", {{"count", 3}}}, {"save_model", true}};
  suite["eval"] = {{"splits", {"ood", "id"}}, {"lengths", {{"ood_far", {30}}, {"id", {{"from", 2}, {"to", 6}, {"step", 2}}}}},
                   {"sequences", 6}, {"sub_batch", 4}, {"seed", 7}};
  suite["tasks"] = {{{"name", "harness_probe"}, {"label", "probe_b"}, {"options", {{"bias", 0.3}}}}};
  suite["encodings"] = {{{"name", "harness_poison"}, {"label", "poison"}, {"options", {{"poison_after", 0}}}}};
  suite["seeds"] = {4};
  return suite;
}

Cell detailed_probe_cell() { return expand_grid(parse_suite(detailed_probe_suite(), "probe", "suite probe.json")).at(0); }

CellOutcome scored_outcome() {
  CellOutcome outcome;
  outcome.steps_done = 6;
  outcome.curve = {{2, 0.7, 0.5}, {4, 0.6, 0.75}, {6, 0.5, 0.75}};
  outcome.train_wall_s = 0.5;
  outcome.tokens_per_s = 100.0;
  outcome.num_parameters = 123;
  outcome.eval.splits = {{"id", SplitKind::id, {{3, 1.0, 1.0, 2}}, 0, 0},
                         {"ood", SplitKind::ood, {{9, 0.5, 0.5, 2}}, 0, 0}};
  outcome.eval.splits[1].points[0].sequence_correct = {1, 0};
  outcome.eval.splits[1].points[0].sequence_scored = {1, 1};
  outcome.eval.splits[1].points[0].predicted_classes = {1, 1};
  outcome.eval.splits[1].points[0].target_classes = {2, 0};
  aggregate_scores(outcome.eval);
  return outcome;
}

ResultRecord record_of(const Cell& cell, const CellOutcome& outcome = scored_outcome()) {
  return ResultRecord::from_json(json::parse(ResultRecord::of(cell, outcome, run_context(1)).to_text()));
}

std::string usage_error(const std::function<void()>& action) {
  try {
    action();
  } catch (const UsageError& error) {
    return error.what();
  }
  return "(no error)";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ---- a result's config loads back as its cell -------------------------------------

TEST(Rerun, AResultLoadsBackAsExactlyItsOwnCell) {
  const Cell cell = detailed_probe_cell();
  ASSERT_EQ(cell.settings.model.dropout, 0.1);
  ASSERT_EQ(cell.eval_splits.size(), 3u);  // "ood" selects both ood splits by kind
  const Suite suite = suite_from_result(record_of(cell), "result r.json");
  const std::vector<Cell> cells = expand_grid(suite);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cell_identity(cells[0]), cell_identity(cell));
  EXPECT_EQ(cells[0].name(), "probe_b/poison/seed4");
  EXPECT_EQ(suite.name, "rerun");
}

TEST(Rerun, SaveModelFollowsWhetherTheSourceKeptWeights) {
  const Cell cell = detailed_probe_cell();
  CellOutcome with_weights = scored_outcome();
  with_weights.weights = "bytes";
  EXPECT_TRUE(cell_from_result(record_of(cell, with_weights), "r").settings.train.save_model);
  EXPECT_FALSE(cell_from_result(record_of(cell), "r").settings.train.save_model);
}

// Every shipped result, all tasks and encodings with their resolved options,
// schema 1 and 2: the config loads back, and this build resolves it to the
// recorded identity (what `pebench status` relies on to call them done).
TEST(Rerun, EveryShippedResultLoadsBackAsItsOwnCell) {
  std::vector<std::string> warnings;
  const auto files = find_result_files(fs::path(build_source_dir()) / "results" / "quick", warnings);
  ASSERT_GT(files.size(), 100u);
  for (const auto& file : files) {
    const ResultRecord record = read_result_record(file);
    EXPECT_EQ(cell_identity(cell_from_result(record, file.string())), record.identity()) << file;
  }
}

TEST(Rerun, ACellThisBuildResolvesDifferentlyIsRefusedNamingTheField) {
  ResultRecord record = record_of(detailed_probe_cell());
  record.task_version = 99;
  EXPECT_EQ(usage_error([&] { suite_from_result(record, "result r.json"); }),
            "result r.json: this build resolves the recorded cell differently, so it cannot reproduce it "
            "(task.version: 99 vs 1, recorded vs this build)");
}

TEST(Rerun, BadRecordedSettingsAreUsageErrorsNamingThem) {
  ResultRecord record = record_of(detailed_probe_cell());
  record.config["train"]["lr"] = 20;
  const std::string error = usage_error([&] { suite_from_result(record, "result r.json"); });
  EXPECT_EQ(error.rfind("result r.json: config.train.lr: must be ", 0), 0u) << error;
  EXPECT_TRUE(contains(error, ", got 20")) << error;
  record = record_of(detailed_probe_cell());
  record.encoding_name = "no_such_encoding";
  EXPECT_EQ(usage_error([&] { suite_from_result(record, "result r.json"); })
                .rfind("result r.json: encoding: unknown encoding 'no_such_encoding'", 0),
            0u);
  record = record_of(detailed_probe_cell());
  record.config["train"]["shuffle"] = true;
  EXPECT_EQ(usage_error([&] { suite_from_result(record, "result r.json"); })
                .rfind("result r.json: config.train.shuffle: unknown key", 0),
            0u);
  record = record_of(detailed_probe_cell());
  record.task_label = "../escape";
  EXPECT_TRUE(contains(usage_error([&] { suite_from_result(record, "result r.json"); }), "tasks[0].label"));
}

// ---- comparing a rerun with its source ------------------------------------------------

TEST(ReproductionDifferences, NoneBetweenARecordAndItself) {
  const ResultRecord record = record_of(detailed_probe_cell());
  EXPECT_TRUE(reproduction_differences(record, record).empty());
}

TEST(ReproductionDifferences, TimingsAndTheRunContextAreNotCompared) {
  const ResultRecord source = record_of(detailed_probe_cell());
  ResultRecord rerun = source;
  rerun.outcome.train_wall_s = 9.0;
  rerun.outcome.tokens_per_s = 1.0;
  rerun.outcome.eval_wall_s = 3.0;
  rerun.context = {{"host", "elsewhere"}, {"threads", 8}};
  EXPECT_TRUE(reproduction_differences(source, rerun).empty());
}

TEST(ReproductionDifferences, EveryRecordedNumberIsCompared) {
  const ResultRecord source = record_of(detailed_probe_cell());
  ResultRecord rerun = source;
  rerun.outcome.curve[1].loss = std::nextafter(0.6, 1.0);
  rerun.outcome.eval.splits[1].points[0].sequence_correct[1] = 1;
  rerun.outcome.num_parameters = 124;
  const auto differences = reproduction_differences(source, rerun);
  ASSERT_EQ(differences.size(), 3u);
  EXPECT_EQ(differences[0], "eval.splits[1].points[0].sequences.correct[1]: 0 vs 1");
  EXPECT_EQ(differences[1], "train.curve[1].loss: 0.6 vs 0.6000000000000001");
  EXPECT_EQ(differences[2], "train.num_parameters: 123 vs 124");
}

TEST(ReproductionDifferences, ASchemaOneSourceIsComparedOnWhatItRecords) {
  const ResultRecord rerun = record_of(detailed_probe_cell());
  json document = rerun.to_json();
  document["schema_version"] = 1;
  document["eval"].erase("id_upper_accuracy");
  document["eval"]["splits"][1]["points"][0].erase("sequences");
  const ResultRecord source = ResultRecord::from_json(document);
  EXPECT_TRUE(reproduction_differences(source, rerun).empty());
  ResultRecord other = rerun;
  other.outcome.eval.splits[1].points[0].accuracy = 0.25;
  EXPECT_EQ(reproduction_differences(source, other).at(0), "eval.splits[1].points[0].accuracy: 0.5 vs 0.25");
}

// ---- end to end through the binary ----------------------------------------------------

// parity_check × rope × seed 0, 20 steps of a one-layer model with dropout,
// evaluations during training and the weights kept.
json small_suite() {
  return {{"model", {{"d_model", 16}, {"n_layers", 1}, {"n_heads", 2}, {"d_ff", 32}, {"max_seq_len", 64}}},
          {"train", {{"steps", 20}, {"batch_size", 8}, {"lr", 0.003}, {"dropout", 0.1}, {"curve_points", 5},
                     {"eval_every", 10}, {"save_model", true}, {"lengths", {{"from", 1}, {"to", 8}}}}},
          {"eval", {{"sequences", 8}, {"sub_batch", 4}, {"lengths", {{"id", {{"count", 2}}}, {"ood", {12, 16}}}}}},
          {"tasks", {"parity_check"}},
          {"encodings", {"rope"}},
          {"seeds", {0}}};
}

// What a rerun cannot repeat.
json without_timings(json result) {
  result.erase("context");
  result["train"].erase("wall_time_s");
  result["train"].erase("tokens_per_s");
  result["eval"].erase("wall_time_s");
  return result;
}

class RerunCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    source_dir_ = new fs::path(fresh_temp_dir("rerun_source"));
    const fs::path suite = write_suite(*source_dir_, "small.json", small_suite());
    const CliResult result =
        run_pebench("run --threads 1 --config " + suite.string() + " --out " + (*source_dir_ / "out").string());
    ASSERT_EQ(result.status, 0) << result.err;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*source_dir_);
    delete source_dir_;
  }
  void SetUp() override { dir_ = fresh_temp_dir("rerun"); }
  void TearDown() override { fs::remove_all(dir_); }

  static fs::path source() { return *source_dir_ / "out" / "parity_check" / "rope" / "seed0.json"; }
  fs::path copy_of_source(const std::function<void(json&)>& edit) const {
    json result = read_json(source());
    edit(result);
    const fs::path path = dir_ / "edited" / "seed0.json";
    fs::create_directories(path.parent_path());
    std::ofstream(path) << result.dump(1) << "\n";
    return path;
  }

  static fs::path* source_dir_;
  fs::path dir_;
};
fs::path* RerunCli::source_dir_ = nullptr;

TEST_F(RerunCli, ReproducesTheSourceBitForBitInAnotherDirectory) {
  const fs::path out = dir_ / "again";
  const CliResult result = run_pebench("run --threads 2 --config " + source().string() + " --out " + out.string());
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(contains(result.err, "reproduces " + source().string() + " bit for bit")) << result.err;
  const json original = read_json(source()), again = read_json(out / "parity_check" / "rope" / "seed0.json");
  EXPECT_EQ(without_timings(again), without_timings(original));
  EXPECT_EQ(again["context"]["threads"], 2);  // on another thread count
  EXPECT_EQ(again["train"]["curve"].back()["loss"], original["train"]["curve"].back()["loss"]);
  EXPECT_TRUE(fs::exists(out / "parity_check" / "rope" / "seed0.weights"));
  // The rerun's grid is the source's cell: `pebench status` with the same --config calls it complete.
  EXPECT_EQ(run_pebench("status --config " + source().string() + " " + out.string()).status, 0);
}

TEST_F(RerunCli, MoreSeedsOfTheSameConfigurationCompareOnlyTheSourcesCell) {
  const fs::path out = dir_ / "seeds";
  const CliResult result =
      run_pebench("run --threads 1 --seeds 0-1 --config " + source().string() + " --out " + out.string());
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(contains(result.err, "bit for bit")) << result.err;
  const json seed1 = read_json(out / "parity_check" / "rope" / "seed1.json");
  EXPECT_EQ(seed1["config"], read_json(source())["config"]);
  EXPECT_NE(seed1["train"]["curve"], read_json(source())["train"]["curve"]);
}

TEST_F(RerunCli, TheSourceDirectoryItselfKeepsTheSource) {
  const std::string before = read_text(source());
  const CliResult result =
      run_pebench("run --threads 1 --config " + source().string() + " --out " + (*source_dir_ / "out").string());
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(contains(result.err, "is the source result itself, kept")) << result.err;
  EXPECT_EQ(read_text(source()), before);
}

TEST_F(RerunCli, ASourceThatDoesNotReproduceIsReportedWithExitOne) {
  const fs::path tampered = copy_of_source([](json& result) { result["train"]["curve"][2]["loss"] = 0.125; });
  const CliResult result = run_pebench("run --threads 1 --config " + tampered.string() + " --out " + (dir_ / "out").string());
  EXPECT_EQ(result.status, 1) << result.err;
  EXPECT_TRUE(contains(result.err, "pebench: differs: train.curve[2].loss: 0.125 vs ")) << result.err;
  EXPECT_TRUE(contains(result.err, "does not reproduce " + tampered.string() + ": 1 field(s) differ")) << result.err;
}

TEST_F(RerunCli, BadResultFilesExitTwoWithOneLineAndWriteNothing) {
  const struct {
    std::function<void(json&)> edit;
    std::string expected;
  } bad[] = {
      {[](json& r) { r["encoding"]["name"] = "nope_x"; }, "nope_x"},
      {[](json& r) { r["task"]["name"] = "parity_chek"; }, "parity_chek"},
      {[](json& r) { r.erase("seed"); }, "not a pebench result file (no \"seed\")"},
      {[](json& r) { r["config"].erase("eval"); }, "it is not a complete pebench result file (config has no \"eval\" object)"},
      {[](json& r) { r["task"]["version"] = 7; }, "cannot reproduce it (task.version: 7 vs 1"},
      {[](json& r) { r["config"]["model"]["d_model"] = 15; }, "model.n_heads: must divide model.d_model (15), got 2"},
  };
  for (const auto& b : bad) {
    const fs::path edited = copy_of_source(b.edit);
    const CliResult result = run_pebench("run --config " + edited.string() + " --out " + (dir_ / "never").string());
    EXPECT_EQ(result.status, 2) << b.expected << ": " << result.err;
    EXPECT_EQ(count_lines(result.err), 1) << result.err;
    EXPECT_TRUE(contains(result.err, b.expected)) << "expected: " << b.expected << "\n  got: " << result.err;
    EXPECT_FALSE(fs::exists(dir_ / "never")) << b.expected;
  }
  const fs::path truncated = dir_ / "truncated.json";
  const std::string text = read_text(source());
  std::ofstream(truncated) << text.substr(0, text.size() / 2);
  const CliResult result = run_pebench("run --config " + truncated.string() + " --out " + (dir_ / "never").string());
  EXPECT_EQ(result.status, 2) << result.err;
  EXPECT_EQ(count_lines(result.err), 1) << result.err;
  EXPECT_FALSE(fs::exists(dir_ / "never"));
}

}  // namespace
