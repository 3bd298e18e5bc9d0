// Known properties of the five baseline encodings (nope, sinusoidal, learned,
// rope, alibi), checked through the hooks the transformer calls.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "common/errors.hpp"
#include "models/transformer.hpp"
#include "tests/model_fixtures.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

EncodingContext context(int batch, int seq_len, int d_model, int heads, bool causal) {
  EncodingContext ctx;
  ctx.batch = batch;
  ctx.seq_len = seq_len;
  ctx.d_model = d_model;
  ctx.n_heads = heads;
  ctx.d_head = d_model / heads;
  ctx.n_layers = 1;
  ctx.causal = causal;
  return ctx;
}

// An encoding whose declare_parameters has run (as the model would).
std::unique_ptr<Encoding<double>> prepared(const std::string& name, const ModelConfig& config,
                                           const json& options = json()) {
  auto encoding = make_encoding<double>(name, options);
  ParamLayout layout;
  encoding->declare_parameters(layout, config);
  return encoding;
}

TEST(BaselineEncodings, AreRegistered) {
  const auto names = encoding_registry().names();
  for (const char* name : {"nope", "sinusoidal", "learned", "rope", "alibi"})
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
}

// ------------------------------------------------------------------ rope

// q'_i·k'_j after hook 2, for one head, with the same q and k at every position.
std::vector<double> rope_scores(const EncodingContext& ctx, const json& options = json()) {
  auto rope = make_encoding<double>("rope", options);
  const int T = ctx.seq_len, d = ctx.d_head;
  std::vector<double> q(T * d), k(T * d);
  for (int t = 0; t < T; ++t)
    for (int e = 0; e < d; ++e) {
      q[t * d + e] = std::sin(1.0 + e);
      k[t * d + e] = std::cos(0.5 * e);
    }
  rope->begin_forward(ctx);
  rope->qk_forward(q.data(), k.data(), 0, ctx);
  std::vector<double> scores(T * T);
  for (int i = 0; i < T; ++i)
    for (int j = 0; j < T; ++j)
      scores[i * T + j] = std::inner_product(q.begin() + i * d, q.begin() + (i + 1) * d, k.begin() + j * d, 0.0);
  return scores;
}

TEST(Rope, ScoresAfterTheHookDependOnlyOnTheOffset) {
  const EncodingContext ctx = context(1, 12, 8, 1, false);
  const auto scores = rope_scores(ctx);
  const int T = ctx.seq_len;
  for (int i = 0; i + 3 < T; ++i)
    for (int j = 0; j + 3 < T; ++j) ASSERT_NEAR(scores[i * T + j], scores[(i + 3) * T + j + 3], 1e-12) << i << "," << j;
  EXPECT_GT(std::abs(scores[5 * T + 2] - scores[5 * T + 3]), 1e-3) << "scores must depend on the offset";
  EXPECT_GT(std::abs(scores[5 * T + 2] - scores[2 * T + 5]), 1e-3) << "and on its sign";
}

TEST(Rope, BackwardIsTheTransposedRotation) {
  const EncodingContext ctx = context(2, 5, 12, 3, true);
  auto rope = make_encoding<double>("rope");
  const size_t n = 2 * 3 * 5 * 4;
  std::vector<double> x(n), y(n), dy(n), dx;
  Rng rng(1);
  for (size_t i = 0; i < n; ++i) {
    x[i] = rng.normal();
    dy[i] = rng.normal();
  }
  rope->begin_forward(ctx);
  y = x;
  std::vector<double> unused = x;
  rope->qk_forward(y.data(), unused.data(), 0, ctx);
  dx = dy;
  unused = dy;
  rope->qk_backward(dx.data(), unused.data(), 0, ctx);
  // <R x, dy> = <x, Rᵀ dy> for any x, dy.
  EXPECT_NEAR(std::inner_product(y.begin(), y.end(), dy.begin(), 0.0),
              std::inner_product(x.begin(), x.end(), dx.begin(), 0.0), 1e-10);
}

TEST(Rope, BaseOptionSetsTheFrequencies) {
  const EncodingContext ctx = context(1, 6, 8, 1, false);
  EXPECT_EQ(make_encoding<float>("rope")->options(), json({{"base", 10000.0}}));
  EXPECT_EQ(make_encoding<float>("rope", {{"base", 500}})->options(), json({{"base", 500.0}}));
  EXPECT_NE(rope_scores(ctx), rope_scores(ctx, {{"base", 500}}));
  EXPECT_THROW(make_encoding<float>("rope", {{"base", 1}}), UsageError);
  EXPECT_THROW(make_encoding<float>("rope", {{"base", "x"}}), UsageError);
  EXPECT_THROW(make_encoding<float>("rope", {{"theta", 100}}), UsageError);
}

TEST(Rope, RequiresAnEvenHeadDimension) {
  ModelConfig config = small_model_config(4, 4);
  config.d_model = 12;
  config.n_heads = 4;  // d_head = 3
  EXPECT_THROW(Transformer<float>(config, make_encoding<float>("rope"), 1), UsageError);
}

