// txl and rand_txl: closed-form logits, the reduction to content-only
// attention, hook gradients, sampling rules and options.
#include <gtest/gtest.h>

#include <cmath>

#include "common/errors.hpp"
#include "encoding_hooks.hpp"
#include "models/encodings/support/random_positions.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

// Naive Transformer-XL logits written from the formula, independent of the
// plugin: ((q_i+u_a)·k_j + (q_i+v_a)·(W_R R(ρ(j−i)))_a) / sqrt(d_h).
std::vector<double> txl_closed_form(const HookHarness& f, const std::vector<double>& q,
                                    const std::vector<double>& k, int layer,
                                    const std::function<double(int)>& rho) {
  const int T = f.context().seq_len, H = f.context().n_heads, dh = f.context().d_head, D = f.context().d_model;
  const std::string prefix = "encoding." + f.encoding().name() + ".layer" + std::to_string(layer) + ".";
  const double* u = f.params().data() + f.layout().find(prefix + "u").offset;
  const double* v = f.params().data() + f.layout().find(prefix + "v").offset;
  const double* w = f.params().data() + f.layout().find(prefix + "w_r").offset;
  std::vector<double> s(f.logits_size(), 0.0);
  for (int b = 0; b < f.context().batch; ++b)
    for (int a = 0; a < H; ++a)
      for (int i = 0; i < T; ++i)
        for (int j = 0; j < T; ++j) {
          std::vector<double> r(D);
          for (int c = 0; c < D / 2; ++c) {
            const double angle = rho(j - i) / std::pow(10000.0, 2.0 * c / D);
            r[c] = std::sin(angle);
            r[D / 2 + c] = std::cos(angle);
          }
          double content = 0, position = 0;
          for (int c = 0; c < dh; ++c) {
            const double qc = q[(((b * H + a) * T) + i) * dh + c];
            double rel_key = 0;
            for (int e = 0; e < D; ++e) rel_key += w[(a * dh + c) * D + e] * r[e];
            content += (qc + u[a * dh + c]) * k[(((b * H + a) * T) + j) * dh + c];
            position += (qc + v[a * dh + c]) * rel_key;
          }
          s[((static_cast<size_t>(b) * H + a) * T + i) * T + j] = (content + position) / std::sqrt(double(dh));
        }
  return s;
}


void expect_logits_equal(const HookHarness& f, const std::vector<double>& actual,
                         const std::vector<double>& expected) {
  const int T = f.context().seq_len;
  for (size_t e = 0; e < actual.size(); ++e) {
    const int i = static_cast<int>((e / T) % T), j = static_cast<int>(e % T);
    if (f.context().causal && j > i) continue;
    EXPECT_NEAR(actual[e], expected[e], 1e-10) << "entry " << e;
  }
}

}  // namespace

TEST(Txl, LogitsMatchTheClosedFormBidirectional) {
  HookHarness f("txl", json(), HookShape{2, 2, 4, 2, 5}, false, kSingleHookSeed);
  Rng rng(3);
  const auto q = random_vector(f.qk_size(), rng), k = random_vector(f.qk_size(), rng);
  expect_logits_equal(f, f.logits(q, k, 1), txl_closed_form(f, q, k, 1, [](int d) { return d; }));
}

TEST(Txl, LogitsMatchTheClosedFormCausal) {
  HookHarness f("txl", json(), HookShape{2, 2, 4, 2, 5}, true, kSingleHookSeed);
  Rng rng(4);
  const auto q = random_vector(f.qk_size(), rng), k = random_vector(f.qk_size(), rng);
  expect_logits_equal(f, f.logits(q, k, 0), txl_closed_form(f, q, k, 0, [](int d) { return d; }));
}

TEST(Txl, ReducesToContentOnlyAttentionWhenUVAndWRAreZero) {
  HookHarness f("txl", json(), HookShape{2, 2, 4, 2, 6}, false, kSingleHookSeed);
  std::fill(f.params().begin(), f.params().end(), 0.0);
  Rng rng(5);
  const auto q = random_vector(f.qk_size(), rng), k = random_vector(f.qk_size(), rng);
  const auto raw = f.raw_logits(q, k);
  const auto logits = f.logits(q, k, 1);
  for (size_t e = 0; e < raw.size(); ++e) EXPECT_DOUBLE_EQ(logits[e], raw[e]) << "entry " << e;
}

