// Evaluation fidelity (harness/run/evaluator.hpp, cell_executor.hpp): randomized
// encodings scored on one position draw per sequence, independent of the
// sub-batch size and thread count; the id_upper score; cells whose encoding
// does not apply to their task end as not_applicable without training, and
// the run and the reports say so.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>

#include "harness/run/cell_executor.hpp"
#include "harness/config/suite_config.hpp"
#include "harness/run/evaluator.hpp"
#include "harness/report/report_data.hpp"
#include "harness/report/report_render.hpp"
#include "harness/run/result_file.hpp"
#include "models/transformer.hpp"
#include "tests/cli_runner.hpp"
#include "tests/harness_fixtures.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

Cell cell_of(const json& edits) {
  json document = probe_suite();
  document.merge_patch(edits);
  return expand_grid(parse_suite(document, "probe", "suite probe.json")).at(0);
}

// A probe cell of a randomized encoding, evaluated on 64 sequences per length.
Cell randomized_cell(const std::string& encoding, int sub_batch) {
  return cell_of({{"encodings", {{{"name", encoding}, {"options", {{"max_length", 64}}}}}},
                  {"train", {{"steps", 3}}},
                  {"eval", {{"sequences", 64}, {"sub_batch", sub_batch}}}});
}

// Every number of an evaluation, in order.
std::vector<double> all_scores(const EvalScores& scores) {
  std::vector<double> out;
  for (const auto& split : scores.splits)
    for (const auto& point : split.points) {
      out.push_back(point.accuracy);
      out.push_back(point.sequence_accuracy);
    }
  out.push_back(scores.id_accuracy);
  out.push_back(scores.ood_accuracy);
  return out;
}

Batch probe_batch(int sequences, int length, uint64_t seed) {
  const auto task = make_task("harness_probe");
  Rng rng(seed, "data");
  return make_batch(*task, "ood", length, sequences, rng);
}

std::vector<uint64_t> seeds_from(uint64_t first, int count) {
  std::vector<uint64_t> seeds(count);
  for (int n = 0; n < count; ++n) seeds[n] = first + 977 * n;
  return seeds;
}

}  // namespace

// ---- per-sequence position draws ---------------------------------------------

// The model's side (each sequence's logits depend on its own seed only) is in
// tests/test_encoding_conformance.cpp for every encoding; here the evaluator
// gives every sequence its seed whatever sub-batch it lands in.
TEST(PerSequenceDraws, ScoresAreIdenticalForSubBatch1And7And64) {
  const std::vector<double> whole = all_scores(execute_cell(randomized_cell("rand_txl", 64), CellHooks{}).eval);
  EXPECT_EQ(all_scores(execute_cell(randomized_cell("rand_txl", 1), CellHooks{}).eval), whole);
  EXPECT_EQ(all_scores(execute_cell(randomized_cell("rand_txl", 7), CellHooks{}).eval), whole);
}

TEST(PerSequenceDraws, ScoresAreIdenticalForAnyThreadCount) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const std::vector<double> one = all_scores(execute_cell(randomized_cell("rand_txl", 7), CellHooks{}).eval);
  omp_set_num_threads(3);
  const std::vector<double> three = all_scores(execute_cell(randomized_cell("rand_txl", 7), CellHooks{}).eval);
  omp_set_num_threads(saved);
  EXPECT_EQ(one, three);
}

TEST(PerSequenceDraws, EvaluateRefusesASeedCountThatIsNotTheBatchSize) {
  ModelConfig config;
  config.input_vocab = 3;
  config.output_vocab = 2;
  config.d_model = 8;
  config.n_heads = 2;
  config.n_layers = 1;
  config.d_ff = 8;
  config.max_seq_len = 64;
  Transformer<float> model(config, make_encoding<float>("rand_rope"), 1);
  EXPECT_THROW(model.evaluate(probe_batch(4, 5, 1), seeds_from(1, 3)), std::invalid_argument);
}

// ---- id_upper ------------------------------------------------------------------

TEST(IdUpper, StartsAtTheMidpointOfTheTrainingLengthsRoundedUp) {
  std::vector<int> che(40);
  for (int n = 0; n < 40; ++n) che[n] = n + 1;
  EXPECT_EQ(upper_half_start(che), 21);
  EXPECT_EQ(upper_half_start({64}), 64);
  EXPECT_EQ(upper_half_start({1, 2, 3, 4, 5, 6, 7, 8}), 5);
  EXPECT_EQ(upper_half_start({}), 0);
}

TEST(IdUpper, IsTheMeanOverTheIdPointsInTheUpperHalf) {
  EvalScores scores;
  scores.id_upper_from = 3;
  SplitScore id{"id", SplitKind::id, {{1, 1.0, 1.0, 8}, {2, 0.9, 0.5, 8}, {3, 0.5, 0.0, 8}, {4, 0.3, 0.0, 8}}};
  SplitScore ood{"ood", SplitKind::ood, {{9, 0.1, 0.0, 8}}};
  scores.splits = {id, ood};
  aggregate_scores(scores);
  EXPECT_DOUBLE_EQ(scores.id_accuracy, (1.0 + 0.9 + 0.5 + 0.3) / 4);
  EXPECT_DOUBLE_EQ(scores.id_upper_accuracy, (0.5 + 0.3) / 2);
  EXPECT_DOUBLE_EQ(scores.ood_accuracy, 0.1);
}

