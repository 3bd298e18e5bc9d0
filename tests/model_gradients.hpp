// Whole-model gradient check: a tiny Transformer<double> (D = 8, 2 heads,
// 2 layers, d_ff 16, T = 6, B = 2, dropout 0) with the given encoding, random
// tokens, targets (some positions untargeted) and a random segment-boundary
// mask; backward() against the finite differences of forward()'s loss for
// EVERY parameter tensor, the encoding's own included, with the checker and
// tolerance rule of tests/finite_differences.hpp (kModelTolerance).
//
// `perturbation` moves every parameter by perturbation·N(0, 1) after the
// initialisation (then project_parameters()), so that tensors initialised
// to zero (CoPE's tables, FIRE's and DAPE's output layers) do not hide the
// paths they gate. tests/test_encoding_conformance.cpp runs the check over
// every registered encoding; encoding tests call it with their options.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/batch.hpp"
#include "models/encoding.hpp"
#include "models/model_config.hpp"
#include "tests/finite_differences.hpp"

namespace pebench::testing {

struct GradientCheckSetup {
  std::string encoding;
  nlohmann::json options = nlohmann::json::object();
  bool causal = true;
  NormPlacement norm = NormPlacement::pre;
  Activation activation = Activation::gelu;  // smooth: no kinks for the finite differences to cross
  double perturbation = 0.1;
  uint64_t seed = 7;
};

// The tiny model and batch the check uses.
ModelConfig gradient_check_config(const GradientCheckSetup& setup);
Batch gradient_check_batch(const ModelConfig& config, bool causal, uint64_t seed);

// One entry per parameter tensor, in layout order, for the registered
// encoding setup.encoding (with setup.options) or for `encoding` itself.
std::vector<GradientError> model_gradient_errors(const GradientCheckSetup& setup);
std::vector<GradientError> model_gradient_errors(const GradientCheckSetup& setup,
                                                 std::unique_ptr<Encoding<double>> encoding);

// GoogleTest assertion: every tensor passes at kModelTolerance.
void expect_model_gradients_match(const GradientCheckSetup& setup);
void expect_model_gradients_match(const std::string& encoding, const nlohmann::json& options, bool causal);

}  // namespace pebench::testing
