// Randomized positional encodings (rand_sinusoidal, rand_learned, rand_rope,
// rand_alibi; rand_txl is in test_encoding_txl.cpp): the sampling rules, the
// values each encoding adds, hook gradients and options.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "common/errors.hpp"
#include "encoding_hooks.hpp"
#include "models/encodings/support/position_math.hpp"
#include "models/encodings/support/random_positions.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

PositionSampler sampler_with(int max_length) {
  PositionSampler sampler;
  const json options = {{"max_length", max_length}};
  OptionsReader reader(options, "test");
  sampler.configure(reader);
  return sampler;
}

void expect_strictly_increasing_in(const std::vector<int>& values, int low, int high) {
  for (size_t t = 0; t < values.size(); ++t) {
    EXPECT_GE(values[t], low) << "entry " << t;
    EXPECT_LT(values[t], high) << "entry " << t;
    if (t > 0) {
      EXPECT_LT(values[t - 1], values[t]) << "entry " << t;
    }
  }
}

// Applies the input hook of `f` to zeros: the encoding's contribution alone.
std::vector<double> input_contribution(HookHarness& f) {
  std::vector<double> x(f.x_size(), 0.0);
  f.encoding().begin_forward(f.context());
  f.encoding().input_forward(x.data(), f.context());
  return x;
}

// The additive bias of `layer` for zero raw scores.
std::vector<double> logits_bias(HookHarness& f, int layer) {
  std::vector<double> s(f.logits_size(), 0.0), q(f.qk_size(), 0.0), k(f.qk_size(), 0.0);
  f.encoding().begin_forward(f.context());
  f.encoding().logits_forward(s.data(), q.data(), k.data(), layer, f.context());
  return s;
}

}  // namespace

// ---- sampling ---------------------------------------------------------------

TEST(PositionSampler, PositionsAreSortedDistinctAndBelowMaxLength) {
  const auto positions = sampler_with(2048).positions(5, 0, 500);
  ASSERT_EQ(positions.size(), 500u);
  expect_strictly_increasing_in(positions, 0, 2048);
}

TEST(PositionSampler, DistancesStartAtZeroThenSortedDistinctFromOne) {
  const auto distances = sampler_with(100).distances(5, 3, 40);
  ASSERT_EQ(distances.size(), 40u);
  EXPECT_EQ(distances[0], 0);
  expect_strictly_increasing_in({distances.begin() + 1, distances.end()}, 1, 100);
}

TEST(PositionSampler, SameSeedAndStreamReproduceTheDraw) {
  const auto sampler = sampler_with(2048);
  EXPECT_EQ(sampler.positions(42, 1, 64), sampler.positions(42, 1, 64));
  EXPECT_EQ(sampler.distances(42, 1, 64), sampler.distances(42, 1, 64));
}

TEST(PositionSampler, DifferentSeedsAndStreamsDrawDifferentPositions) {
  const auto sampler = sampler_with(2048);
  EXPECT_NE(sampler.positions(42, 1, 64), sampler.positions(43, 1, 64));
  EXPECT_NE(sampler.positions(42, 1, 64), sampler.positions(42, 2, 64));
  EXPECT_NE(sampler.positions(42, 0, 64), sampler.positions(42, PositionSampler::kInputStream, 64));
}

TEST(PositionSampler, MaxLengthEqualToTheSequenceLengthGivesEveryPosition) {
  const auto sampler = sampler_with(30);
  std::vector<int> all(30);
  for (int t = 0; t < 30; ++t) all[t] = t;
  EXPECT_EQ(sampler.positions(9, 4, 30), all);
  EXPECT_EQ(sampler.distances(9, 4, 30), all);
}

TEST(PositionSampler, EverySubsetMemberIsEquallyLikely) {
  // Drawing 2 of [0, 5): each value appears with probability 2/5.
  Rng rng(123);
  std::vector<int> counts(5, 0);
  const int draws = 20000;
  for (int n = 0; n < draws; ++n)
    for (int value : sample_sorted_distinct(rng, 2, 0, 5)) ++counts[value];
  for (int value = 0; value < 5; ++value) EXPECT_NEAR(counts[value] / double(draws), 0.4, 0.015) << value;
}

