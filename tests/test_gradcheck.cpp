// Whole-model finite-difference gradient check (tests/gradcheck.hpp) for every
// registered encoding, causal and bidirectional, pre- and post-norm. Encodings
// added later are covered without editing this file.
#include <gtest/gtest.h>

#include <tuple>

#include "models/encoding.hpp"
#include "tests/gradcheck.hpp"

using namespace pebench;
using pebench::testing::GradientCheckSetup;

namespace {

using Case = std::tuple<std::string, bool, NormPlacement>;  // encoding, causal, norm

class WholeModelGradients : public ::testing::TestWithParam<Case> {};

TEST_P(WholeModelGradients, MatchFiniteDifferencesForEveryTensor) {
  const auto& [encoding, causal, norm] = GetParam();
  pebench::testing::expect_model_gradients_match(encoding, nlohmann::json::object(), causal, norm);
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  const auto& [encoding, causal, norm] = info.param;
  return encoding + (causal ? "_causal_" : "_bidirectional_") + to_string(norm) + "norm";
}

INSTANTIATE_TEST_SUITE_P(AllEncodings, WholeModelGradients,
                         ::testing::Combine(::testing::ValuesIn(encoding_registry().names()),
                                            ::testing::Bool(),
                                            ::testing::Values(NormPlacement::pre, NormPlacement::post)),
                         case_name);

TEST(WholeModelGradients, MatchWithReluActivation) {
  GradientCheckSetup setup;
  setup.encoding = "nope";
  setup.activation = Activation::relu;
  pebench::testing::expect_model_gradients_match(setup);
}

TEST(WholeModelGradients, CheckFailsWhenAGradientIsWrong) {
  // The check itself must be able to fail: a relative error is 1 when one
  // side is zero, so a tensor whose analytic gradient were dropped is caught.
  GradientCheckSetup setup;
  setup.encoding = "nope";
  for (const auto& error : pebench::testing::model_gradient_errors(setup)) {
    EXPECT_GT(error.analytic_norm, 0.0) << error.name << " gets no gradient";
    EXPECT_GT(error.numeric_norm, 0.0) << error.name;
  }
}

}  // namespace
