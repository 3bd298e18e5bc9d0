// Conformance suite for every registered encoding (docs/architecture.md#tests):
// parameterised over encoding_registry().names(), so a new encoding plugin is
// tested here without editing this file. What each encoding computes lives in
// its own suite (tests/test_encoding_<name>.cpp); this one checks the
// contract every encoding shares, in every attention mode it serves:
//   - its options: recorded, written as JSON text and read back, they build
//     the same encoding, which computes the same numbers; bad options are
//     usage errors;
//   - its gradients: the whole-model finite-difference check
//     (tests/model_gradients.hpp);
//   - reproducibility: the same seeds give the same numbers, bit for bit;
//     the position seed matters exactly to the encodings that sample;
//   - thread-count invariance: 1 and 2 threads give bit-identical losses,
//     logits and gradients;
//   - sub-batch invariance: evaluation does not depend on how the batch is
//     split, by the memory budget or into single sequences.
// Every model here starts from perturbed parameters (model_fixtures.hpp), so
// tables initialised to zero (CoPE, FIRE's and DAPE's output layers) do not
// hide the paths they gate.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "common/errors.hpp"
#include "models/encoding.hpp"
#include "models/transformer.hpp"
#include "tests/encoding_hooks.hpp"
#include "tests/model_fixtures.hpp"
#include "tests/model_gradients.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

constexpr int kVocab = 6;
constexpr uint64_t kInitSeed = 3;

// Every encoding is built for both attention modes (one that cannot serve a
// task declines it through Encoding::applicable, per task, not per mode).
constexpr bool kAttentionModes[] = {true, false};  // causal, bidirectional

using Case = std::tuple<std::string, bool>;  // encoding, causal

std::vector<Case> every_encoding_in_every_mode() {
  std::vector<Case> cases;
  for (const std::string& name : encoding_registry().names())
    for (const bool causal : kAttentionModes) cases.emplace_back(name, causal);
  return cases;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return std::get<0>(info.param) + (std::get<1>(info.param) ? "_causal" : "_bidirectional");
}

// A small model (model_fixtures.hpp) with `encoding`, perturbed parameters.
template <typename T>
std::unique_ptr<Transformer<T>> small_model(const std::string& encoding, const json& options = json()) {
  auto model = std::make_unique<Transformer<T>>(small_model_config(kVocab, kVocab),
                                                make_encoding<T>(encoding, options), kInitSeed);
  perturb_parameters(*model, 0.1, kInitSeed);
  return model;
}

template <typename T>
std::vector<T> gradients_of(Transformer<T>& model) {
  return std::vector<T>(model.gradients(), model.gradients() + model.num_parameters());
}

template <typename T>
std::vector<T> logits_of(Transformer<T>& model, const Batch& batch) {
  return std::vector<T>(model.logits(), model.logits() + batch.tokens.size() * kVocab);
}

double max_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double worst = a.size() == b.size() ? 0.0 : INFINITY;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

std::vector<uint64_t> sequence_seeds(int count) {
  std::vector<uint64_t> seeds(count);
  for (int b = 0; b < count; ++b) seeds[b] = 41 + 977 * b;
  return seeds;
}

// ---- every encoding, whatever the attention mode ------------------------------

class EncodingConformance : public ::testing::TestWithParam<std::string> {};

TEST_P(EncodingConformance, NameIsTheRegisteredName) {
  EXPECT_EQ(make_encoding<float>(GetParam())->name(), GetParam());
  EXPECT_EQ(make_encoding<double>(GetParam())->name(), GetParam());
}

TEST_P(EncodingConformance, RecordedOptionsAreAJsonObjectThatFloatAndDoubleAgreeOn) {
  const json recorded = make_encoding<float>(GetParam())->options();
  ASSERT_TRUE(recorded.is_object()) << recorded.dump();
  EXPECT_EQ(make_encoding<double>(GetParam())->options(), recorded);
}

// A result file records options() as JSON text; read back, they rebuild the
// encoding: the same options again, and the same numbers.
TEST_P(EncodingConformance, RecordedOptionsReadBackFromJsonTextBuildTheSameEncoding) {
  const json recorded = make_encoding<float>(GetParam())->options();
  const json read_back = json::parse(recorded.dump());
  EXPECT_EQ(make_encoding<float>(GetParam(), read_back)->options(), recorded);
  const Batch batch = segmented_batch(11, 3, 12, kVocab, true);
  auto original = small_model<float>(GetParam());
  auto rebuilt = small_model<float>(GetParam(), read_back);
  EXPECT_EQ(original->train_step(batch, 5, 0).loss, rebuilt->train_step(batch, 5, 0).loss);
  EXPECT_EQ(gradients_of(*original), gradients_of(*rebuilt));
}

