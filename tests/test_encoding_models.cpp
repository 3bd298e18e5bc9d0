// Encodings inside the whole Transformer with the options that the
// conformance suite (tests/test_encoding_conformance.cpp, default options)
// does not reach: whole-model gradient checks, and learning an easy
// hand-built task.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "models/transformer.hpp"
#include "tests/model_fixtures.hpp"
#include "tests/model_gradients.hpp"

using namespace pebench;
using namespace pebench::testing;

// ---- whole-model gradients with options ---------------------------------------

// Options that change what an encoding computes, not only its
// initialisation, in the attention mode whose code path they reach (both
// where the two differ).
TEST(ModelGradientsWithOptions, CopeWithClampedPositionsAndUnscaledLogits) {
  expect_model_gradients_match("cope", {{"npos", 3}, {"scale_position_logits", false}}, false);
}

TEST(ModelGradientsWithOptions, BipeWithIntraPositionsClampedToATinyTable) {
  for (const char* name : {"bipe_rope", "bipe_alibi"}) expect_model_gradients_match(name, {{"table_size", 2}}, false);
}

TEST(ModelGradientsWithOptions, RandomizedWithAMaxLengthCloseToTheSequenceLength) {
  for (const char* name : {"rand_sinusoidal", "rand_learned", "rand_rope", "rand_alibi", "rand_txl"})
    expect_model_gradients_match(name, {{"max_length", 9}}, false);
}

// The order-blind bidirectional forms kept as options (the conformance suite
// checks the directional defaults).
TEST(ModelGradientsWithOptions, SymmetricBidirectionalForms) {
  for (const char* name : {"kerple_log", "kerple_power", "mep", "dape_kerple", "bipe_alibi"})
    expect_model_gradients_match(name, {{"bidirectional", "symmetric"}}, false);
  expect_model_gradients_match("mep_param", {{"bidirectional", "symmetric"}, {"num_buckets", 8}, {"max_distance", 16}},
                               false);
}

TEST(ModelGradientsWithOptions, XposWithStrongDecay) {
  expect_model_gradients_match("xpos", {{"scale_base", 2.0}}, true);
  expect_model_gradients_match("xpos", {{"scale_base", 2.0}}, false);
}

// ---- training ------------------------------------------------------------------

namespace {

// The encodings whose learning no other suite checks (tests/test_learning.cpp:
// the absolute baselines, RoPE and ALiBi; tests/test_learning_relative_biases.cpp:
// the learnable relative biases and DAPE).
const char* const kTrainedHere[] = {"xpos",       "txl",      "rand_sinusoidal", "rand_learned", "rand_rope",
                                    "rand_alibi", "rand_txl", "cope",            "bipe_rope",    "bipe_alibi"};

using Case = std::tuple<std::string, bool>;  // encoding, causal

// rand_learned at L = 2048 touches each of its rows in about T/L of the steps
// and its rows share no structure, so no tiny budget can train it; at L = 20
// it still sees shuffled positions every step, but every row trains.
json training_options(const std::string& encoding) {
  if (encoding == "rand_learned") return {{"max_length", 20}};
  return json();
}
class PreviousTokenTraining : public ::testing::TestWithParam<Case> {};

// Previous-token prediction (every position outputs the token before it):
// easy, but only with order information, in both attention modes.
TEST_P(PreviousTokenTraining, LearnsPreviousTokenWithoutDiverging) {
  const auto& [encoding, causal] = GetParam();
  constexpr int kVocab = 6, kLength = 10, kSteps = 400, kBatch = 16;
  Transformer<float> model(small_model_config(kVocab, kVocab), make_encoding<float>(encoding, training_options(encoding)),
                           1);
  Rng data(1, "previous-token-train"), held_out(2, "previous-token-eval");
  const Batch eval_batch = segmented_batch(held_out, 128, kLength, kVocab, causal);
  const double initial_loss = model.evaluate(eval_batch, 7).loss;
  auto learned = [&](Transformer<float>& trained) {  // chance is 1/6
    const ForwardResult result = trained.evaluate(eval_batch, 7);
    return result.loss < 0.5 * initial_loss && static_cast<double>(result.correct) / result.scored > 0.6;
  };
  const int steps = steps_until_learned(
      model, [&](int) { return segmented_batch(data, kBatch, kLength, kVocab, causal); }, learned, kSteps);
  EXPECT_GT(steps, 0) << "loss not halved (from " << initial_loss << ") at > 60% accuracy within " << kSteps
                      << " steps";
}

std::vector<Case> training_cases() {
  std::vector<Case> cases;
  for (const char* name : kTrainedHere) {
    cases.emplace_back(name, true);
    cases.emplace_back(name, false);
  }
  return cases;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return std::get<0>(info.param) + (std::get<1>(info.param) ? "_causal" : "_bidirectional");
}

INSTANTIATE_TEST_SUITE_P(EncodingsWithoutALearningSuite, PreviousTokenTraining, ::testing::ValuesIn(training_cases()), case_name);

}  // namespace