// ------------------------------------------------------------------ alibi

// The bias ALiBi adds at hook 3 to logits that are all `base`.
std::vector<double> alibi_logits(bool causal, int heads, int T, double base) {
  auto alibi = make_encoding<double>("alibi");
  const EncodingContext ctx = context(1, T, 2 * heads, heads, causal);
  std::vector<double> scores(heads * T * T, base);
  alibi->begin_forward(ctx);
  alibi->logits_forward(scores.data(), nullptr, nullptr, 0, ctx);
  return scores;
}

TEST(Alibi, CausalBiasIsMinusTheSlopeTimesTheDistance) {
  const int heads = 8, T = 7;
  const auto scores = alibi_logits(true, heads, T, 1.0);
  for (int a = 0; a < heads; ++a) {
    const double slope = std::pow(2.0, -(a + 1));  // 2^-1 ... 2^-8 for 8 heads
    for (int i = 0; i < T; ++i)
      for (int j = 0; j <= i; ++j) ASSERT_DOUBLE_EQ(scores[(a * T + i) * T + j], 1.0 - slope * (i - j));
  }
  EXPECT_DOUBLE_EQ(scores[(0 * T + 5) * T + 2], 1.0 - 1.5) << "head 0, distance 3";
}

TEST(Alibi, BidirectionalBiasIsSymmetricPlusAHalfOnTheLowerTriangle) {
  const int heads = 8, T = 7;
  const auto scores = alibi_logits(false, heads, T, 0.0);
  for (int a = 0; a < heads; ++a) {
    const double slope = std::pow(2.0, -(a + 1));
    for (int i = 0; i < T; ++i)
      for (int j = 0; j < T; ++j)
        ASSERT_DOUBLE_EQ(scores[(a * T + i) * T + j], slope * (-std::abs(i - j) + (j < i ? 0.5 : 0.0)));
  }
  EXPECT_DOUBLE_EQ(scores[(0 * T + 5) * T + 2], -1.25) << "key left of the query";
  EXPECT_DOUBLE_EQ(scores[(0 * T + 2) * T + 5], -1.5) << "key right of the query";
}

TEST(Alibi, PassesLogitGradientsThroughUnchanged) {
  auto alibi = make_encoding<double>("alibi");
  const EncodingContext ctx = context(2, 4, 8, 2, false);
  std::vector<double> dscores(2 * 2 * 4 * 4);
  std::iota(dscores.begin(), dscores.end(), 0.0);
  const auto before = dscores;
  alibi->begin_forward(ctx);
  alibi->logits_backward(dscores.data(), nullptr, nullptr, nullptr, nullptr, 0, ctx);
  EXPECT_EQ(dscores, before);
}

// ------------------------------------------------------------------ sinusoidal

TEST(Sinusoidal, AddsSinesThenCosinesComputedByHand) {
  ModelConfig config = small_model_config(4, 4);
  config.d_model = 4;
  config.n_heads = 1;
  auto sinusoidal = prepared("sinusoidal", config);
  const EncodingContext ctx = context(2, 4, 4, 1, false);
  std::vector<double> x(2 * 4 * 4, 1.0);
  sinusoidal->begin_forward(ctx);
  sinusoidal->input_forward(x.data(), ctx);
  // D = 4: ω = (1, 10000^(-1/2) = 0.01); position 3, both sequences.
  for (int b = 0; b < 2; ++b) {
    const double* row = x.data() + (b * 4 + 3) * 4;
    EXPECT_NEAR(row[0], 1.0 + 0.1411200080598672, 1e-12);   // sin 3
    EXPECT_NEAR(row[1], 1.0 + 0.0299955002024957, 1e-12);   // sin 0.03
    EXPECT_NEAR(row[2], 1.0 - 0.9899924966004454, 1e-12);   // cos 3
    EXPECT_NEAR(row[3], 1.0 + 0.9995500337489875, 1e-12);   // cos 0.03
  }
  // Position 0: sin 0 = 0, cos 0 = 1.
  EXPECT_EQ(std::vector<double>(x.begin(), x.begin() + 4), (std::vector<double>{1.0, 1.0, 2.0, 2.0}));
}

TEST(Sinusoidal, RequiresAnEvenModelDimension) {
  ModelConfig config = small_model_config(4, 4);
  config.d_model = 9;
  config.n_heads = 3;
  EXPECT_THROW(Transformer<float>(config, make_encoding<float>("sinusoidal"), 1), UsageError);
}

// ------------------------------------------------------------------ learned

namespace {

// Largest |value| and root mean square of a model's tensor.
std::pair<double, double> max_and_rms(Transformer<float>& model, const ParamTensor& tensor) {
  double squares = 0, largest = 0;
  for (size_t i = 0; i < tensor.size; ++i) {
    const double value = model.parameters()[tensor.offset + i];
    squares += value * value;
    largest = std::max(largest, std::abs(value));
  }
  return {largest, std::sqrt(squares / tensor.size)};
}

}  // namespace

