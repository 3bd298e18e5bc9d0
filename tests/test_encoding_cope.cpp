// cope: contextual positions, closed-form logits, the exact backward through
// the gates (causal, bidirectional, clamped), options.
#include <gtest/gtest.h>

#include <cmath>

#include "common/errors.hpp"
#include "encoding_hooks.hpp"
#include "models/encodings/support/cope_positions.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

// Fills every CoPE table of the fixture with N(0, scale) values (the init is 0).
void randomize_tables(HookHarness& f, double scale = 0.5, uint64_t seed = 21) {
  Rng rng(seed, "tables");
  for (double& value : f.params()) value = scale * rng.normal();
}

// CoPE logits written from the paper's equations, independent of the plugin.
std::vector<double> cope_closed_form(const HookHarness& f, const std::vector<double>& q, const std::vector<double>& k,
                                     int layer, int npos, bool scaled) {
  const int T = f.context().seq_len, dh = f.context().d_head;
  const std::string prefix = "encoding.cope.layer" + std::to_string(layer) + ".";
  const double* e_left = f.params().data() + f.layout().find(prefix + "e_left").offset;
  const double* e_right = f.params().data() + f.layout().find(prefix + "e_right").offset;
  std::vector<double> s = f.raw_logits(q, k), out = s;
  for (int head = 0; head < f.context().batch * f.context().n_heads; ++head)
    for (int i = 0; i < T; ++i)
      for (int j = 0; j < T; ++j) {
        if (f.context().causal && j > i) continue;
        double p = 0;
        for (int t = std::min(i, j); t <= std::max(i, j); ++t)
          p += 1.0 / (1.0 + std::exp(-s[(static_cast<size_t>(head) * T + i) * T + t]));
        p = std::min(p, double(npos - 1));
        const double* e = j <= i ? e_left : e_right;
        auto z = [&](int r) {
          double dot = 0;
          for (int c = 0; c < dh; ++c) dot += q[(head * T + i) * dh + c] * e[r * dh + c];
          return dot;
        };
        const double w = p - std::floor(p);
        const double c = (1 - w) * z(int(std::floor(p))) + w * z(int(std::ceil(p)));
        out[(static_cast<size_t>(head) * T + i) * T + j] += scaled ? c / std::sqrt(double(dh)) : c;
      }
  return out;
}


void expect_closed_form(bool causal, int npos, bool scaled, int seq_len = 7) {
  const json options = {{"npos", npos}, {"scale_position_logits", scaled}};
  HookHarness f("cope", options, HookShape{2, 2, 4, 2, seq_len}, causal, kSingleHookSeed);
  randomize_tables(f);
  Rng rng(5);
  const auto q = random_vector(f.qk_size(), rng), k = random_vector(f.qk_size(), rng);
  const auto actual = f.logits(q, k, 1), expected = cope_closed_form(f, q, k, 1, npos, scaled);
  const int T = f.context().seq_len;
  for (size_t e = 0; e < actual.size(); ++e) {
    if (causal && int(e % T) > int((e / T) % T)) continue;
    EXPECT_NEAR(actual[e], expected[e], 1e-12) << "entry " << e;
  }
}

}  // namespace

TEST(CopePositions, EqualIMinusJPlusOneWhenEveryGateIsOne) {
  const int T = 9;
  const std::vector<double> gates(T, 1.0);
  std::vector<double> positions(T, -1.0);
  cope_row_positions(positions.data(), gates.data(), 6, T, true, 100.0);
  for (int j = 0; j <= 6; ++j) EXPECT_EQ(positions[j], 6 - j + 1) << j;
  for (int j = 7; j < T; ++j) EXPECT_EQ(positions[j], -1.0) << "causal rows leave future keys alone";
  cope_row_positions(positions.data(), gates.data(), 3, T, false, 100.0);
  for (int j = 0; j < T; ++j) EXPECT_EQ(positions[j], std::abs(3 - j) + 1) << j;
}

TEST(CopePositions, ClampAtTheLastEmbeddingPosition) {
  const std::vector<double> gates(8, 1.0);
  std::vector<double> positions(8);
  cope_row_positions(positions.data(), gates.data(), 7, 8, true, 4.0);
  EXPECT_EQ(positions, (std::vector<double>{4, 4, 4, 4, 4, 3, 2, 1}));
}

TEST(CopePositions, CountOnlyTheGatesBetweenKeyAndQuery) {
  const std::vector<double> gates = {0.5, 0.25, 1.0, 0.125, 0.0};
  std::vector<double> positions(5);
  cope_row_positions(positions.data(), gates.data(), 2, 5, false, 100.0);
  EXPECT_EQ(positions, (std::vector<double>{1.75, 1.25, 1.0, 1.125, 1.125}));
}

