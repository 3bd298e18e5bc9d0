// The runner (harness/run/runner.hpp) with a scripted executor: result files,
// resume, --force, failed and diverged cells. Training itself is covered by
// test_training.cpp and the CLI tests.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>

#include "harness/run/evaluator.hpp"
#include "harness/run/result_file.hpp"
#include "harness/run/runner.hpp"
#include "tests/cli_runner.hpp"
#include "tests/harness_fixtures.hpp"

using namespace pebench;
using pebench::testing::fresh_temp_dir;
using pebench::testing::probe_suite;
using pebench::testing::read_json;
namespace fs = std::filesystem;

namespace {

// Records which cells ran; outcomes are a function of the cell name so reruns can be compared.
struct ScriptedExecutor {
  std::map<std::string, int> calls;
  std::string throw_for;     // this cell throws
  std::string diverge_for;   // this cell diverges
  bool two_id_lengths = false;  // id at lengths 2 (all right) and 4 (half right), upper half from 3

  CellOutcome operator()(const Cell& cell, const CellHooks& hooks) {
    ++calls[cell.name()];
    if (cell.name() == throw_for) throw std::runtime_error("scripted failure");
    CellOutcome outcome;
    outcome.steps_done = cell.settings.train.steps;
    for (int step = 1; step <= outcome.steps_done; ++step) hooks.on_step(step, 1.0 / step);
    if (cell.name() == diverge_for) {
      outcome.status = CellStatus::diverged;
      outcome.failed_step = 2;
      outcome.message = "the loss is nan at step 2";
      return outcome;
    }
    SplitScore id{"id", SplitKind::id, {{3, 0.5 + cell.seed / 10.0, 0.25, 8}}, 0, 0};
    if (two_id_lengths) {
      id.points = {{2, 1.0, 1.0, 8}, {4, 0.5, 0.25, 8}};
      outcome.eval.id_upper_from = 3;
    }
    SplitScore ood{"ood", SplitKind::ood, {{9, 0.25, 0.0, 8}, {10, 0.75, 0.5, 8}}, 0, 0};
    outcome.eval.splits = {id, ood};
    aggregate_scores(outcome.eval);
    return outcome;
  }
};

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_temp_dir("runner");
    json document = probe_suite();
    document["seeds"] = "0-2";
    cells_ = expand_grid(parse_suite(document, "probe", "suite probe.json"));
    null_ = std::fopen("/dev/null", "w");
  }
  void TearDown() override {
    std::fclose(null_);
    fs::remove_all(dir_);
  }
  RunSummary run(ScriptedExecutor& executor, bool force = false, int jobs = 1) {
    Progress progress(null_, false);
    return run_cells(cells_, RunOptions{dir_, force, 1, jobs},
                     [&executor](const Cell& cell, const CellHooks& hooks) { return executor(cell, hooks); }, progress);
  }
  fs::path path_of(int seed) const { return dir_ / "harness_probe" / "nope" / ("seed" + std::to_string(seed) + ".json"); }

  fs::path dir_;
  std::vector<Cell> cells_;
  std::FILE* null_ = nullptr;
};

TEST_F(RunnerTest, WritesOneResultFilePerCellUnderTaskAndEncoding) {
  ScriptedExecutor executor;
  const RunSummary summary = run(executor);
  EXPECT_EQ(summary.ran, 3);
  for (int seed = 0; seed < 3; ++seed) {
    ASSERT_TRUE(fs::exists(path_of(seed))) << path_of(seed);
    const json result = read_json(path_of(seed));
    EXPECT_EQ(result["seed"], seed);
    EXPECT_EQ(result["status"], "ok");
    EXPECT_DOUBLE_EQ(result["eval"]["id_accuracy"].get<double>(), 0.5 + seed / 10.0);
  }
}

TEST_F(RunnerTest, SeveralJobsRunEveryCellOnceAndKeepTheSummaryInCellOrder) {
  ScriptedExecutor executor;
  std::mutex mutex;  // the scripted executor is not thread-safe; the runner's workers call it at once
  Progress progress(null_, false);
  const RunSummary summary = run_cells(cells_, RunOptions{dir_, false, 1, 3}, [&](const Cell& cell, const CellHooks& hooks) {
    std::lock_guard<std::mutex> lock(mutex);
    return executor(cell, hooks);
  }, progress);
  EXPECT_EQ(summary.ran, 3);
  ASSERT_EQ(summary.rows.size(), 3u);
  for (int seed = 0; seed < 3; ++seed) {
    EXPECT_EQ(summary.rows[seed].cell, "harness_probe/nope/seed" + std::to_string(seed));
    EXPECT_EQ(executor.calls["harness_probe/nope/seed" + std::to_string(seed)], 1);
    EXPECT_TRUE(fs::exists(path_of(seed)));
  }
}