// The Chomsky-hierarchy reference's hk.Embed default: a normal with stddev 1
// cut at ±2 (whose own stddev is 0.88).
TEST(Learned, TableHasMaxSeqLenRowsDrawnFromTheReferencesTruncatedNormal) {
  ModelConfig config = small_model_config(4, 4);
  config.max_seq_len = 64;
  Transformer<float> model(config, make_encoding<float>("learned"), 1);
  const ParamTensor& table = model.layout().find("encoding.learned.table");
  EXPECT_EQ(table.shape, (std::vector<int>{64, 32}));
  const auto [largest, rms] = max_and_rms(model, table);
  EXPECT_LE(largest, 2.0);
  EXPECT_GT(largest, 1.8);
  EXPECT_NEAR(rms, 0.88, 0.03);
  EXPECT_EQ(model.encoding().options(), (json{{"init", "truncated_normal"}}));
}

TEST(Learned, GptInitIsKeptAsAnOption) {
  ModelConfig config = small_model_config(4, 4);
  config.max_seq_len = 64;
  Transformer<float> model(config, make_encoding<float>("learned", json{{"init", "normal_0.02"}}), 1);
  EXPECT_NEAR(max_and_rms(model, model.layout().find("encoding.learned.table")).second, 0.02, 0.002);
  EXPECT_EQ(model.encoding().options(), (json{{"init", "normal_0.02"}}));
  EXPECT_THROW(make_encoding<float>("learned", json{{"init", "xavier"}}), UsageError);
  EXPECT_THROW(make_encoding<float>("learned", json{{"std", 0.02}}), UsageError);
}

TEST(Learned, OnlyTheRowsOfUsedPositionsGetGradient) {
  ModelConfig config = small_model_config(6, 6);
  config.max_seq_len = 16;
  Transformer<float> model(config, make_encoding<float>("learned"), 1);
  Rng rng(3);
  model.train_step(random_batch(rng, 4, 5, 6, false, previous_token()), 0, 0);
  const ParamTensor& table = model.layout().find("encoding.learned.table");
  for (int row = 0; row < 16; ++row) {
    double norm = 0;
    for (int c = 0; c < 32; ++c) norm += std::abs(model.gradients()[table.offset + row * 32 + c]);
    if (row < 5) EXPECT_GT(norm, 0.0) << "row " << row;
    else EXPECT_EQ(norm, 0.0) << "row " << row;
  }
}

TEST(Learned, ASequenceLongerThanTheTableIsAUsageError) {
  ModelConfig config = small_model_config(4, 4);
  config.max_seq_len = 8;
  auto learned = prepared("learned", config);
  EXPECT_NO_THROW(learned->begin_forward(context(1, 8, 32, 4, true)));
  EXPECT_THROW(learned->begin_forward(context(1, 9, 32, 4, true)), UsageError);
  Transformer<float> model(config, make_encoding<float>("learned"), 1);
  Rng rng(4);
  EXPECT_THROW(model.forward(random_batch(rng, 1, 9, 4, true, previous_token()), {}), UsageError);
}

// ------------------------------------------------------------------ nope

// Logits of a bidirectional double model for one sequence.
std::vector<double> sequence_logits(Transformer<double>& model, const std::vector<int>& tokens) {
  Batch batch;
  batch.batch_size = 1;
  batch.seq_len = static_cast<int>(tokens.size());
  batch.causal = false;
  batch.tokens = tokens;
  batch.targets.assign(tokens.size(), 0);
  batch.scored.assign(tokens.size(), 1);
  model.forward(batch, {});
  return std::vector<double>(model.logits(), model.logits() + tokens.size() * model.config().output_vocab);
}

// Permuting the input permutes the output: there is no order without a mask.
TEST(Nope, BidirectionalModelIsPermutationEquivariant) {
  const std::vector<int> tokens = {0, 3, 1, 1, 2, 0, 3};
  const std::vector<int> order = {4, 0, 6, 2, 1, 5, 3};
  std::vector<int> permuted;
  for (int p : order) permuted.push_back(tokens[p]);
  auto max_difference = [&](const std::string& encoding) {
    Transformer<double> model(small_model_config(4, 3), make_encoding<double>(encoding), 1);
    const auto original = sequence_logits(model, tokens), shuffled = sequence_logits(model, permuted);
    double worst = 0;
    for (size_t t = 0; t < order.size(); ++t)
      for (int c = 0; c < 3; ++c) worst = std::max(worst, std::abs(shuffled[t * 3 + c] - original[order[t] * 3 + c]));
    return worst;
  };
  EXPECT_LT(max_difference("nope"), 1e-12);
  EXPECT_GT(max_difference("sinusoidal"), 1e-3) << "an encoding with positions is not equivariant";
}

}  // namespace
