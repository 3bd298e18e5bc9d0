// Whole-model finite-difference gradient check, in double.
//
// Builds a tiny Transformer<double> (D = 8, 2 heads, 2 layers, T = 6, B = 2,
// dropout 0) with the named encoding, feeds it random tokens, targets (some
// positions untargeted) and a random segment-`boundary` mask, and compares
// backward() with central differences of forward()'s loss for EVERY parameter
// tensor, the encoding's own included. Errors are per named tensor:
//   relative_error = ‖g_analytic − g_numeric‖ / max(‖g_analytic‖ + ‖g_numeric‖, 1e-2)
// (the floor keeps tensors whose true gradient is 0 from comparing noise with
// noise). Entries whose stencil straddles a kink of a ReLU-type encoding MLP
// are measured again with smaller steps (tests/gradcheck.cpp).
//
// Encodings engineers call expect_model_gradients_match() with their options;
// tests/test_gradcheck.cpp runs it over every registered encoding.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/model_config.hpp"
#include "models/batch.hpp"

namespace pebench::testing {

struct TensorGradientError {
  std::string name;
  double relative_error = 0.0;
  double analytic_norm = 0.0;
  double numeric_norm = 0.0;
};

struct GradientCheckSetup {
  std::string encoding;
  nlohmann::json options = nlohmann::json::object();
  bool causal = true;
  NormPlacement norm = NormPlacement::post;
  Activation activation = Activation::gelu;  // smooth: no kinks for the finite differences to cross
  uint64_t seed = 7;
};

// The tiny model and batch the check uses.
ModelConfig gradient_check_config(const GradientCheckSetup& setup);
Batch gradient_check_batch(const ModelConfig& config, bool causal, uint64_t seed);

// One entry per parameter tensor, in layout order.
std::vector<TensorGradientError> model_gradient_errors(const GradientCheckSetup& setup);

// GoogleTest assertion: every tensor's relative error is below `tolerance`.
void expect_model_gradients_match(const GradientCheckSetup& setup, double tolerance = 1e-6);
void expect_model_gradients_match(const std::string& encoding, const nlohmann::json& options, bool causal,
                                  NormPlacement norm, double tolerance = 1e-6);

}  // namespace pebench::testing
