// The part-B encodings (xpos, txl, rand_*, cope, bipe_*) inside the whole
// Transformer: gradient checks with options that reach paths the default
// check (test_gradcheck.cpp) does not, xpos's bidirectional extension inside
// the model, thread-count independence, and training without divergence on
// easy hand-built tasks.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <tuple>

#include "common/errors.hpp"
#include "models/optimizer.hpp"
#include "models/transformer.hpp"
#include "tests/gradcheck.hpp"
#include "tests/model_fixtures.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

const char* const kEncodings[] = {"xpos",     "txl",   "rand_sinusoidal", "rand_learned", "rand_rope",
                                  "rand_alibi", "rand_txl", "cope",       "bipe_rope",    "bipe_alibi"};

void expect_gradients(const std::string& encoding, const json& options, bool causal) {
  GradientCheckSetup setup;
  setup.encoding = encoding;
  setup.options = options;
  setup.causal = causal;
  expect_model_gradients_match(setup);
}

// Random tokens with segment boundaries (BiPE sees several segments).
Batch batch_with_segments(Rng& rng, int batch_size, int seq_len, int vocab, bool causal) {
  Batch batch = random_batch(rng, batch_size, seq_len, vocab, causal, previous_token());
  for (auto& b : batch.boundary) b = rng.uniform() < 0.25;
  return batch;
}

}  // namespace

// ---- whole-model gradients with options ---------------------------------------

TEST(PartBModelGradients, CopeWithNonzeroTablesExercisesTheGatePath) {
  expect_gradients("cope", {{"init_std", 0.5}}, true);
  expect_gradients("cope", {{"init_std", 0.5}}, false);
}

TEST(PartBModelGradients, CopeWithClampedPositionsAndUnscaledLogits) {
  expect_gradients("cope", {{"init_std", 0.5}, {"npos", 3}, {"scale_position_logits", false}}, false);
}

TEST(PartBModelGradients, BipeWithIntraPositionsClampedToATinyTable) {
  for (const char* name : {"bipe_rope", "bipe_alibi"}) {
    SCOPED_TRACE(name);
    expect_gradients(name, {{"table_size", 2}}, true);
    expect_gradients(name, {{"table_size", 2}}, false);
  }
}

TEST(PartBModelGradients, RandomizedWithSmallMaxLength) {
  for (const char* name : {"rand_sinusoidal", "rand_learned", "rand_rope", "rand_alibi", "rand_txl"}) {
    SCOPED_TRACE(name);
    expect_gradients(name, {{"max_length", 9}}, true);
    expect_gradients(name, {{"max_length", 9}}, false);
  }
}

// The order-blind bidirectional forms kept as options (the directional
// defaults are covered by test_gradcheck.cpp).
TEST(WholeModelGradients, SymmetricBidirectionalFormsMatchFiniteDifferences) {
  for (const char* name : {"kerple_log", "kerple_power", "mep", "dape_kerple", "bipe_alibi"}) {
    SCOPED_TRACE(name);
    expect_gradients(name, {{"bidirectional", "symmetric"}}, false);
  }
  expect_gradients("mep_param", {{"bidirectional", "symmetric"}, {"num_buckets", 8}, {"max_distance", 16}}, false);
}

TEST(PartBModelGradients, XposWithStrongDecay) {
  expect_gradients("xpos", {{"scale_base", 2.0}}, true);
  expect_gradients("xpos", {{"scale_base", 2.0}}, false);
}

// ---- attention modes ---------------------------------------------------------

TEST(Xpos, WithoutDecayIsRopeInBothAttentionModes) {
  // γ = 1e9: every ζ^{d/γ} is 1 to about 1e−9, so the bidirectional path
  // (rotation in hook 2, the decay in hook 3) must reduce to RoPE, and neither
  // encoding has parameters, so the same seed gives the same weights.
  for (const bool causal : {true, false}) {
    SCOPED_TRACE(causal ? "causal" : "bidirectional");
    Transformer<float> xpos(small_model_config(6, 6), make_encoding<float>("xpos", {{"scale_base", 1e9}}), 1);
    Transformer<float> rope(small_model_config(6, 6), make_encoding<float>("rope"), 1);
    Rng rng(1);
    const Batch batch = random_batch(rng, 2, 9, 6, causal, previous_token());
    xpos.train_step(batch, 0, 0);
    rope.train_step(batch, 0, 0);
    for (size_t e = 0; e < batch.tokens.size() * 6; ++e) EXPECT_NEAR(xpos.logits()[e], rope.logits()[e], 1e-5) << e;
    for (size_t e = 0; e < xpos.num_parameters(); ++e)
      EXPECT_NEAR(xpos.gradients()[e], rope.gradients()[e], 1e-5) << e;
  }
}

// ---- reproducibility ---------------------------------------------------------

