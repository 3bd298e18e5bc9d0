// Golden values (tests/golden_values.hpp): the engine's logits, loss and every
// parameter gradient match an independent PyTorch model (bench/golden_values.py)
// to 1e-5 relative, for eight encodings in both attention modes; and the
// comparison is sharp enough to catch a consistently wrong forward pass, which
// a finite-difference gradient check of the same forward cannot.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "models/encoding.hpp"
#include "tests/golden_values.hpp"

using namespace pebench;
using namespace pebench::testing;
using json = nlohmann::json;

namespace {

const std::vector<std::string> kGoldenEncodings = {"nope", "rope", "sinusoidal", "learned",
                                                   "alibi", "t5", "txl", "kerple_log"};
const std::vector<std::string> kAttentionModes = {"causal", "bidirectional"};

// The encoding a fixture was made for, with exactly the options it records
// (never the current defaults, which may change).
std::unique_ptr<Encoding<double>> fixture_encoding(const std::string& name) {
  return make_encoding<double>(name, golden_fixture(name).at("options"));
}

std::string describe(const GoldenComparison& comparison) {
  std::string text;
  for (const GoldenError& e : comparison.errors)
    text += "  " + e.quantity + ": " + std::to_string(e.relative_error) + "\n";
  return text;
}

using Case = std::tuple<std::string, std::string>;  // encoding, attention

class GoldenValues : public ::testing::TestWithParam<Case> {};

TEST_P(GoldenValues, EngineMatchesIndependentPyTorchModel) {
  const auto& [name, attention] = GetParam();
  const GoldenComparison comparison =
      golden_errors(golden_case(golden_fixture(name), attention), fixture_encoding(name), name + " " + attention);
  for (const GoldenError& e : comparison.errors)
    EXPECT_LE(e.relative_error, kGoldenTolerance) << name << " " << attention << ": " << e.quantity;
}

INSTANTIATE_TEST_SUITE_P(Encodings, GoldenValues,
                         ::testing::Combine(::testing::ValuesIn(kGoldenEncodings),
                                            ::testing::ValuesIn(kAttentionModes)),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::get<0>(info.param) + "_" + std::get<1>(info.param);
                         });

TEST(GoldenFixtures, AreTheTinyModelOfTheSpecificationInBothModes) {
  for (const std::string& name : kGoldenEncodings) {
    const json& fixture = golden_fixture(name);
    EXPECT_EQ(fixture.at("encoding"), name);
    EXPECT_TRUE(fixture.at("options").is_object()) << name << ": the options it assumes are recorded";
    for (const std::string& attention : kAttentionModes) {
      const json& golden = golden_case(fixture, attention);
      const json& model = golden.at("model");
      EXPECT_EQ(model.at("n_layers"), 2);
      EXPECT_EQ(model.at("d_model"), 16);
      EXPECT_EQ(model.at("n_heads"), 2);
      EXPECT_EQ(golden.at("tokens").size(), 3u);
      EXPECT_EQ(golden.at("tokens").at(0).size(), 7u);
    }
  }
}

// ------------------------------------------------- deliberately broken forms
// Test-only encodings (never registered) that wrap a real one and break one
// thing consistently in forward and backward, so a finite-difference check
// would still pass them.

class Delegating : public Encoding<double> {
 public:
  explicit Delegating(std::unique_ptr<Encoding<double>> inner) : inner_(std::move(inner)) {
    set_name(inner_->name());
  }
  void declare_parameters(ParamLayout& layout, const ModelConfig& config) override {
    inner_->declare_parameters(layout, config);
  }
  void bind(double* params, double* grads) override { inner_->bind(params, grads); }
  void begin_forward(const EncodingContext& ctx) override { inner_->begin_forward(ctx); }
  void input_forward(double* x, const EncodingContext& ctx) override { inner_->input_forward(x, ctx); }
  void input_backward(const double* dx, const EncodingContext& ctx) override { inner_->input_backward(dx, ctx); }
  void qk_forward(double* q, double* k, int layer, const EncodingContext& ctx) override {
    inner_->qk_forward(q, k, layer, ctx);
  }
  void qk_backward(double* dq, double* dk, int layer, const EncodingContext& ctx) override {
    inner_->qk_backward(dq, dk, layer, ctx);
  }
  void logits_forward(double* scores, const double* q, const double* k, int layer,
                      const EncodingContext& ctx) override {
    inner_->logits_forward(scores, q, k, layer, ctx);
  }
  void logits_backward(double* dscores, double* dq, double* dk, const double* q, const double* k, int layer,
                       const EncodingContext& ctx) override {
    inner_->logits_backward(dscores, dq, dk, q, k, layer, ctx);
  }

