// Learning smoke tests for the learnable relative biases and DAPE (t5, kerple_log,
// kerple_power, fire, mep, mep_param, dape_alibi, dape_kerple, dape_fire): the
// small model of tests/model_fixtures.hpp (D = 32, 4 heads, 2 layers) trained
// with AdamW, projections applied after every step as the trainer does.
//   causal: every position outputs the previous token; a relative bias only
//           has to favour distance 1, so each must reach >= 99% on fresh data.
//   bidirectional: the same task without a mask. Symmetric biases (KERPLE,
//           MEP: d = |i − j|) cannot tell the previous token from the next,
//           so here the check is that training stays finite and the loss falls.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "models/optimizer.hpp"
#include "models/transformer.hpp"
#include "tests/model_fixtures.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

constexpr int kVocab = 6;
constexpr int kLength = 12;
constexpr int kBatch = 32;

struct Training {
  std::vector<double> losses;
  double accuracy = 0.0;  // on 256 fresh sequences
};

Training train(const std::string& encoding, bool causal, int steps) {
  Transformer<float> model(small_model_config(kVocab, kVocab), make_encoding<float>(encoding), 1);
  OptimizerConfig optimizer_config;
  optimizer_config.lr = 3e-3;
  AdamW<float> optimizer(optimizer_config, model.layout());
  Rng data(1, "relative-bias-learning");
  Training out;
  for (int step = 0; step < steps; ++step) {
    const Batch batch = random_batch(data, kBatch, kLength, kVocab, causal, previous_token());
    out.losses.push_back(model.train_step(batch, step, step).loss);
    optimizer.step(model.parameters(), model.gradients());
    model.encoding().project_parameters();
  }
  Rng held_out(2, "relative-bias-learning-eval");
  const ForwardResult result =
      model.evaluate(random_batch(held_out, 256, kLength, kVocab, causal, previous_token()), 0);
  out.accuracy = static_cast<double>(result.correct) / result.scored;
  return out;
}

double mean_of_last(const std::vector<double>& values, size_t count) {
  double sum = 0;
  for (size_t i = values.size() - count; i < values.size(); ++i) sum += values[i];
  return sum / count;
}

class RelativeBiasLearning : public ::testing::TestWithParam<std::string> {};

TEST_P(RelativeBiasLearning, LearnsThePreviousTokenCausally) {
  const Training run = train(GetParam(), true, 400);
  for (double loss : run.losses) ASSERT_TRUE(std::isfinite(loss));
  EXPECT_GE(run.accuracy, 0.99);
}

TEST_P(RelativeBiasLearning, TrainsBidirectionallyWithoutDiverging) {
  const Training run = train(GetParam(), false, 60);
  for (double loss : run.losses) ASSERT_TRUE(std::isfinite(loss));
  EXPECT_LT(mean_of_last(run.losses, 10), 0.85 * run.losses.front());
}

INSTANTIATE_TEST_SUITE_P(LearnableRelativeBiasesAndDape, RelativeBiasLearning,
                         ::testing::Values("t5", "kerple_log", "kerple_power", "fire", "mep", "mep_param",
                                           "dape_alibi", "dape_kerple", "dape_fire"));

}  // namespace
