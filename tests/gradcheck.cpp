#include "tests/gradcheck.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "models/transformer.hpp"

namespace pebench::testing {

namespace {
// Five-point central differences: error O(h⁴) from truncation (~1e-16 at
// h = 1e-4) and ~1e-12 from round-off, so errors of 1e-6 are real.
constexpr double kStep = 1e-4;

double norm2(const std::vector<double>& x) {
  double sum = 0;
  for (double v : x) sum += v * v;
  return std::sqrt(sum);
}
}  // namespace

ModelConfig gradient_check_config(const GradientCheckSetup& setup) {
  ModelConfig config;
  config.input_vocab = 5;
  config.output_vocab = 4;
  config.d_model = 8;
  config.n_layers = 2;
  config.n_heads = 2;
  config.d_ff = 16;
  config.norm = setup.norm;
  config.activation = setup.activation;
  config.dropout = 0.0;
  config.max_seq_len = 8;
  return config;
}

Batch gradient_check_batch(const ModelConfig& config, bool causal, uint64_t seed) {
  Rng rng(seed, "gradcheck-batch");
  Batch batch;
  batch.batch_size = 2;
  batch.seq_len = 6;
  batch.causal = causal;
  for (int i = 0; i < batch.batch_size * batch.seq_len; ++i) {
    batch.tokens.push_back(static_cast<int>(rng.below(config.input_vocab)));
    const bool targeted = rng.uniform() < 0.75;
    batch.targets.push_back(targeted ? static_cast<int>(rng.below(config.output_vocab)) : Example::kNoTarget);
    batch.scored.push_back(targeted && rng.uniform() < 0.7);
    batch.boundary.push_back(rng.uniform() < 0.3);
  }
  return batch;
}

std::vector<TensorGradientError> model_gradient_errors(const GradientCheckSetup& setup) {
  const ModelConfig config = gradient_check_config(setup);
  Transformer<double> model(config, make_encoding<double>(setup.encoding, setup.options), setup.seed);
  const Batch batch = gradient_check_batch(config, setup.causal, setup.seed);
  PassOptions pass;
  pass.training = true;  // the training-time encoding path; dropout is 0
  pass.position_seed = 11;
  pass.dropout_seed = 13;
  model.zero_grad();
  model.forward(batch, pass);
  model.backward();

  double* params = model.parameters();
  const double* grads = model.gradients();
  std::vector<TensorGradientError> errors;
  for (const ParamTensor& tensor : model.layout().tensors()) {
    std::vector<double> analytic(grads + tensor.offset, grads + tensor.offset + tensor.size), numeric, difference;
    for (size_t i = tensor.offset; i < tensor.offset + tensor.size; ++i) {
      const double original = params[i];
      auto loss_at = [&](double offset) {
        params[i] = original + offset;
        return model.forward(batch, pass).loss;
      };
      const double plus2 = loss_at(2 * kStep), plus = loss_at(kStep);
      const double minus = loss_at(-kStep), minus2 = loss_at(-2 * kStep);
      params[i] = original;
      // Differences first: a loss that does not depend on the parameter gives
      // exactly 0 (summing -plus2 + 8 plus - ... leaves an ulp of the loss).
      numeric.push_back((8 * (plus - minus) - (plus2 - minus2)) / (12 * kStep));
      difference.push_back(numeric.back() - analytic[i - tensor.offset]);
    }
    TensorGradientError error;
    error.name = tensor.name;
    error.analytic_norm = norm2(analytic);
    error.numeric_norm = norm2(numeric);
    error.relative_error = norm2(difference) / std::max(error.analytic_norm + error.numeric_norm, 1e-8);
    errors.push_back(error);
  }
  return errors;
}

void expect_model_gradients_match(const GradientCheckSetup& setup, double tolerance) {
  const auto errors = model_gradient_errors(setup);
  ASSERT_FALSE(errors.empty());
  for (const auto& error : errors)
    EXPECT_LT(error.relative_error, tolerance)
        << setup.encoding << (setup.causal ? " causal " : " bidirectional ") << to_string(setup.norm)
        << "-norm: tensor " << error.name << " (analytic norm " << error.analytic_norm << ", numeric norm "
        << error.numeric_norm << ")";
}

void expect_model_gradients_match(const std::string& encoding, const nlohmann::json& options, bool causal,
                                  NormPlacement norm, double tolerance) {
  GradientCheckSetup setup;
  setup.encoding = encoding;
  setup.options = options;
  setup.causal = causal;
  setup.norm = norm;
  expect_model_gradients_match(setup, tolerance);
}

}  // namespace pebench::testing
