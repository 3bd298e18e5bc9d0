// cope: contextual positions, closed-form logits, the exact backward through
// the gates (causal, bidirectional, clamped), options.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "common/errors.hpp"
#include "encoding_hooks.hpp"
#include "models/encodings/support/cope_lanes.hpp"
#include "models/encodings/support/cope_positions.hpp"
#include "models/layers.hpp"

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

// ---------------------------------------------------------------------------
// The lane kernels (models/encodings/support/cope_lanes.hpp): 16 query rows
// side by side must give exactly the row-by-row passes' bits.

namespace {

bool lanes_run_here() {
  attention_allow_avx512(true);
  return cope_lanes_enabled();
}

void expect_same_bits(const std::vector<float>& a, const std::vector<float>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t e = 0; e < a.size(); ++e)
    ASSERT_EQ(std::memcmp(&a[e], &b[e], sizeof(float)), 0) << what << ", element " << e << ": " << a[e] << " vs " << b[e];
}

// Gates in [0, 1], with exact 0s and 1s among them (integer positions).
std::vector<float> random_gates(size_t n, Rng& rng) {
  std::vector<float> gates(n);
  for (float& gate : gates) {
    const double u = rng.uniform();
    gate = u < 0.15 ? 1.0f : u < 0.2 ? 0.0f : static_cast<float>(rng.uniform());
  }
  return gates;
}

// The groups a pass over T query rows makes, in lane groups of 16.
std::vector<CopeLaneGroup> lane_groups(int T, bool causal) {
  std::vector<CopeLaneGroup> groups;
  for (int first = 0; first < T; first += kCopeLaneRows)
    groups.push_back({first, std::min(kCopeLaneRows, T - first), T, causal});
  return groups;
}

// A CoPE layer in float, driven through its hooks: raw scores in, scores
// out; dscores in, dscores, dq and the tables' gradients out.
struct FloatCopeLayer {
  std::unique_ptr<Encoding<float>> cope;
  ParamLayout layout;
  std::vector<float> params, grads;
  EncodingContext ctx;

  FloatCopeLayer(const json& options, int batch, int heads, int d_head, int seq_len, bool causal) {
    cope = make_encoding<float>("cope", options);
    ModelConfig config;
    config.n_heads = heads;
    config.d_model = heads * d_head;
    config.n_layers = 1;
    config.max_seq_len = seq_len;
    cope->declare_parameters(layout, config);
    params.assign(layout.total_size(), 0.0f);
    grads.assign(layout.total_size(), 0.0f);
    Rng init(3, "init");
    layout.initialize(params.data(), init);
    cope->bind(params.data(), grads.data());
    ctx.batch = batch;
    ctx.seq_len = seq_len;
    ctx.d_model = config.d_model;
    ctx.n_heads = heads;
    ctx.d_head = d_head;
    ctx.n_layers = 1;
    ctx.causal = causal;
    ctx.training = true;
  }

  // Everything a forward and a backward produce, in one vector.
  std::vector<float> run(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& dscores) {
    const int T = ctx.seq_len;
    const size_t units = static_cast<size_t>(ctx.batch) * ctx.n_heads;
    std::vector<float> scores(units * T * T);
    head_product_abt_reference(scores, q, k, units);
    cope->logits_forward(scores.data(), q.data(), k.data(), 0, ctx);
    std::vector<float> ds = dscores, dq(q.size(), 0.0f), dk(k.size(), 0.0f);
    std::fill(grads.begin(), grads.end(), 0.0f);
    cope->logits_backward(ds.data(), dq.data(), dk.data(), q.data(), k.data(), 0, ctx);
    std::vector<float> out;
    for (size_t e = 0; e < scores.size(); ++e)
      if (!ctx.causal || int(e % T) <= int(e / T % T)) out.insert(out.end(), {scores[e], ds[e]});
    out.insert(out.end(), dq.begin(), dq.end());
    out.insert(out.end(), grads.begin(), grads.end());
    return out;
  }

  // Raw scores q·kᵀ/sqrt(d_h) by the kernel the attention uses (so that the
  // backward's recomputed gates see the same values).
  void head_product_abt_reference(std::vector<float>& scores, const std::vector<float>& q,
                                  const std::vector<float>& k, size_t units) const {
    const int T = ctx.seq_len, dh = ctx.d_head;
    for (size_t unit = 0; unit < units; ++unit)
      head_product_abt(scores.data() + unit * T * T, q.data() + unit * T * dh, k.data() + unit * T * dh,
                       1.0f / std::sqrt(static_cast<float>(dh)), T, T, dh);
  }
};

