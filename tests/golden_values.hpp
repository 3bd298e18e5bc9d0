// Golden values: the engine against an independent PyTorch model.
//
// tests/data/golden/<encoding>.json is written by bench/golden_values.py (see
// its docstring for the model, the batch and the formulas it assumes). Each
// file holds the encoding options it assumes and two cases (causal pre-norm
// GELU, bidirectional post-norm ReLU), each with the model config, tokens,
// targets (-1 = none), every parameter tensor by its engine name, and the
// float64 logits, loss and gradients PyTorch computed.
//
// golden_errors() builds a Transformer<double> with the case's config and the
// given encoding, loads the weights by name (assign_parameters), runs
// forward() and backward() on the case's batch and compares. Every quantity
// is compared as a relative error in the 2-norm, ‖engine − golden‖ / ‖golden‖
// (logits as one tensor, the loss, each gradient tensor on its own).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/encoding.hpp"

namespace pebench::testing {

constexpr double kGoldenTolerance = 1e-5;

struct GoldenError {
  std::string quantity;  // "logits", "loss", "gradient of <tensor>"
  double relative_error = 0.0;
};

struct GoldenComparison {
  std::vector<GoldenError> errors;
  const GoldenError& worst() const;
  bool passes(double tolerance = kGoldenTolerance) const { return worst().relative_error <= tolerance; }
};

// The fixture of `encoding` (tests/data/golden/<encoding>.json), parsed.
const nlohmann::json& golden_fixture(const std::string& encoding);

// The case of `fixture` for "causal" or "bidirectional".
const nlohmann::json& golden_case(const nlohmann::json& fixture, const std::string& attention);

// The engine with `encoding` (which must hold no state from another model)
// against one case.
GoldenComparison golden_errors(const nlohmann::json& golden, std::unique_ptr<Encoding<double>> encoding,
                               const std::string& origin);

}  // namespace pebench::testing