 protected:
  std::unique_ptr<Encoding<double>> inner_;
};

// RoPE with the rotation transposed: R(−pθ) in forward (and R(pθ), its
// transpose, in backward). Still relative, still orthogonal, still trains.
class TransposedRotation : public Delegating {
 public:
  using Delegating::Delegating;
  void qk_forward(double* q, double* k, int layer, const EncodingContext& ctx) override {
    inner_->qk_backward(q, k, layer, ctx);
  }
  void qk_backward(double* dq, double* dk, int layer, const EncodingContext& ctx) override {
    inner_->qk_forward(dq, dk, layer, ctx);
  }
};

// A logit bias added before the 1/sqrt(d_h) scaling instead of after it:
// (q·kᵀ + bias)/sqrt(d_h). The bias is additive, so backward is unchanged.
class BiasBeforeScaling : public Delegating {
 public:
  using Delegating::Delegating;
  void logits_forward(double* scores, const double* q, const double* k, int layer,
                      const EncodingContext& ctx) override {
    const size_t n = static_cast<size_t>(ctx.batch) * ctx.n_heads * ctx.seq_len * ctx.seq_len;
    const double scale = std::sqrt(double(ctx.d_head));
    for (size_t i = 0; i < n; ++i) scores[i] *= scale;
    inner_->logits_forward(scores, q, k, layer, ctx);
    for (size_t i = 0; i < n; ++i) scores[i] /= scale;
  }
};

class BrokenForms : public ::testing::TestWithParam<std::string> {};

TEST_P(BrokenForms, TransposedRotationFailsTheGoldenComparison) {
  const std::string attention = GetParam();
  const GoldenComparison comparison = golden_errors(
      golden_case(golden_fixture("rope"), attention),
      std::make_unique<TransposedRotation>(fixture_encoding("rope")), "transposed rope " + attention);
  RecordProperty("logits_relative_error", std::to_string(comparison.errors.at(0).relative_error));
  EXPECT_FALSE(comparison.passes()) << describe(comparison);
  EXPECT_GT(comparison.errors.at(0).relative_error, 100 * kGoldenTolerance) << "logits: " << describe(comparison);
}

TEST_P(BrokenForms, BiasBeforeScalingFailsTheGoldenComparison) {
  const std::string attention = GetParam();
  const GoldenComparison comparison = golden_errors(
      golden_case(golden_fixture("alibi"), attention),
      std::make_unique<BiasBeforeScaling>(fixture_encoding("alibi")), "alibi before scaling " + attention);
  RecordProperty("logits_relative_error", std::to_string(comparison.errors.at(0).relative_error));
  EXPECT_FALSE(comparison.passes()) << describe(comparison);
  EXPECT_GT(comparison.errors.at(0).relative_error, 100 * kGoldenTolerance) << "logits: " << describe(comparison);
}

// The wrapper itself is faithful: unbroken, it passes (so the failures above
// come from the broken piece, not from the wrapping).
TEST_P(BrokenForms, UnbrokenWrapperPassesTheGoldenComparison) {
  const std::string attention = GetParam();
  const GoldenComparison comparison =
      golden_errors(golden_case(golden_fixture("rope"), attention),
                    std::make_unique<Delegating>(fixture_encoding("rope")), "wrapped rope " + attention);
  EXPECT_TRUE(comparison.passes()) << describe(comparison);
}

INSTANTIATE_TEST_SUITE_P(Attention, BrokenForms, ::testing::ValuesIn(kAttentionModes),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