TEST_F(RunnerTest, RerunKeepsFinishedCellsWithoutRunningOrRewritingThem) {
  ScriptedExecutor first;
  run(first);
  const auto mtime = fs::last_write_time(path_of(1));
  ScriptedExecutor second;
  const RunSummary summary = run(second);
  EXPECT_TRUE(second.calls.empty());
  EXPECT_EQ(summary.kept, 3);
  EXPECT_EQ(fs::last_write_time(path_of(1)), mtime);
}

TEST_F(RunnerTest, KeptCellsAreSummarisedFromTheirResultFiles) {
  ScriptedExecutor first;
  first.diverge_for = "harness_probe/nope/seed0";
  run(first);
  ScriptedExecutor second;
  const RunSummary summary = run(second);
  ASSERT_EQ(summary.rows.size(), 3u);
  EXPECT_EQ(summary.rows[0].status, "kept diverged");
  EXPECT_TRUE(std::isnan(summary.rows[0].id_accuracy));
  EXPECT_EQ(summary.rows[2].status, "kept ok");
  EXPECT_DOUBLE_EQ(summary.rows[2].id_accuracy, 0.7);
  EXPECT_DOUBLE_EQ(summary.rows[2].ood_accuracy, 0.5);
}

// The run line and summary show the ID accuracy the report judges "learned"
// by (upper half of the training lengths), not the mean over every ID length.
TEST_F(RunnerTest, SummaryShowsTheIdAccuracyOverTheUpperTrainingLengths) {
  ScriptedExecutor first;
  first.two_id_lengths = true;
  const RunSummary fresh = run(first);
  ASSERT_EQ(fresh.rows.size(), 3u);
  EXPECT_DOUBLE_EQ(fresh.rows[0].id_accuracy, 0.5);
  ScriptedExecutor second;
  const RunSummary kept = run(second);
  EXPECT_EQ(kept.rows[0].status, "kept ok");
  EXPECT_DOUBLE_EQ(kept.rows[0].id_accuracy, 0.5);
}

TEST_F(RunnerTest, ForceRedoesFinishedCells) {
  ScriptedExecutor first;
  run(first);
  ScriptedExecutor second;
  EXPECT_EQ(run(second, true).ran, 3);
  EXPECT_EQ(second.calls.size(), 3u);
}

TEST_F(RunnerTest, CellWhoseConfigurationChangedIsRedone) {
  ScriptedExecutor first;
  run(first);
  cells_[1].settings.train.steps += 1;
  ScriptedExecutor second;
  run(second);
  EXPECT_EQ(second.calls.size(), 1u);
  EXPECT_EQ(second.calls.count("harness_probe/nope/seed1"), 1u);
  EXPECT_EQ(read_json(path_of(1))["config"]["train"]["steps"], cells_[1].settings.train.steps);
}

TEST_F(RunnerTest, ThrowingCellIsRecordedAsFailedAndTheRunGoesOn) {
  ScriptedExecutor executor;
  executor.throw_for = "harness_probe/nope/seed1";
  const RunSummary summary = run(executor);
  EXPECT_EQ(summary.failed, 1);
  EXPECT_EQ(summary.ran, 3);
  const json failed = read_json(path_of(1));
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_EQ(failed["error"]["message"], "scripted failure");
  EXPECT_TRUE(failed["eval"]["ood_accuracy"].is_null());
  EXPECT_EQ(read_json(path_of(2))["status"], "ok");
}

TEST_F(RunnerTest, FailedCellsAreRetriedByARerun) {
  ScriptedExecutor first;
  first.throw_for = "harness_probe/nope/seed1";
  run(first);
  ScriptedExecutor second;
  run(second);
  EXPECT_EQ(second.calls.size(), 1u);
  EXPECT_EQ(read_json(path_of(1))["status"], "ok");
}

TEST_F(RunnerTest, DivergedCellsAreRecordedWithTheStepAndKeptByARerun) {
  ScriptedExecutor first;
  first.diverge_for = "harness_probe/nope/seed0";
  EXPECT_EQ(run(first).diverged, 1);
  const json diverged = read_json(path_of(0));
  EXPECT_EQ(diverged["status"], "diverged");
  EXPECT_EQ(diverged["error"]["step"], 2);
  ScriptedExecutor second;
  run(second);
  EXPECT_TRUE(second.calls.empty());
}

TEST_F(RunnerTest, UnreadableResultFileIsReplaced) {
  fs::create_directories(path_of(0).parent_path());
  std::ofstream(path_of(0)) << "{ truncated";
  ScriptedExecutor executor;
  run(executor);
  EXPECT_EQ(executor.calls.count("harness_probe/nope/seed0"), 1u);
  EXPECT_EQ(read_json(path_of(0))["status"], "ok");
}

TEST_F(RunnerTest, LeftoverTempFilesFromAKilledRunAreRemoved) {
  fs::create_directories(path_of(0).parent_path());
  const fs::path stale = path_of(0).parent_path() / ".seed0.json.12345.tmp";
  std::ofstream(stale) << "{\"partial\":";
  ScriptedExecutor executor;
  run(executor);
  EXPECT_FALSE(fs::exists(stale));
}

}  // namespace