TEST(IdUpper, IsWrittenNextToTheIdScoreOfEveryResult) {
  const Cell cell = cell_of({{"train", {{"steps", 3}}}});
  const CellOutcome outcome = execute_cell(cell, CellHooks{});
  ASSERT_EQ(outcome.status, CellStatus::ok);
  EXPECT_EQ(outcome.eval.id_upper_from, 5);  // probe trains on 1..8
  double sum = 0;
  for (const auto& point : outcome.eval.splits.at(0).points)
    if (point.length >= 5) sum += point.accuracy;
  EXPECT_DOUBLE_EQ(outcome.eval.id_upper_accuracy, sum / 4);
  const json result = ResultRecord::of(cell, outcome, json::object()).to_json();
  EXPECT_DOUBLE_EQ(result["eval"]["id_upper_accuracy"].get<double>(), outcome.eval.id_upper_accuracy);
  EXPECT_EQ(result["eval"]["id_upper_from"], 5);
}

// ---- not_applicable --------------------------------------------------------------

TEST(NotApplicable, ABipeCellOnATaskWithoutBoundariesEndsWithAReasonWithoutTraining) {
  const Cell cell = cell_of({{"encodings", {"bipe_rope"}}});
  int steps = 0;
  CellHooks hooks;
  hooks.on_step = [&steps](int, double) { ++steps; };
  const CellOutcome outcome = execute_cell(cell, hooks);
  EXPECT_EQ(outcome.status, CellStatus::not_applicable);
  EXPECT_NE(outcome.message.find("segment"), std::string::npos) << outcome.message;
  EXPECT_EQ(steps, 0);
  EXPECT_EQ(outcome.steps_done, 0);
  EXPECT_TRUE(outcome.eval.splits.empty());
  const json result = ResultRecord::of(cell, outcome, json::object()).to_json();
  EXPECT_EQ(result["status"], "not_applicable");
  EXPECT_EQ(result["reason"], outcome.message);
  EXPECT_FALSE(result.contains("error"));
}

TEST(NotApplicable, ReportsShowNaAndLeaveItOutOfTheRanking) {
  const Cell bipe = cell_of({{"encodings", {"bipe_rope"}}});
  const Cell nope = cell_of({{"train", {{"steps", 2}}}});
  LoadedResults loaded;
  loaded.records.push_back(
      seed_result(ResultRecord::of(bipe, execute_cell(bipe, CellHooks{}), json::object()), "bipe.json"));
  loaded.records.push_back(
      seed_result(ResultRecord::of(nope, execute_cell(nope, CellHooks{}), json::object()), "nope.json"));
  const Report report = build_report(loaded, "test");
  const Entry& entry = report.entry("harness_probe", "bipe_rope");
  EXPECT_FALSE(entry.missing());
  EXPECT_EQ(entry.not_applicable, 1);
  EXPECT_EQ(entry_status(entry), "not_applicable");
  EXPECT_EQ(entry_text(entry, true), "n/a");
  EXPECT_EQ(entry_text(entry, false), "n/a");
  const auto& ranked = report.ranking.encodings;
  EXPECT_EQ(std::find(ranked.begin(), ranked.end(), "bipe_rope"), ranked.end());
  EXPECT_NE(report_printers().get("csv").render(report).find("not_applicable"), std::string::npos);
}

// End to end on a small model: bipe_rope on reverse_string (no boundary
// tokens) ends as not_applicable in one line, learned trains.
TEST(NotApplicable, RunSaysSoInOneLineAndGoesOn) {
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  const auto dir = fresh_temp_dir("not_applicable");
  const json suite = {
      {"model", {{"d_model", 16}, {"n_layers", 1}, {"n_heads", 2}, {"d_ff", 16}, {"max_seq_len", 64}}},
      {"train", {{"steps", 5}, {"batch_size", 4}, {"lengths", {{"from", 1}, {"to", 6}}}}},
      {"eval", {{"sequences", 4}, {"sub_batch", 4}, {"lengths", {{"id", {3, 6}}, {"ood", {8}}}}}},
      {"tasks", {"reverse_string"}},
      {"encodings", {"bipe_rope", "learned"}},
      {"seeds", {0}}};
  const auto config = write_suite(dir, "suite.json", suite);
  const CliResult result = run_pebench("run --config " + config.string() + " --out " + (dir / "out").string());
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(read_json(dir / "out/reverse_string/bipe_rope/seed0.json")["status"], "not_applicable");
  EXPECT_EQ(read_json(dir / "out/reverse_string/learned/seed0.json")["status"], "ok");
  // The cell's progress line gives the status and the reason on one line.
  const size_t line = result.err.find("reverse_string/bipe_rope/seed0  not_applicable");
  ASSERT_NE(line, std::string::npos) << result.err;
  const std::string text = result.err.substr(line, result.err.find('\n', line) - line);
  EXPECT_NE(text.find("has no segment-boundary tokens"), std::string::npos) << text;
  EXPECT_NE(read_text(dir / "out/report.md").find("n/a"), std::string::npos);
  std::filesystem::remove_all(dir);
}