TEST(PositionSampler, SequenceLongerThanMaxLengthIsAUsageError) {
  const auto sampler = sampler_with(16);
  EXPECT_NO_THROW(sampler.check_length("rand_rope", 16));
  try {
    sampler.check_length("rand_rope", 17);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("sequence length 17 exceeds max_length 16"), std::string::npos) << e.what();
  }
}

// ---- options, shared by all randomized encodings -----------------------------

TEST(RandomizedEncodings, ReportMaxLengthAndRejectBadValues) {
  for (const char* name : {"rand_sinusoidal", "rand_learned", "rand_rope", "rand_alibi", "rand_txl"}) {
    EXPECT_EQ(make_encoding<float>(name)->options()["max_length"], 2048) << name;
    EXPECT_EQ(make_encoding<float>(name, json{{"max_length", 512}})->options()["max_length"], 512) << name;
    EXPECT_THROW(make_encoding<float>(name, json{{"max_length", -3}}), UsageError) << name;
    EXPECT_THROW(make_encoding<float>(name, json{{"max_length", "2048"}}), UsageError) << name;
    EXPECT_THROW(make_encoding<float>(name, json{{"L", 2048}}), UsageError) << name;
  }
}

TEST(RandomizedEncodings, EveryOneRefusesASequenceLongerThanMaxLength) {
  for (const char* name : {"rand_sinusoidal", "rand_learned", "rand_rope", "rand_alibi", "rand_txl"}) {
    HookHarness f(name, json{{"max_length", 8}}, HookShape{1, 2, 4, 2, 9}, false, kSingleHookSeed);
    EXPECT_THROW(f.encoding().begin_forward(f.context()), UsageError) << name;
  }
}

// ---- rand_sinusoidal ---------------------------------------------------------

TEST(RandSinusoidal, AddsTheSinusoidOfEachSampledPosition) {
  HookHarness f("rand_sinusoidal", json{{"max_length", 300}}, HookShape{2, 2, 4, 2, 6}, false, kSingleHookSeed);
  const auto positions = sampler_with(300).positions(f.context().position_seed, PositionSampler::kInputStream, 6);
  const auto x = input_contribution(f);
  const int D = f.context().d_model;
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 6; ++t)
      for (int c = 0; c < D / 2; ++c) {
        const double angle = positions[t] * std::pow(10000.0, -2.0 * c / D);
        EXPECT_NEAR(x[(b * 6 + t) * D + c], std::sin(angle), 1e-12);
        EXPECT_NEAR(x[(b * 6 + t) * D + D / 2 + c], std::cos(angle), 1e-12);
      }
}

TEST(RandSinusoidal, IsReproduciblePerSeedAndChangesWithTheSeed) {
  HookHarness f("rand_sinusoidal", json(), HookShape{1, 2, 4, 2, 10}, true, kSingleHookSeed);
  const auto first = input_contribution(f);
  EXPECT_EQ(input_contribution(f), first);
  f.context().position_seed += 1;
  EXPECT_NE(input_contribution(f), first);
}

// ---- rand_learned ------------------------------------------------------------

TEST(RandLearned, AddsTheTableRowsOfTheSampledPositions) {
  HookHarness f("rand_learned", json{{"max_length", 20}}, HookShape{2, 2, 4, 2, 5}, false, kSingleHookSeed);
  EXPECT_EQ(f.layout().find("encoding.rand_learned.table").shape, (std::vector<int>{20, 8}));
  const auto positions = sampler_with(20).positions(f.context().position_seed, PositionSampler::kInputStream, 5);
  const auto x = input_contribution(f);
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 5; ++t)
      for (int c = 0; c < 8; ++c) EXPECT_EQ(x[(b * 5 + t) * 8 + c], f.params()[positions[t] * 8 + c]);
}