// The whole hook, lanes against rows: scores, dscores, dq and the tables'
// gradients bit for bit. Large raw scores saturate gates to exactly 1, so
// integer positions (⌈p⌉ = ⌊p⌋) and, with a short table, clamps occur.
void expect_lanes_keep_the_hooks_bits(int seq_len, int npos, bool causal) {
  FloatCopeLayer layer(json{{"npos", npos}, {"init_std", 0.7}}, 2, 3, 8, seq_len, causal);
  Rng rng(17);
  const size_t qk = static_cast<size_t>(2) * 3 * seq_len * 8, logits = static_cast<size_t>(2) * 3 * seq_len * seq_len;
  std::vector<float> q(qk), k(qk), dscores(logits);
  for (size_t e = 0; e < qk; ++e) {
    q[e] = static_cast<float>(rng.normal() * (e % 5 == 0 ? 12.0 : 1.0));
    k[e] = static_cast<float>(rng.normal());
  }
  for (float& d : dscores) d = static_cast<float>(rng.normal());
  const std::vector<float> in_lanes = layer.run(q, k, dscores);
  attention_allow_avx512(false);
  const std::vector<float> in_rows = layer.run(q, k, dscores);
  attention_allow_avx512(true);
  expect_same_bits(in_lanes, in_rows, "T " + std::to_string(seq_len) + ", npos " + std::to_string(npos));
}

}  // namespace

TEST(CopeLanes, RowsToLanesPutsKeyJOfRowRAtJTimes16PlusR) {
  if (!lanes_run_here()) GTEST_SKIP() << "this CPU has no AVX-512";
  for (const int T : {5, 16, 37})
    for (const int rows : {1, 7, 16}) {
      std::vector<float> in(static_cast<size_t>(rows) * T), lanes(static_cast<size_t>(T) * kCopeLaneRows, -1.0f);
      for (size_t e = 0; e < in.size(); ++e) in[e] = static_cast<float>(e) + 0.5f;
      const CopeLaneGroup group{0, rows, T, false};
      cope_rows_to_lanes(lanes.data(), in.data(), group);
      for (int j = 0; j < T; ++j)
        for (int r = 0; r < kCopeLaneRows; ++r)
          ASSERT_EQ(lanes[j * kCopeLaneRows + r], r < rows ? in[r * T + j] : 0.0f) << T << " " << rows << " " << j << " " << r;
      std::vector<float> back(in.size(), -1.0f);
      cope_lanes_to_rows(back.data(), lanes.data(), group);
      EXPECT_EQ(back, in);
    }
}

TEST(CopeLanes, PositionsEqualTheRowPassBitForBit) {
  if (!lanes_run_here()) GTEST_SKIP() << "this CPU has no AVX-512";
  Rng rng(4);
  for (const int T : {9, 16, 37})
    for (const bool causal : {true, false})
      for (const float max_position : {3.0f, 100.0f})
        for (const CopeLaneGroup& group : lane_groups(T, causal)) {
          const std::vector<float> gates = random_gates(static_cast<size_t>(group.rows) * T, rng);
          std::vector<float> gates_in_lanes(static_cast<size_t>(T) * kCopeLaneRows);
          std::vector<float> in_lanes(gates_in_lanes.size(), -1.0f), in_rows(gates.size(), -1.0f);
          std::vector<float> lanes_in_rows(gates.size(), -1.0f);
          cope_rows_to_lanes(gates_in_lanes.data(), gates.data(), group);
          cope_lane_positions(in_lanes.data(), gates_in_lanes.data(), group, max_position);
          cope_lanes_to_rows(lanes_in_rows.data(), in_lanes.data(), group);
          for (int r = 0; r < group.rows; ++r)
            cope_row_positions(in_rows.data() + r * T, gates.data() + r * T, group.first + r, T, causal, max_position);
          for (int r = 0; r < group.rows; ++r)
            for (int j = 0; j <= (causal ? group.first + r : T - 1); ++j)
              ASSERT_EQ(lanes_in_rows[r * T + j], in_rows[r * T + j])
                  << "T " << T << ", causal " << causal << ", query " << group.first + r << ", key " << j;
        }
}

