// Cell cost estimates (harness/run/cell_cost.hpp): counted in the engine's own
// terms, so the parameter count must equal the built model's, and the
// estimates must grow with what drives them.
#include <gtest/gtest.h>

#include "common/errors.hpp"
#include "harness/run/cell_cost.hpp"
#include "harness/config/grid.hpp"
#include "harness/config/suite_config.hpp"
#include "models/transformer.hpp"
#include "tests/harness_fixtures.hpp"

using namespace pebench;
using pebench::testing::probe_suite;

namespace {

Cell only_cell(const json& document) {
  const auto cells = expand_grid(parse_suite(document, "probe", "suite probe.json"));
  EXPECT_EQ(cells.size(), 1u);
  return cells.front();
}

CellCost cost_of(const json& document) {
  const Cell cell = only_cell(document);
  return estimate_cell_cost(cell, *make_task(cell.task_name, cell.task_options));
}

TEST(CellCost, ParametersAreExactlyThoseTheModelAllocates) {
  for (const char* encoding : {"nope", "learned", "rope", "alibi", "t5", "kerple_log", "fire", "cope", "dape_alibi", "txl", "mep_param", "bipe_rope"}) {
    json suite = probe_suite();
    suite["encodings"] = {encoding};
    const Cell cell = only_cell(suite);
    const Transformer<float> model(cell.settings.model, make_encoding<float>(cell.encoding_name, cell.encoding_params),
                                   1);
    EXPECT_EQ(cost_of(suite).parameters, static_cast<double>(model.num_parameters())) << encoding;
    suite["model"]["norm"] = "pre";  // adds the final LayerNorm
    const Cell pre_norm = only_cell(suite);
    const Transformer<float> pre_model(pre_norm.settings.model,
                                       make_encoding<float>(pre_norm.encoding_name, pre_norm.encoding_params), 1);
    EXPECT_EQ(cost_of(suite).parameters, static_cast<double>(pre_model.num_parameters())) << encoding << " pre-norm";
  }
}

TEST(CellCost, MemoryHoldsParametersGradientsAndBothAdamMoments) {
  const CellCost cost = cost_of(probe_suite());
  EXPECT_GE(cost.train_bytes, 16 * cost.parameters);
}

TEST(CellCost, MemoryGrowsWithTheBatchTheWidthAndTheLength) {
  const CellCost base = cost_of(probe_suite());
  json bigger_batch = probe_suite();
  bigger_batch["train"]["batch_size"] = 64;
  json wider = probe_suite();
  wider["model"]["d_model"] = 64;
  json longer = probe_suite();
  longer["train"]["lengths"] = {8};
  json shorter = probe_suite();
  shorter["train"]["lengths"] = {2};
  EXPECT_GT(cost_of(bigger_batch).train_bytes, base.train_bytes);
  EXPECT_GT(cost_of(wider).train_bytes, base.train_bytes);
  EXPECT_GT(cost_of(longer).train_bytes, cost_of(shorter).train_bytes);
}

TEST(CellCost, WorkIsProportionalToStepsAndEvaluationSequences) {
  json doubled = probe_suite();
  doubled["train"]["steps"] = 8;
  doubled["eval"]["sequences"] = 16;
  const CellCost base = cost_of(probe_suite()), twice = cost_of(doubled);
  EXPECT_DOUBLE_EQ(twice.train_flops, 2 * base.train_flops);
  EXPECT_DOUBLE_EQ(twice.eval_flops, 2 * base.eval_flops);
}

TEST(CellCost, TheMachineHasSomeMemory) { EXPECT_GT(machine_memory_bytes(), 64.0 * (1 << 20)); }

TEST(Grid, AGridOverTheCellCapIsRejectedBeforeItIsBuilt) {
  json suite = probe_suite();
  suite["tasks"] = "*";
  suite["seeds"] = "0-9999";
  try {
    expand_grid(parse_suite(suite, "probe", "suite probe.json"));
    FAIL() << "no error";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("more than one run may hold (20000)"), std::string::npos) << error.what();
  }
}

TEST(Grid, AZeroEpsIsRejectedBeforeAnyCellRuns) {
  json suite = probe_suite();
  suite["train"]["eps"] = 0;
  EXPECT_THROW(parse_suite(suite, "probe", "suite probe.json"), UsageError);
}

TEST(Grid, ASequenceLongerThanARandomizedEncodingsRangeIsRejected) {
  json suite = probe_suite();
  suite["encodings"] = {{{"name", "rand_rope"}, {"options", {{"max_length", 5}}}}};
  try {
    expand_grid(parse_suite(suite, "probe", "suite probe.json"));
    FAIL() << "no error";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("exceed its max_length 5"), std::string::npos) << error.what();
  }
}

}  // namespace