TEST(RandLearned, InputHookGradientsMatchFiniteDifferences) {
  HookHarness f("rand_learned", json{{"max_length", 12}}, HookShape{3, 2, 4, 2, 5}, true, kSingleHookSeed);
  f.check_input_hook();
}

TEST(RandLearned, OnlySampledRowsReceiveGradient) {
  HookHarness f("rand_learned", json{{"max_length", 40}}, HookShape{2, 2, 4, 2, 4}, false, kSingleHookSeed);
  input_contribution(f);
  const std::vector<double> ones(f.x_size(), 1.0);
  f.encoding().input_backward(ones.data(), f.context());
  const auto positions = sampler_with(40).positions(f.context().position_seed, PositionSampler::kInputStream, 4);
  const std::set<int> drawn(positions.begin(), positions.end());
  for (int row = 0; row < 40; ++row)
    EXPECT_EQ(f.grads()[row * 8], drawn.count(row) ? 2.0 : 0.0) << "row " << row;  // summed over B = 2
}

// ---- rand_rope ---------------------------------------------------------------

TEST(RandRope, RotatesQAndKByTheLayersSampledPositions) {
  HookHarness f("rand_rope", json{{"max_length", 500}}, HookShape{2, 2, 4, 2, 6}, false, kSingleHookSeed);
  Rng rng(3);
  auto q = random_vector(f.qk_size(), rng), k = random_vector(f.qk_size(), rng);
  auto q_expected = q, k_expected = k;
  const auto drawn = sampler_with(500).positions(f.context().position_seed, 1, 6);
  const std::vector<double> positions(drawn.begin(), drawn.end());
  rope_apply(q_expected.data(), positions.data(), false, 2, 2, 6, 4, +1);
  rope_apply(k_expected.data(), positions.data(), false, 2, 2, 6, 4, +1);
  f.encoding().begin_forward(f.context());
  f.encoding().qk_forward(q.data(), k.data(), 1, f.context());
  for (size_t e = 0; e < q.size(); ++e) {
    EXPECT_NEAR(q[e], q_expected[e], 1e-12);
    EXPECT_NEAR(k[e], k_expected[e], 1e-12);
  }
}

TEST(RandRope, EachLayerDrawsItsOwnPositions) {
  HookHarness f("rand_rope", json(), HookShape{1, 2, 4, 2, 6}, false, kSingleHookSeed);
  Rng rng(4);
  const auto q = random_vector(f.qk_size(), rng), k = random_vector(f.qk_size(), rng);
  auto q0 = q, k0 = k, q1 = q, k1 = k;
  f.encoding().begin_forward(f.context());
  f.encoding().qk_forward(q0.data(), k0.data(), 0, f.context());
  f.encoding().qk_forward(q1.data(), k1.data(), 1, f.context());
  EXPECT_NE(q0, q1);
}

TEST(RandRope, QkHookGradientsMatchFiniteDifferences) {
  HookHarness f("rand_rope", json(), HookShape{2, 2, 4, 2, 5}, true, kSingleHookSeed);
  f.check_qk_hook(1);
}

// ---- rand_alibi --------------------------------------------------------------

TEST(RandAlibi, BidirectionalBiasUsesSampledDistancesAndTheLeftOffset) {
  HookHarness f("rand_alibi", json{{"max_length", 64}}, HookShape{1, 2, 4, 2, 5}, false, kSingleHookSeed);
  const auto r = sampler_with(64).distances(f.context().position_seed, 1, 5);
  const auto slopes = alibi_slopes(2);
  const auto bias = logits_bias(f, 1);
  for (int a = 0; a < 2; ++a)
    for (int i = 0; i < 5; ++i)
      for (int j = 0; j < 5; ++j)
        EXPECT_NEAR(bias[(a * 5 + i) * 5 + j], -slopes[a] * r[std::abs(i - j)] + (j < i ? 0.5 * slopes[a] : 0.0),
                    1e-12)
            << a << " " << i << " " << j;
}

