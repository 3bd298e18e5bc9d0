// The shipped suites (harness/suites/*.json) parse and expand over every
// registered task and encoding: a new plugin that a suite cannot serve (a
// length above model.max_seq_len, a bad split) fails here, not in a user's run.
#include <gtest/gtest.h>

#include <algorithm>

#include "harness/config/grid.hpp"
#include "harness/config/suite_config.hpp"
#include "harness/config/suites.hpp"
#include "models/encoding.hpp"
#include "tasks/task.hpp"

using namespace pebench;

namespace {

TEST(ShippedSuites, AreSmokeQuickStandardAndFull) {
  EXPECT_EQ(shipped_suite_names(), (std::vector<std::string>{"full", "quick", "smoke", "standard"}));
}

TEST(ShippedSuites, EveryOneExpandsToAValidGrid) {
  for (const auto& name : shipped_suite_names()) {
    std::vector<Cell> cells;
    EXPECT_NO_THROW(cells = expand_grid(load_suite_file(shipped_suite_path(name)))) << name;
    EXPECT_FALSE(cells.empty()) << name;
  }
}

TEST(ShippedSuites, QuickIsEveryTaskTimesEveryEncodingTimesOneSeed) {
  const Suite suite = load_suite_file(shipped_suite_path("quick"));
  EXPECT_EQ(suite.tasks.size(), task_registry().names().size());
  EXPECT_EQ(suite.encodings.size(), encoding_registry().names().size());
  EXPECT_EQ(suite.seeds, std::vector<int>{0});
}

// The standard suite settles a comparison: three seeds, CHE's training
// lengths, at least 4 OOD lengths reaching 2.5x the longest training length,
// and at least 256 sequences per length (a per-length interval of at most
// about +-0.06).
TEST(ShippedSuites, StandardHasThreeSeedsFourOodLengthsTo2_5xAnd256Sequences) {
  const Suite suite = load_suite_file(shipped_suite_path("standard"));
  EXPECT_EQ(suite.tasks.size(), task_registry().names().size());
  EXPECT_EQ(suite.encodings.size(), encoding_registry().names().size());
  EXPECT_EQ(suite.seeds, (std::vector<int>{0, 1, 2}));
  for (const Cell& cell : expand_grid(suite)) {
    EXPECT_GE(cell.settings.eval.sequences, 256) << cell.task_label;
    // Memory tasks are shrunk, with their own OOD splits; every other task
    // trains on its own lengths (CHE: 1..40).
    if (cell.family == "memory") continue;
    std::vector<int> own_train_lengths;
    for (const auto& split : make_task(cell.task_name, json::object())->splits())
      if (split.kind == SplitKind::train) own_train_lengths = split.lengths;
    EXPECT_EQ(cell.train_lengths, own_train_lengths) << cell.task_label;
    for (const auto& split : cell.eval_splits)
      if (split.kind == SplitKind::ood) {
        EXPECT_GE(split.lengths.size(), 4u) << cell.task_label;
        EXPECT_GE(split.lengths.back(), 2.5 * cell.train_lengths.back()) << cell.task_label;
      }
  }
}

TEST(ShippedSuites, FullKeepsThePublishedCheProtocol) {
  const Suite suite = load_suite_file(shipped_suite_path("full"));
  const auto cells = expand_grid(suite);
  const auto parity = std::find_if(cells.begin(), cells.end(), [](const Cell& c) { return c.task_label == "parity_check"; });
  ASSERT_NE(parity, cells.end());
  const CellSettings& s = parity->settings;
  EXPECT_EQ(s.model.n_layers, 5);
  EXPECT_EQ(s.model.d_model, 64);
  EXPECT_EQ(s.model.n_heads, 8);
  EXPECT_EQ(s.model.d_ff, 256);
  EXPECT_EQ(s.train.batch_size, 128);
  EXPECT_DOUBLE_EQ(s.train.optimizer.clip_norm, 1.0);
  EXPECT_EQ(s.train.optimizer.schedule, Schedule::constant);
  EXPECT_EQ(s.eval.sequences, 512);
  EXPECT_EQ(parity->train_lengths.front(), 1);
  EXPECT_EQ(parity->train_lengths.back(), 40);
  for (const auto& split : parity->eval_splits)
    if (split.kind == SplitKind::ood) {
      EXPECT_EQ(split.lengths.front(), 41);
      EXPECT_EQ(split.lengths.back(), 500);
      EXPECT_EQ(split.lengths.size(), 460u);
    }
}

}  // namespace

// CoPE's table covers every position the full suite's selective copy can
// count (the paper's selective copy counts hundreds of non-blank tokens; a
// 64-row table would clamp them all to one position).
TEST(ShippedSuites, FullSelectiveCopyGivesCopeARowForEveryPositionOfItsLongestSequence) {
  const auto cells = expand_grid(load_suite_file(shipped_suite_path("full")));
  const auto cope = std::find_if(cells.begin(), cells.end(), [](const Cell& c) {
    return c.task_label == "selective_copy" && c.encoding_name == "cope";
  });
  ASSERT_NE(cope, cells.end());
  EXPECT_EQ(cope->encoding_params["npos"], "max_seq_len");
  ParamLayout layout;
  make_encoding<float>("cope", cope->encoding_params)->declare_parameters(layout, cope->settings.model);
  const int rows = layout.find("encoding.cope.layer0.e_left").shape[0];
  const auto task = make_task(cope->task_name, cope->task_options);
  int longest = 0;
  for (const auto& split : cope->eval_splits)
    for (int length : split.lengths) longest = std::max(longest, task->sequence_length(length));
  EXPECT_GE(rows, longest + 1) << "longest sequence " << longest;  // positions 0..T
}