TEST(Txl, RelativePartDependsOnlyOnTheOffset) {
  // With q = 0 and u = 0 the logit is v_a·K_a(j − i)/sqrt(d_h): constant on diagonals.
  HookHarness f("txl", json(), HookShape{1, 2, 4, 2, 6}, false, kSingleHookSeed);
  for (const auto& tensor : f.layout().tensors())
    if (tensor.name.find(".u") != std::string::npos)
      std::fill_n(f.params().begin() + tensor.offset, tensor.size, 0.0);
  const std::vector<double> zeros(f.qk_size(), 0.0);
  Rng rng(6);
  const auto k = random_vector(f.qk_size(), rng);
  const auto logits = f.logits(zeros, k, 0);
  const int T = f.context().seq_len;
  for (int i = 1; i < T; ++i)
    for (int j = 1; j < T; ++j) EXPECT_NEAR(logits[i * T + j], logits[(i - 1) * T + j - 1], 1e-12);
  EXPECT_GT(std::abs(logits[0 * T + 1] - logits[1 * T + 0]), 1e-9) << "left and right offsets must differ";
}

TEST(Txl, LogitsHookGradientsMatchFiniteDifferencesBidirectional) {
  HookHarness f("txl", json(), HookShape{2, 2, 4, 2, 5}, false, kSingleHookSeed);
  f.check_logits_hook(1);
}

TEST(Txl, LogitsHookGradientsMatchFiniteDifferencesCausal) {
  HookHarness f("txl", json(), HookShape{2, 2, 4, 2, 5}, true, kSingleHookSeed);
  f.check_logits_hook(0);
}

TEST(Txl, DeclaresPerLayerParametersNamedAfterTheEncoding) {
  HookHarness f("txl", json(), HookShape{1, 2, 4, 3, 2}, false, kSingleHookSeed);
  EXPECT_EQ(f.layout().find("encoding.txl.layer2.w_r").size, 64u);
  EXPECT_EQ(f.layout().find("encoding.txl.layer0.u").shape, (std::vector<int>{2, 4}));
  EXPECT_EQ(f.layout().tensors().size(), 9u);
}

TEST(Txl, TakesNoOptions) {
  EXPECT_THROW(make_encoding<float>("txl", json{{"max_length", 10}}), UsageError);
  EXPECT_EQ(make_encoding<float>("txl")->options(), json::object());
}

TEST(RandTxl, LogitsUseTheSampledSignedDistancesOfTheLayer) {
  HookHarness f("rand_txl", json{{"max_length", 50}}, HookShape{2, 2, 4, 2, 5}, false, kSingleHookSeed);
  Rng rng(8);
  const auto q = random_vector(f.qk_size(), rng), k = random_vector(f.qk_size(), rng);
  PositionSampler sampler;
  const json options = {{"max_length", 50}};
  OptionsReader reader(options, "test");
  sampler.configure(reader);
  const auto r = sampler.distances(f.context().position_seed, 1, f.context().seq_len);
  auto rho = [&](int d) { return d >= 0 ? double(r[d]) : -double(r[-d]); };
  expect_logits_equal(f, f.logits(q, k, 1), txl_closed_form(f, q, k, 1, rho));
}

TEST(RandTxl, LogitsHookGradientsMatchFiniteDifferencesBidirectional) {
  HookHarness f("rand_txl", json(), HookShape{2, 2, 4, 2, 5}, false, kSingleHookSeed);
  f.check_logits_hook(1);
}

TEST(RandTxl, LogitsHookGradientsMatchFiniteDifferencesCausal) {
  HookHarness f("rand_txl", json{{"max_length", 64}}, HookShape{2, 2, 4, 2, 5}, true, kSingleHookSeed);
  f.check_logits_hook(0);
}

TEST(RandTxl, SequenceLongerThanMaxLengthIsAUsageError) {
  HookHarness f("rand_txl", json{{"max_length", 4}}, HookShape{1, 2, 4, 2, 5}, false, kSingleHookSeed);
  EXPECT_THROW(f.encoding().begin_forward(f.context()), UsageError);
  f.context().seq_len = 4;
  EXPECT_NO_THROW(f.encoding().begin_forward(f.context()));
}

TEST(RandTxl, ReportsItsResolvedOptions) {
  EXPECT_EQ(make_encoding<float>("rand_txl")->options(), (json{{"max_length", 2048}}));
  EXPECT_EQ(make_encoding<float>("rand_txl", json{{"max_length", 100}})->options(), (json{{"max_length", 100}}));
  EXPECT_THROW(make_encoding<float>("rand_txl", json{{"max_length", 0}}), UsageError);
  EXPECT_THROW(make_encoding<float>("rand_txl", json{{"max_length", 2.5}}), UsageError);
  EXPECT_THROW(make_encoding<float>("rand_txl", json{{"max_lenght", 100}}), UsageError);
}