TEST(RandAlibi, CausalBiasIsMinusSlopeTimesSampledDistance) {
  HookHarness f("rand_alibi", json{{"max_length", 64}}, HookShape{1, 2, 4, 2, 5}, true, kSingleHookSeed);
  const auto r = sampler_with(64).distances(f.context().position_seed, 0, 5);
  const auto slopes = alibi_slopes(2);
  const auto bias = logits_bias(f, 0);
  for (int a = 0; a < 2; ++a)
    for (int i = 0; i < 5; ++i)
      for (int j = 0; j <= i; ++j) EXPECT_NEAR(bias[(a * 5 + i) * 5 + j], -slopes[a] * r[i - j], 1e-12);
}

TEST(RandAlibi, EqualsAlibiWhenMaxLengthIsTheSequenceLength) {
  HookHarness f("rand_alibi", json{{"max_length", 6}}, HookShape{1, 2, 4, 2, 6}, false, kSingleHookSeed);
  const auto slopes = alibi_slopes(2);
  const auto bias = logits_bias(f, 0);
  for (int a = 0; a < 2; ++a)
    for (int i = 0; i < 6; ++i)
      for (int j = 0; j < 6; ++j)
        EXPECT_NEAR(bias[(a * 6 + i) * 6 + j], slopes[a] * (-std::abs(i - j) + (j < i ? 0.5 : 0.0)), 1e-12);
}

TEST(RandAlibi, EachLayerDrawsItsOwnDistances) {
  HookHarness f("rand_alibi", json(), HookShape{1, 2, 4, 2, 8}, false, kSingleHookSeed);
  EXPECT_NE(logits_bias(f, 0), logits_bias(f, 1));
}

TEST(RandLearned, RecordsItsTableInitWhichDefaultsToTheReferences) {
  EXPECT_EQ(make_encoding<float>("rand_learned")->options(),
            (json{{"max_length", 2048}, {"init", "truncated_normal"}}));
  EXPECT_EQ(make_encoding<float>("rand_learned", json{{"init", "normal_0.02"}})->options()["init"], "normal_0.02");
  HookHarness f("rand_learned", json{{"max_length", 400}}, HookShape{1, 2, 4, 1, 2}, false, kSingleHookSeed);
  double squares = 0, largest = 0;
  for (double value : f.params()) {
    squares += value * value;
    largest = std::max(largest, std::abs(value));
  }
  EXPECT_NEAR(std::sqrt(squares / f.params().size()), 0.88, 0.03);  // truncated normal σ 1 cut at ±2
  EXPECT_LE(largest, 2.0);
}

// ---- per-sequence draws at evaluation -----------------------------------------

namespace {

const char* const kRandomized[] = {"rand_sinusoidal", "rand_learned", "rand_rope", "rand_alibi", "rand_txl"};

// Every hook's output for the harness's q, k and zero input: input
// contribution, q and k after hook 2 of layer 1, logits of layer 1.
std::vector<double> all_hook_outputs(HookHarness& f) {
  std::vector<double> out = input_contribution(f);
  std::vector<double> q = f.q(), k = f.k();
  f.encoding().qk_forward(q.data(), k.data(), 1, f.context());
  out.insert(out.end(), q.begin(), q.end());
  out.insert(out.end(), k.begin(), k.end());
  const std::vector<double> logits = f.logits(q, k, 1);
  out.insert(out.end(), logits.begin(), logits.end());
  return out;
}

// The part of all_hook_outputs that belongs to sequence b of a B-sequence pass.
std::vector<double> sequence_slice(const std::vector<double>& all, const HookHarness& f, int b) {
  const HookShape& s = f.shape();
  const size_t x = f.x_size() / s.batch, qk = f.qk_size() / s.batch, logits = f.logits_size() / s.batch;
  std::vector<double> out;
  const auto append = [&](size_t start, size_t per_sequence) {
    out.insert(out.end(), all.begin() + start + b * per_sequence, all.begin() + start + (b + 1) * per_sequence);
  };
  append(0, x);
  append(f.x_size(), qk);
  append(f.x_size() + f.qk_size(), qk);
  append(f.x_size() + 2 * f.qk_size(), logits);
  return out;
}

}  // namespace

