#include "tests/gradcheck.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "models/transformer.hpp"

namespace pebench::testing {

namespace {
// Five-point central differences: error O(h⁴) from truncation and ~1e-11
// from round-off at h = 1e-5, so errors of 1e-6 are real.
//
// Encodings with ReLU-type MLPs (fire, dape_*) make the loss piecewise smooth,
// with kinks as close as ~1e-5 apart along a sensitive parameter. A stencil
// that straddles one measures neither side's slope. The second differences of
// the stencil's four one-sided slopes tell: ~1e-11 (round-off, h²·L''') on a
// smooth stretch, about the jump in slope across a kink, and the estimate's
// error stays below about that "kink" measure either way. So an entry whose
// stencil is kinked is measured again with steps 10× and 100× smaller and the
// least kinked estimate is kept (smaller steps meet fewer kinks but more round-off).
constexpr double kStep = 1e-5;
constexpr double kSmoothKink = 1e-9;  // ~20× the round-off of the measure at kStep
// The numeric derivative carries absolute noise (~1e-11 per entry at kStep,
// ~1e-9 at kStep/100), set by the loss (a mean cross-entropy, O(1)) and not by
// the tensor. A tensor whose gradient norm is tiny or exactly 0 (e.g. an MLP
// output bias that shifts a whole softmax row) would compare noise with noise,
// so below this norm the error is absolute: ‖difference‖ / kNormFloor, i.e.
// ‖difference‖ < 1e-8 at tolerance 1e-6; a wrong gradient of norm > 1e-8 still fails.
constexpr double kNormFloor = 1e-2;

double norm2(const std::vector<double>& x) {
  double sum = 0;
  for (double v : x) sum += v * v;
  return std::sqrt(sum);
}

struct Estimate {
  double derivative;
  double kink;  // largest second difference of the four one-sided slopes
};

// Five-point derivative of loss_at(offset) at offset 0 with step h.
template <typename LossAt>
Estimate five_point(LossAt&& loss_at, double center, double h) {
  const double plus2 = loss_at(2 * h), plus = loss_at(h), minus = loss_at(-h), minus2 = loss_at(-2 * h);
  const double slopes[4] = {(minus - minus2) / h, (center - minus) / h, (plus - center) / h, (plus2 - plus) / h};
  const double kink = std::max(std::abs(slopes[2] - 2 * slopes[1] + slopes[0]),
                               std::abs(slopes[3] - 2 * slopes[2] + slopes[1]));
  // Differences first: a loss that does not depend on the parameter gives
  // exactly 0 (summing -plus2 + 8 plus - ... leaves an ulp of the loss).
  return {(8 * (plus - minus) - (plus2 - minus2)) / (12 * h), kink};
}

// kStep, or for a kinked stencil the least kinked of kStep, kStep/10, kStep/100.
template <typename LossAt>
double numeric_derivative(LossAt&& loss_at, double center) {
  Estimate best = five_point(loss_at, center, kStep);
  for (double h : {kStep / 10, kStep / 100}) {
    if (best.kink <= kSmoothKink) break;
    const Estimate finer = five_point(loss_at, center, h);
    if (finer.kink < best.kink) best = finer;
  }
  return best.derivative;
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
    batch.targets.push_back(targeted ? static_cast<int>(rng.below(config.output_vocab)) : Batch::kNoTarget);
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
  const double center = model.forward(batch, pass).loss;
  std::vector<TensorGradientError> errors;
  for (const ParamTensor& tensor : model.layout().tensors()) {
    std::vector<double> analytic(grads + tensor.offset, grads + tensor.offset + tensor.size), numeric, difference;
    for (size_t i = tensor.offset; i < tensor.offset + tensor.size; ++i) {
      const double original = params[i];
      auto loss_at = [&](double offset) {
        params[i] = original + offset;
        return model.forward(batch, pass).loss;
      };
      const double derivative = numeric_derivative(loss_at, center);
      params[i] = original;
      numeric.push_back(derivative);
      difference.push_back(numeric.back() - analytic[i - tensor.offset]);
    }
    TensorGradientError error;
    error.name = tensor.name;
    error.analytic_norm = norm2(analytic);
    error.numeric_norm = norm2(numeric);
    error.relative_error = norm2(difference) / std::max(error.analytic_norm + error.numeric_norm, kNormFloor);
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