TEST(PartBEncodings, TrainingStepIsIdenticalForAnyThreadCount) {
  for (const char* name : kEncodings) {
    for (const bool causal : {false, true}) {
      auto gradients = [&](int threads) {
        const int saved = omp_get_max_threads();
        omp_set_num_threads(threads);
        // CoPE with nonzero tables, so that its gate path runs too.
        const json options = std::string(name) == "cope" ? json{{"init_std", 0.1}} : json();
        Transformer<float> model(small_model_config(6, 6), make_encoding<float>(name, options), 3);
        Rng rng(4);
        model.train_step(batch_with_segments(rng, 5, 9, 6, causal), 17, 0);
        omp_set_num_threads(saved);
        return std::vector<float>(model.gradients(), model.gradients() + model.num_parameters());
      };
      EXPECT_EQ(gradients(1), gradients(3)) << name << (causal ? " causal" : " bidirectional");
    }
  }
}

TEST(PartBEncodings, EvaluationIsReproducibleForAFixedPositionSeed) {
  for (const char* name : kEncodings) {
    for (const bool causal : {false, true}) {
      Transformer<float> model(small_model_config(6, 6), make_encoding<float>(name), 3);
      Rng rng(5);
      const Batch batch = batch_with_segments(rng, 4, 12, 6, causal);
      const double first = model.evaluate(batch, 99).loss;
      EXPECT_EQ(model.evaluate(batch, 99).loss, first) << name << (causal ? " causal" : " bidirectional");
    }
  }
}

TEST(PartBEncodings, EvaluationIsIndependentOfTheSubBatchSize) {
  // Sampled positions depend on (seed, layer, T) only and every other term on
  // the example itself, so splitting the batch changes nothing.
  for (const char* name : kEncodings) {
    for (const bool causal : {false, true}) {
      SCOPED_TRACE(causal ? "causal" : "bidirectional");
      Transformer<float> model(small_model_config(6, 6), make_encoding<float>(name), 3);
      Rng rng(6);
      const Batch batch = batch_with_segments(rng, 7, 70, 6, causal);  // sub-batches of 3 at T = 70
      const ForwardResult whole = model.evaluate(batch, 5);
      const std::vector<float> whole_logits(model.logits(), model.logits() + batch.tokens.size() * 6);
      model.set_eval_memory_budget(1);
      ASSERT_LT(model.eval_sub_batch_size(batch.seq_len), batch.batch_size) << name;
      EXPECT_EQ(model.evaluate(batch, 5).loss, whole.loss) << name;
      EXPECT_EQ(std::vector<float>(model.logits(), model.logits() + whole_logits.size()), whole_logits) << name;
    }
  }
}

// ---- training ------------------------------------------------------------------

namespace {

using Case = std::tuple<std::string, bool>;  // encoding, causal

// rand_learned at L = 2048 touches each of its rows in about T/L of the steps
// and its rows share no structure, so no tiny budget can train it; at L = 20
// it still sees shuffled positions every step, but every row trains.
json training_options(const std::string& encoding) {
  if (encoding == "rand_learned") return {{"max_length", 20}};
  return json();
}
class PartBTraining : public ::testing::TestWithParam<Case> {};

// Previous-token prediction (every position outputs the token before it):
// easy, but only with order information, in both attention modes.
TEST_P(PartBTraining, LearnsPreviousTokenWithoutDiverging) {
  const auto& [encoding, causal] = GetParam();
  constexpr int kVocab = 6, kLength = 10, kSteps = 400, kBatch = 16;
  Transformer<float> model(small_model_config(kVocab, kVocab), make_encoding<float>(encoding, training_options(encoding)),
                           1);
  OptimizerConfig optimizer_config;
  optimizer_config.lr = 3e-3;
  AdamW<float> optimizer(optimizer_config, model.layout());
  Rng data(1, "part-b-train"), held_out(2, "part-b-eval");
  const Batch eval_batch = batch_with_segments(held_out, 128, kLength, kVocab, causal);
  const double initial_loss = model.evaluate(eval_batch, 7).loss;
  for (int step = 0; step < kSteps; ++step) {
    const ForwardResult result = model.train_step(batch_with_segments(data, kBatch, kLength, kVocab, causal), step, 0);
    ASSERT_TRUE(std::isfinite(result.loss)) << "step " << step;
    ASSERT_TRUE(std::isfinite(model.apply_update(optimizer))) << "step " << step;
  }
  const ForwardResult trained = model.evaluate(eval_batch, 7);
  const double accuracy = static_cast<double>(trained.correct) / trained.scored;
  EXPECT_LT(trained.loss, 0.5 * initial_loss) << "initial " << initial_loss;
  EXPECT_GT(accuracy, 0.6);  // chance is 1/6
}

std::vector<Case> training_cases() {
  std::vector<Case> cases;
  for (const char* name : kEncodings) {
    cases.emplace_back(name, true);
    cases.emplace_back(name, false);
  }
  return cases;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return std::get<0>(info.param) + (std::get<1>(info.param) ? "_causal" : "_bidirectional");
}

INSTANTIATE_TEST_SUITE_P(AllPartB, PartBTraining, ::testing::ValuesIn(training_cases()), case_name);

}  // namespace