// With sequence seeds, sequence b draws from its own seed: the same sequence
// gives the same outputs alone or in a batch, and two sequences differ.
TEST(RandomizedEncodings, PerSequenceSeedsGiveEachSequenceItsOwnDrawIndependentOfTheBatch) {
  for (const char* name : kRandomized) {
    HookHarness batch(name, json{{"max_length", 64}}, HookShape{3, 2, 4, 2, 6}, false, kSingleHookSeed);
    const std::vector<uint64_t> seeds = {11, 12, 13};
    batch.context().sequence_seeds = seeds.data();
    const std::vector<double> together = all_hook_outputs(batch);
    for (int b = 0; b < 3; ++b) {
      HookHarness alone(name, json{{"max_length", 64}}, HookShape{1, 2, 4, 2, 6}, false, kSingleHookSeed);
      alone.params() = batch.params();
      alone.encoding().bind(alone.params().data(), alone.grads().data());
      const size_t qk = alone.qk_size();
      alone.q().assign(batch.q().begin() + b * qk, batch.q().begin() + (b + 1) * qk);
      alone.k().assign(batch.k().begin() + b * qk, batch.k().begin() + (b + 1) * qk);
      alone.context().sequence_seeds = seeds.data() + b;
      EXPECT_EQ(all_hook_outputs(alone), sequence_slice(together, batch, b)) << name << " sequence " << b;
    }
    // Same q and k in two sequences with different seeds: different outputs.
    HookHarness twins(name, json{{"max_length", 64}}, HookShape{2, 2, 4, 2, 6}, false, kSingleHookSeed);
    const size_t qk = twins.qk_size() / 2;
    std::copy(twins.q().begin(), twins.q().begin() + qk, twins.q().begin() + qk);
    std::copy(twins.k().begin(), twins.k().begin() + qk, twins.k().begin() + qk);
    const std::vector<uint64_t> twin_seeds = {5, 6};
    twins.context().sequence_seeds = twin_seeds.data();
    const std::vector<double> outputs = all_hook_outputs(twins);
    EXPECT_NE(sequence_slice(outputs, twins, 0), sequence_slice(outputs, twins, 1)) << name;
    // Without sequence seeds (training) the two share one draw and agree.
    twins.context().sequence_seeds = nullptr;
    const std::vector<double> shared = all_hook_outputs(twins);
    EXPECT_EQ(sequence_slice(shared, twins, 0), sequence_slice(shared, twins, 1)) << name;
  }
}

// Evaluation never runs a backward pass, but the hooks keep their contract
// with one draw per sequence (rand_txl sums dW_R over the draws).
TEST(RandomizedEncodings, PerSequenceDrawsKeepExactHookGradients) {
  const std::vector<uint64_t> seeds = {101, 202, 303};
  for (bool causal : {true, false}) {
    HookHarness txl("rand_txl", json{{"max_length", 40}}, HookShape{3, 2, 4, 2, 5}, causal, kSingleHookSeed);
    txl.context().sequence_seeds = seeds.data();
    txl.check_gradients();
    txl.check_logits_hook(1);
  }
  HookHarness learned("rand_learned", json{{"max_length", 40}}, HookShape{3, 2, 4, 2, 5}, false, kSingleHookSeed);
  learned.context().sequence_seeds = seeds.data();
  learned.check_input_hook();
  HookHarness rope("rand_rope", json{{"max_length", 40}}, HookShape{3, 2, 4, 2, 5}, false, kSingleHookSeed);
  rope.context().sequence_seeds = seeds.data();
  rope.check_qk_hook(1);
}