TEST_P(EncodingConformance, UnknownOptionIsAUsageErrorNamingIt) {
  try {
    make_encoding<float>(GetParam(), json{{"no_such_option", 1}});
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_option"), std::string::npos) << e.what();
  }
}

TEST_P(EncodingConformance, NonObjectOptionsAreAUsageError) {
  EXPECT_THROW(make_encoding<float>(GetParam(), json::array({1, 2})), UsageError);
  EXPECT_THROW(make_encoding<float>(GetParam(), json("x")), UsageError);
}

INSTANTIATE_TEST_SUITE_P(AllEncodings, EncodingConformance, ::testing::ValuesIn(encoding_registry().names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// ---- every encoding in every attention mode it serves ---------------------------

class EncodingConformanceInMode : public ::testing::TestWithParam<Case> {
 protected:
  const std::string& encoding() const { return std::get<0>(GetParam()); }
  bool causal() const { return std::get<1>(GetParam()); }
};

TEST_P(EncodingConformanceInMode, GradientsMatchFiniteDifferencesForEveryTensor) {
  expect_model_gradients_match(encoding(), json::object(), causal());
}

TEST_P(EncodingConformanceInMode, TheSameSeedsGiveTheSameNumbers) {
  const Batch batch = segmented_batch(4, 5, 9, kVocab, causal());
  auto first = small_model<float>(encoding());
  auto second = small_model<float>(encoding());
  const std::vector<float> initial(first->parameters(), first->parameters() + first->num_parameters());
  EXPECT_EQ(std::vector<float>(second->parameters(), second->parameters() + second->num_parameters()), initial);
  EXPECT_EQ(first->train_step(batch, 17, 0).loss, second->train_step(batch, 17, 0).loss);
  EXPECT_EQ(gradients_of(*first), gradients_of(*second));
  const double evaluated = first->evaluate(batch, 99).loss;
  EXPECT_EQ(first->evaluate(batch, 99).loss, evaluated) << "the same model evaluated twice";
  EXPECT_EQ(second->evaluate(batch, 99).loss, evaluated);
}

// An encoding that samples positions draws them from the position seed, or
// with one seed per sequence from that sequence's seed; one that does not
// sample ignores both.
TEST_P(EncodingConformanceInMode, OnlyASamplingEncodingDependsOnThePositionSeeds) {
  const Batch batch = segmented_batch(6, 5, 12, kVocab, causal());
  auto model = small_model<double>(encoding());
  model->evaluate(batch, 5);
  const std::vector<double> seed5 = logits_of(*model, batch);
  model->evaluate(batch, 6);
  const bool samples = logits_of(*model, batch) != seed5;
  model->evaluate(batch, std::vector<uint64_t>(batch.batch_size, 5));
  const std::vector<double> all_seeded_5 = logits_of(*model, batch);
  model->evaluate(batch, sequence_seeds(batch.batch_size));
  EXPECT_EQ(logits_of(*model, batch) != all_seeded_5, samples)
      << (samples ? "samples positions but ignores the per-sequence seeds"
                  : "ignores the position seed but not the per-sequence seeds");
}

// An encoding whose logits hook changes the scores must say so
// (Encoding::has_logits_hook): without it the transformer takes the fused
// attention kernels and never calls the hook. Parameters perturbed, so a
// table initialised to zero (CoPE, FIRE, DAPE) still shows its effect, and
// several segments per sequence (BiPE). (A declared hook may leave the
// scores alone in some mode, as xPos does when causal: that only costs speed.)
TEST_P(EncodingConformanceInMode, ALogitsHookThatChangesTheScoresIsDeclared) {
  const HookShape shape;
  HookHarness harness(encoding(), json::object(), shape, causal());
  std::vector<uint8_t> boundary(static_cast<size_t>(shape.batch) * shape.seq_len, 0);
  for (size_t t = 1; t < boundary.size(); t += 2) boundary[t] = 1;
  harness.set_boundary(boundary);
  Rng rng(5, "perturb");
  for (double& parameter : harness.params()) parameter += 0.1 * rng.normal();
  harness.encoding().project_parameters();
  const std::vector<double> raw = harness.raw_logits();
  const int T = shape.seq_len;
  for (int layer = 0; layer < shape.layers; ++layer) {
    const std::vector<double> logits = harness.logits(layer);
    bool changed = false;
    for (size_t e = 0; e < logits.size(); ++e)
      if (harness.kept(static_cast<int>((e / T) % T), static_cast<int>(e % T)) && logits[e] != raw[e]) changed = true;
    if (changed) EXPECT_TRUE(harness.encoding().has_logits_hook()) << "layer " << layer << " changes the scores";
  }
}

TEST_P(EncodingConformanceInMode, OneAndTwoThreadsGiveBitIdenticalResults) {
  // B·T·D = 16·64·32: above the size where the element-wise encoding loops
  // (learned, sinusoidal) split across threads too.
  const Batch batch = segmented_batch(7, 16, 64, kVocab, causal());
  auto run = [&](int threads) {
    return with_threads(threads, [&] {
      auto model = small_model<float>(encoding());
      std::vector<float> out = {static_cast<float>(model->train_step(batch, 17, 0).loss)};
      const std::vector<float> gradients = gradients_of(*model);
      out.insert(out.end(), gradients.begin(), gradients.end());
      model->evaluate(batch, sequence_seeds(batch.batch_size));
      const std::vector<float> logits = logits_of(*model, batch);
      out.insert(out.end(), logits.begin(), logits.end());
      return out;
    });
  };
  EXPECT_EQ(run(1), run(2));
}

// An additive bias (ALiBi, T5, KERPLE, FIRE, MEP, their randomized and BiPE
// forms) is added inside the fused attention kernel; the [B,h,T,T] stages
// with the logits hook in between must give the same bits: loss, every
// gradient, and evaluation logits with one draw per batch and per sequence.
TEST_P(EncodingConformanceInMode, FusedAttentionBiasGivesTheStagedBits) {
  const Batch batch = segmented_batch(7, 6, 40, kVocab, causal());
  auto run = [&](bool fused) {
    transformer_allow_fused_attention_bias(fused);
    auto model = small_model<float>(encoding());
    std::vector<float> out = {static_cast<float>(model->train_step(batch, 17, 3).loss)};
    const std::vector<float> gradients = gradients_of(*model);
    out.insert(out.end(), gradients.begin(), gradients.end());
    for (const bool per_sequence : {false, true}) {
      if (per_sequence) model->evaluate(batch, sequence_seeds(batch.batch_size));
      else model->evaluate(batch, 5);
      const std::vector<float> logits = logits_of(*model, batch);
      out.insert(out.end(), logits.begin(), logits.end());
    }
    transformer_allow_fused_attention_bias(true);
    return out;
  };
  EXPECT_EQ(run(true), run(false));
}

TEST_P(EncodingConformanceInMode, EvaluationDoesNotDependOnTheMemoryBudgetsSubBatches) {
  const Batch batch = segmented_batch(8, 7, 70, kVocab, causal());  // sub-batches of 3 at T = 70
  auto model = small_model<float>(encoding());
  const ForwardResult whole = model->evaluate(batch, 5);
  const std::vector<float> whole_logits = logits_of(*model, batch);
  model->set_eval_memory_budget(1);
  ASSERT_LT(model->eval_sub_batch_size(batch.seq_len), batch.batch_size);
  EXPECT_EQ(model->evaluate(batch, 5).loss, whole.loss);
  EXPECT_EQ(logits_of(*model, batch), whole_logits);
}

// With one seed per sequence, a sequence's logits depend on that sequence
// and its seed only: the same alone as in any batch.
TEST_P(EncodingConformanceInMode, EachSequenceEvaluatesTheSameAloneAndInABatch) {
  const Batch batch = segmented_batch(9, 5, 12, kVocab, causal());
  const std::vector<uint64_t> seeds = sequence_seeds(batch.batch_size);
  auto model = small_model<double>(encoding());
  model->evaluate(batch, seeds);
  const std::vector<double> together = logits_of(*model, batch);
  const size_t per_sequence = static_cast<size_t>(batch.seq_len) * kVocab;
  for (int b = 0; b < batch.batch_size; ++b) {
    const Batch single = sequence_of(batch, b);
    model->evaluate(single, std::vector<uint64_t>{seeds[b]});
    const std::vector<double> expected(together.begin() + b * per_sequence, together.begin() + (b + 1) * per_sequence);
    // Equal up to the GEMMs' summation order, which depends on the rows in a block.
    EXPECT_LT(max_difference(logits_of(*model, single), expected), 1e-12) << "sequence " << b;
  }
}

INSTANTIATE_TEST_SUITE_P(AllEncodings, EncodingConformanceInMode, ::testing::ValuesIn(every_encoding_in_every_mode()),
                         case_name);

}  // namespace