// The interpolation's adjoint against the row-by-row loop it replaces
// (keys in order, dz[⌊p⌋] += dc·(1 − w) then dz[⌈p⌉] += dc·w, fused), on
// hand-made monotone positions that also jump by several entries at once,
// sit on integers and at the table's last row.
TEST(CopeLanes, InterpolatedBackwardEqualsTheKeyByKeyAdjoint) {
  if (!lanes_run_here()) GTEST_SKIP() << "this CPU has no AVX-512";
  const int T = 21, width = 9;
  Rng rng(6);
  for (const bool causal : {true, false})
    for (const CopeLaneGroup& group : lane_groups(T, causal)) {
      // Row r's positions: walking away from the query they grow by steps of 0, 1/4, 1, 2.5 or 3.
      std::vector<float> positions(static_cast<size_t>(group.rows) * T, 0.0f);
      const float steps[] = {0.0f, 0.25f, 1.0f, 2.5f, 3.0f};
      for (int r = 0; r < group.rows; ++r) {
        const int i = group.first + r;
        auto walk = [&](int from, int to, int step) {
          float p = 0.5f * static_cast<float>(rng.uniform_int(0, 2));
          for (int j = from; j != to; j += step) {
            p = std::min(p + steps[rng.uniform_int(0, 4)], static_cast<float>(width - 1));
            positions[r * T + j] = p;
          }
        };
        walk(i, -1, -1);
        if (!causal) walk(i + 1, T, 1);
      }
      const int sides = causal ? 1 : 2;
      std::vector<float> z(static_cast<size_t>(sides) * T * width), dscores(positions.size());
      for (float& v : z) v = static_cast<float>(rng.normal());
      for (float& v : dscores) v = static_cast<float>(rng.normal());
      const float scale = 0.375f;
      // Key by key, as CoPE's row pass does.
      std::vector<float> dz_rows(z.size(), 0.0f), dp_rows(positions.size(), 0.0f);
      for (int r = 0; r < group.rows; ++r) {
        const int i = group.first + r;
        for (int j = 0; j <= (causal ? i : T - 1); ++j) {
          const size_t row = static_cast<size_t>(j <= i ? 0 : T * width) + static_cast<size_t>(i) * width;
          const float p = positions[r * T + j], dc = dscores[r * T + j] * scale;
          const int low = static_cast<int>(p), high = low + (p > static_cast<float>(low));
          const float w = p - static_cast<float>(low);
          dp_rows[r * T + j] = (z[row + high] - z[row + low]) * dc;
          dz_rows[row + low] = std::fma(dc, 1.0f - w, dz_rows[row + low]);
          dz_rows[row + high] = std::fma(w, dc, dz_rows[row + high]);
        }
      }
      std::vector<float> p_lanes(static_cast<size_t>(T) * kCopeLaneRows), ds_lanes(p_lanes.size());
      std::vector<float> dp_lanes(p_lanes.size(), 0.0f), dz_lanes(z.size(), 0.0f), dp_back(positions.size(), 0.0f);
      cope_rows_to_lanes(p_lanes.data(), positions.data(), group);
      cope_rows_to_lanes(ds_lanes.data(), dscores.data(), group);
      cope_lane_interpolated_backward(dp_lanes.data(), {z.data(), dz_lanes.data(), width, T * width}, ds_lanes.data(),
                                      p_lanes.data(), scale, group);
      cope_lanes_to_rows(dp_back.data(), dp_lanes.data(), group);
      const std::string where = "causal " + std::to_string(causal) + ", first " + std::to_string(group.first);
      expect_same_bits(dz_lanes, dz_rows, "dz, " + where);
      for (int r = 0; r < group.rows; ++r)
        for (int j = 0; j <= (causal ? group.first + r : T - 1); ++j)
          ASSERT_EQ(dp_back[r * T + j], dp_rows[r * T + j]) << where << ", row " << r << ", key " << j;
    }
}

TEST(CopeLanes, HookGivesTheRowPassBitsCausal) {
  if (!lanes_run_here()) GTEST_SKIP() << "this CPU has no AVX-512";
  expect_lanes_keep_the_hooks_bits(37, 38, true);
}
TEST(CopeLanes, HookGivesTheRowPassBitsBidirectional) {
  if (!lanes_run_here()) GTEST_SKIP() << "this CPU has no AVX-512";
  expect_lanes_keep_the_hooks_bits(37, 38, false);
}
TEST(CopeLanes, HookGivesTheRowPassBitsWhenPositionsClamp) {
  if (!lanes_run_here()) GTEST_SKIP() << "this CPU has no AVX-512";
  for (const bool causal : {true, false}) expect_lanes_keep_the_hooks_bits(48, 6, causal);
}
TEST(CopeLanes, HookGivesTheRowPassBitsOnAShortSequence) {
  if (!lanes_run_here()) GTEST_SKIP() << "this CPU has no AVX-512";
  for (const bool causal : {true, false}) expect_lanes_keep_the_hooks_bits(5, 6, causal);
}
