#include "tests/model_gradients.hpp"

#include <gtest/gtest.h>

#include "common/rng.hpp"
#include "models/transformer.hpp"
#include "tests/model_fixtures.hpp"

namespace pebench::testing {

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
    batch.targets.push_back(targeted ? static_cast<int>(rng.below(config.output_vocab)) : Batch::kNoTarget);
    batch.scored.push_back(targeted && rng.uniform() < 0.7);
    batch.boundary.push_back(rng.uniform() < 0.3);
  }
  return batch;
}

std::vector<GradientError> model_gradient_errors(const GradientCheckSetup& setup) {
  return model_gradient_errors(setup, make_encoding<double>(setup.encoding, setup.options));
}

std::vector<GradientError> model_gradient_errors(const GradientCheckSetup& setup,
                                                 std::unique_ptr<Encoding<double>> encoding) {
  const ModelConfig config = gradient_check_config(setup);
  Transformer<double> model(config, std::move(encoding), setup.seed);
  perturb_parameters(model, setup.perturbation, setup.seed);
  double* params = model.parameters();

  const Batch batch = gradient_check_batch(config, setup.causal, setup.seed);
  PassOptions pass;
  pass.training = true;  // the training-time encoding path; dropout is 0
  pass.position_seed = 11;
  pass.dropout_seed = 13;
  model.zero_grad();
  model.forward(batch, pass);
  model.backward();
  const std::vector<double> analytic(model.gradients(), model.gradients() + model.num_parameters());
  auto loss = [&] { return model.forward(batch, pass).loss; };
  std::vector<GradientError> errors;
  for (const ParamTensor& tensor : model.layout().tensors())
    errors.push_back(gradient_error(tensor.name, params + tensor.offset, analytic.data() + tensor.offset,
                                    tensor.size, loss));
  return errors;
}

void expect_model_gradients_match(const GradientCheckSetup& setup) {
  const std::string context = setup.encoding + " " + setup.options.dump() +
                              (setup.causal ? " causal " : " bidirectional ") + to_string(setup.norm) + "-norm";
  expect_gradients_match(model_gradient_errors(setup), kModelTolerance, context);
}

void expect_model_gradients_match(const std::string& encoding, const nlohmann::json& options, bool causal) {
  GradientCheckSetup setup;
  setup.encoding = encoding;
  setup.options = options;
  setup.causal = causal;
  expect_model_gradients_match(setup);
}

}  // namespace pebench::testing