// The plugin handles query rows in groups of kCopeMaxGroupRows; a group must
// give each row exactly what the row alone gives, in every lane and at the
// short last group.
TEST(CopePositions, AGroupOfRowsEqualsEachRowAloneBitForBit) {
  const int T = 21;
  Rng rng(8);
  std::vector<float> gates(kCopeMaxGroupRows * T);
  for (float& gate : gates) gate = static_cast<float>(rng.uniform());
  for (const bool causal : {true, false})
    for (const int first : {0, 8, 16}) {
      const int rows = std::min(kCopeMaxGroupRows, T - first);
      std::vector<float> grouped(gates.size(), -1.0f);
      cope_group_positions(grouped.data(), gates.data(), first, rows, T, causal, 6.5f);
      for (int r = 0; r < rows; ++r) {
        std::vector<float> alone(T, -1.0f);
        cope_row_positions(alone.data(), gates.data() + r * T, first + r, T, causal, 6.5f);
        for (int j = 0; j < T; ++j)
          EXPECT_EQ(grouped[r * T + j], alone[j]) << "causal " << causal << ", query " << first + r << ", key " << j;
      }
    }
}

TEST(Cope, LogitsAreUnchangedAtTheZeroInit) {
  HookHarness f("cope", json(), HookShape{2, 2, 4, 2, 6}, false, kSingleHookSeed);
  Rng rng(4);
  const auto q = random_vector(f.qk_size(), rng), k = random_vector(f.qk_size(), rng);
  EXPECT_EQ(f.logits(q, k, 0), f.raw_logits(q, k));
}

TEST(Cope, LogitsMatchTheClosedFormCausal) { expect_closed_form(true, 64, true); }
TEST(Cope, LogitsMatchTheClosedFormBidirectional) { expect_closed_form(false, 64, true); }
TEST(Cope, LogitsMatchTheClosedFormWhenPositionsClamp) { expect_closed_form(false, 3, true); }
TEST(Cope, LogitsMatchTheClosedFormUnscaled) { expect_closed_form(true, 5, false); }
// 19 query rows: two full groups of 8 and a last one of 3.
TEST(Cope, LogitsMatchTheClosedFormOverSeveralRowGroupsCausal) { expect_closed_form(true, 64, true, 19); }
TEST(Cope, LogitsMatchTheClosedFormOverSeveralRowGroupsBidirectional) { expect_closed_form(false, 64, true, 19); }
TEST(Cope, LogitsMatchTheClosedFormOverSeveralRowGroupsWhenPositionsClamp) {
  expect_closed_form(false, 6, true, 19);
}

TEST(Cope, LogitsHookGradientsMatchFiniteDifferencesCausal) {
  HookHarness f("cope", json(), HookShape{2, 2, 4, 2, 6}, true, kSingleHookSeed);
  randomize_tables(f);
  f.check_logits_hook(1);
}

TEST(Cope, LogitsHookGradientsMatchFiniteDifferencesBidirectional) {
  HookHarness f("cope", json(), HookShape{2, 2, 4, 2, 6}, false, kSingleHookSeed);
  randomize_tables(f);
  f.check_logits_hook(0);
}

TEST(Cope, LogitsHookGradientsMatchFiniteDifferencesWhenPositionsClamp) {
  HookHarness f("cope", json{{"npos", 3}, {"scale_position_logits", false}}, HookShape{2, 2, 4, 2, 7}, false,
                kSingleHookSeed);
  randomize_tables(f);
  f.check_logits_hook(1);
}

TEST(Cope, LogitsHookGradientsMatchFiniteDifferencesOverSeveralRowGroupsCausal) {
  HookHarness f("cope", json(), HookShape{1, 2, 4, 2, 19}, true, kSingleHookSeed);
  randomize_tables(f);
  f.check_logits_hook(1);
}

TEST(Cope, LogitsHookGradientsMatchFiniteDifferencesOverSeveralRowGroupsBidirectional) {
  HookHarness f("cope", json{{"npos", 6}}, HookShape{1, 2, 4, 2, 19}, false, kSingleHookSeed);
  randomize_tables(f);
  f.check_logits_hook(0);
}

TEST(Cope, LogitsHookGradientsMatchFiniteDifferencesAtTheZeroInit) {
  HookHarness f("cope", json(), HookShape{2, 2, 4, 2, 5}, true, kSingleHookSeed);
  f.check_logits_hook(0);
}

TEST(Cope, AtTheZeroInitOnlyTheTablesGetGradient) {
  // z = 0 everywhere, so the gates (and through them q, k) get nothing from
  // CoPE, while the tables learn from the first step.
  HookHarness f("cope", json(), HookShape{2, 2, 4, 2, 5}, true, kSingleHookSeed);
  Rng rng(9);
  const auto q = random_vector(f.qk_size(), rng), k = random_vector(f.qk_size(), rng);
  f.logits(q, k, 0);
  const auto w = f.random_logit_weights(rng);
  auto ds = w;
  std::vector<double> dq(f.qk_size(), 0.0), dk(f.qk_size(), 0.0);
  f.encoding().logits_backward(ds.data(), dq.data(), dk.data(), q.data(), k.data(), 0, f.context());
  EXPECT_EQ(ds, w);
  EXPECT_EQ(dk, std::vector<double>(f.qk_size(), 0.0));
  double table_gradient = 0;
  for (size_t e = 0; e < f.layout().find("encoding.cope.layer0.e_left").size; ++e)
    table_gradient += std::abs(f.grads()[e]);
  EXPECT_GT(table_gradient, 0.0);
}

