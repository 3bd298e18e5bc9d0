// Learning smoke tests for the learnable relative biases and DAPE (t5, kerple_log,
// kerple_power, fire, mep, mep_param, dape_alibi, dape_kerple, dape_fire): the
// small model of tests/model_fixtures.hpp (D = 32, 4 heads, 2 layers) trained
// with AdamW, projections applied after every step as the trainer does
// (steps_until_learned).
//   causal: every position outputs the previous token; a relative bias only
//           has to favour distance 1, so each must reach >= 99% on fresh data
//           within 400 steps.
//   bidirectional: the same task without a mask. Symmetric biases (KERPLE,
//           MEP: d = |i − j|) cannot tell the previous token from the next,
//           so here the check is that training stays finite and the loss falls.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "models/transformer.hpp"
#include "tests/model_fixtures.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

constexpr int kVocab = 6;
constexpr int kLength = 12;
constexpr int kBatch = 32;

// Accuracy on 256 fresh sequences of previous-token prediction.
double accuracy(Transformer<float>& model, bool causal) {
  Rng held_out(2, "relative-bias-learning-eval");
  const ForwardResult result =
      model.evaluate(random_batch(held_out, 256, kLength, kVocab, causal, previous_token()), 0);
  return static_cast<double>(result.correct) / result.scored;
}

double mean_of_last(const std::vector<double>& values, size_t count) {
  double sum = 0;
  for (size_t i = values.size() - count; i < values.size(); ++i) sum += values[i];
  return sum / count;
}

class RelativeBiasLearning : public ::testing::TestWithParam<std::string> {};

TEST_P(RelativeBiasLearning, LearnsThePreviousTokenCausally) {
  Transformer<float> model(small_model_config(kVocab, kVocab), make_encoding<float>(GetParam()), 1);
  Rng data(1, "relative-bias-learning");
  const int steps = steps_until_learned(
      model, [&](int) { return random_batch(data, kBatch, kLength, kVocab, true, previous_token()); },
      [](Transformer<float>& trained) { return accuracy(trained, true) >= 0.99; }, 400);
  EXPECT_GT(steps, 0) << "not 99% accurate within 400 steps";
}

TEST_P(RelativeBiasLearning, TrainsBidirectionallyWithoutDiverging) {
  Transformer<float> model(small_model_config(kVocab, kVocab), make_encoding<float>(GetParam()), 1);
  Rng data(1, "relative-bias-learning");
  std::vector<double> losses;
  auto next_batch = [&](int) { return random_batch(data, kBatch, kLength, kVocab, false, previous_token()); };
  auto never = [](Transformer<float>&) { return false; };  // all 60 steps
  steps_until_learned(model, next_batch, never, 60, &losses);
  ASSERT_EQ(losses.size(), 60u);
  EXPECT_LT(mean_of_last(losses, 10), 0.85 * losses.front());
}

INSTANTIATE_TEST_SUITE_P(LearnableRelativeBiasesAndDape, RelativeBiasLearning,
                         ::testing::Values("t5", "kerple_log", "kerple_power", "fire", "mep", "mep_param",
                                           "dape_alibi", "dape_kerple", "dape_fire"));

}  // namespace
