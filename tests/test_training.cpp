// Training and evaluation of one cell in process (harness/run/trainer.hpp,
// evaluator.hpp, cell_executor.hpp) on the probe task.
#include <gtest/gtest.h>

#include <cmath>

#include "harness/run/cell_executor.hpp"
#include "harness/run/trainer.hpp"
#include "tests/harness_fixtures.hpp"

using namespace pebench;
using pebench::testing::probe_suite;

namespace {

Cell probe_cell(const json& edits = json::object()) {
  json document = probe_suite();
  document.merge_patch(edits);
  return expand_grid(parse_suite(document, "probe", "suite probe.json")).at(0);
}

TEST(CurveSampler, AveragesEachIntervalAndKeepsAPartialLastOne) {
  CurveSampler sampler(2);
  sampler.add(1, 1.0, 0.0);
  sampler.add(2, 3.0, 1.0);
  sampler.add(3, 5.0, 0.5);
  sampler.flush();
  ASSERT_EQ(sampler.points().size(), 2u);
  EXPECT_EQ(sampler.points()[0].step, 2);
  EXPECT_DOUBLE_EQ(sampler.points()[0].loss, 2.0);
  EXPECT_DOUBLE_EQ(sampler.points()[0].accuracy, 0.5);
  EXPECT_EQ(sampler.points()[1].step, 3);
  EXPECT_DOUBLE_EQ(sampler.points()[1].loss, 5.0);
}

TEST(Training, RecordsEveryStepCurvePointsAndEvaluatesEverySplitAndLength) {
  const Cell cell = probe_cell({{"train", {{"steps", 6}, {"curve_points", 3}}}});
  const CellOutcome outcome = execute_cell(cell, CellHooks{});
  EXPECT_EQ(outcome.status, CellStatus::ok);
  EXPECT_EQ(outcome.steps_done, 6);
  ASSERT_EQ(outcome.curve.size(), 3u);
  EXPECT_EQ(outcome.curve.back().step, 6);
  EXPECT_GT(outcome.num_parameters, 0u);
  ASSERT_EQ(outcome.eval.splits.size(), 3u);
  EXPECT_EQ(outcome.eval.splits[1].points.size(), 8u);  // ood: 9..16
  for (const auto& split : outcome.eval.splits)
    for (const auto& point : split.points) {
      EXPECT_EQ(point.n, 8);
      EXPECT_GE(point.accuracy, 0.0);
      EXPECT_LE(point.accuracy, 1.0);
    }
  EXPECT_TRUE(std::isfinite(outcome.eval.ood_accuracy));
}

TEST(Training, ReportsEveryStepThroughTheHook) {
  std::vector<int> steps;
  CellHooks hooks;
  hooks.on_step = [&steps](int step, double loss) {
    steps.push_back(step);
    EXPECT_TRUE(std::isfinite(loss));
  };
  execute_cell(probe_cell(), hooks);
  EXPECT_EQ(steps, (std::vector<int>{1, 2, 3, 4}));
}

TEST(Training, EvalEveryEvaluatesDuringTrainingButNotAtTheLastStep) {
  const CellOutcome outcome = execute_cell(probe_cell({{"train", {{"steps", 6}, {"eval_every", 2}}}}), CellHooks{});
  ASSERT_EQ(outcome.training_evals.size(), 2u);
  EXPECT_EQ(outcome.training_evals[0].step, 2);
  EXPECT_EQ(outcome.training_evals[1].step, 4);
  EXPECT_EQ(outcome.training_evals[0].scores.splits.size(), 3u);
}

TEST(Training, NonFiniteLossStopsTrainingAsDivergedAtThatStepWithoutEvaluation) {
  const Cell cell = probe_cell({{"encodings", {{{"name", "harness_poison"}, {"options", {{"poison_after", 3}}}}}}});
  const CellOutcome outcome = execute_cell(cell, CellHooks{});
  EXPECT_EQ(outcome.status, CellStatus::diverged);
  EXPECT_EQ(outcome.failed_step, 3);
  EXPECT_EQ(outcome.steps_done, 3);
  EXPECT_NE(outcome.message.find("at step 3"), std::string::npos) << outcome.message;
  EXPECT_TRUE(outcome.eval.splits.empty());
}

TEST(Training, SameCellTwiceGivesBitIdenticalCurvesAndAccuracies) {
  const Cell cell = probe_cell({{"train", {{"steps", 8}, {"curve_points", 8}}}});
  const CellOutcome first = execute_cell(cell, CellHooks{});
  const CellOutcome second = execute_cell(cell, CellHooks{});
  for (size_t i = 0; i < first.curve.size(); ++i) EXPECT_EQ(first.curve[i].loss, second.curve[i].loss) << i;
  EXPECT_EQ(first.eval.ood_accuracy, second.eval.ood_accuracy);
}

TEST(Training, ModelSeedChangesTheCurve) {
  const CellOutcome seed0 = execute_cell(probe_cell({{"train", {{"curve_points", 4}}}}), CellHooks{});
  const CellOutcome seed1 =
      execute_cell(probe_cell({{"train", {{"curve_points", 4}}}, {"seeds", {1}}}), CellHooks{});
  EXPECT_NE(seed0.curve[0].loss, seed1.curve[0].loss);
}

}  // namespace