TEST(Cope, DeclaresLeftAndRightTablesPerLayer) {
  HookHarness f("cope", json{{"npos", 10}}, HookShape{1, 2, 4, 3, 2}, true, kSingleHookSeed);
  EXPECT_EQ(f.layout().find("encoding.cope.layer2.e_left").shape, (std::vector<int>{10, 4}));
  EXPECT_EQ(f.layout().find("encoding.cope.layer0.e_right").shape, (std::vector<int>{10, 4}));
  EXPECT_EQ(f.layout().tensors().size(), 6u);
}

TEST(Cope, InitStdDrawsNonzeroTables) {
  HookHarness zero("cope", json(), HookShape{1, 2, 4, 2, 2}, true, kSingleHookSeed);
  HookHarness drawn("cope", json{{"init_std", 0.1}}, HookShape{1, 2, 4, 2, 2}, true, kSingleHookSeed);
  EXPECT_EQ(zero.params(), std::vector<double>(zero.params().size(), 0.0));
  double sum_squares = 0;
  for (double value : drawn.params()) sum_squares += value * value;
  EXPECT_NEAR(std::sqrt(sum_squares / drawn.params().size()), 0.1, 0.03);
}

// RAM sizes the table to the context (block size + 1): by default npos covers
// every position a sequence the model accepts can count, 0..max_seq_len.
TEST(Cope, DefaultTableCoversTheModelsMaxSeqLen) {
  ModelConfig config;
  config.n_heads = 2;
  config.d_model = 8;
  config.n_layers = 1;
  config.max_seq_len = 300;
  ParamLayout layout;
  make_encoding<double>("cope")->declare_parameters(layout, config);
  EXPECT_EQ(layout.find("encoding.cope.layer0.e_left").shape, (std::vector<int>{301, 4}));
  ParamLayout fixed;
  make_encoding<double>("cope", json{{"npos", 64}})->declare_parameters(fixed, config);
  EXPECT_EQ(fixed.find("encoding.cope.layer0.e_right").shape, (std::vector<int>{64, 4}));
}

// A table larger than the sequence: only rows 0..T can be reached, and the
// logits equal those of a table cut to T + 1 rows (no clamping either way).
TEST(Cope, ATableLongerThanTheSequenceGivesTheSameLogitsAsOneCutToIt) {
  for (bool causal : {true, false}) {
    HookHarness big("cope", json{{"npos", 40}, {"init_std", 0.5}}, HookShape{2, 2, 4, 1, 7}, causal, kSingleHookSeed);
    HookHarness cut("cope", json{{"npos", 8}, {"init_std", 0.5}}, HookShape{2, 2, 4, 1, 7}, causal, kSingleHookSeed);
    for (const char* side : {"encoding.cope.layer0.e_left", "encoding.cope.layer0.e_right"})
      for (size_t e = 0; e < 8 * 4; ++e) cut.param(side, e) = big.param(side, e);
    const auto a = big.logits(0), b = cut.logits(0);
    for (int i = 0; i < 7; ++i)
      for (int j = 0; j < 7; ++j)
        if (big.kept(i, j)) {
          EXPECT_NEAR(a[big.at(1, 1, i, j)], b[cut.at(1, 1, i, j)], 1e-12) << i << "," << j;
        }
  }
}

TEST(Cope, ReportsAndValidatesItsOptions) {
  EXPECT_EQ(make_encoding<float>("cope")->options(),
            (json{{"npos", "max_seq_len"}, {"scale_position_logits", true}, {"init_std", 0.0}}));
  EXPECT_EQ(make_encoding<float>("cope", json{{"npos", "max_seq_len"}})->options()["npos"], "max_seq_len");
  EXPECT_THROW(make_encoding<float>("cope", json{{"npos", "context"}}), UsageError);
  EXPECT_EQ(make_encoding<float>("cope", json{{"npos", 513}})->options()["npos"], 513);
  EXPECT_THROW(make_encoding<float>("cope", json{{"npos", 1}}), UsageError);
  EXPECT_THROW(make_encoding<float>("cope", json{{"npos", 12.5}}), UsageError);
  EXPECT_THROW(make_encoding<float>("cope", json{{"scale_position_logits", 1}}), UsageError);
  EXPECT_THROW(make_encoding<float>("cope", json{{"n_pos", 64}}), UsageError);
  EXPECT_THROW(make_encoding<float>("cope", json{{"init_std", -0.1}}), UsageError);
}
