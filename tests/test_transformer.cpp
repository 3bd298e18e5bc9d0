// Transformer<T>: results, evaluation, validation, initialisation, hooks,
// determinism across seeds and thread counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "models/eigen.hpp"
#include "models/optimizer.hpp"
#include "models/transformer.hpp"
#include "tests/model_fixtures.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

std::unique_ptr<Encoding<float>> nope() { return make_encoding<float>("nope"); }

// A training pass (dropout on, where the model has any) with seeds 0.
PassOptions training_pass() {
  PassOptions pass;
  pass.training = true;
  return pass;
}

Batch previous_token_batch(uint64_t seed, int batch_size, int seq_len, bool causal = true) {
  Rng rng(seed, "test-batch");
  return random_batch(rng, batch_size, seq_len, 6, causal, previous_token());
}

// Records the order of hook calls and checks the values each hook receives.
template <typename T>
class RecordingEncoding : public Encoding<T> {
 public:
  std::vector<std::string> calls;
  EncodingContext seen;
  double max_score_error = 0.0;  // |scores − q·kᵀ/sqrt(d)| at hook 3
  std::vector<T> input_seen;     // x at hook 1
  size_t offset = 0;
  bool declare = false;

  void declare_parameters(ParamLayout& layout, const ModelConfig&) override {
    if (declare) offset = layout.add("encoding.recording.scale", {3}, Init::constant(0.5), false);
  }
  void begin_forward(const EncodingContext& ctx) override {
    seen = ctx;
    calls.push_back("begin");
  }
  void input_forward(T* x, const EncodingContext& ctx) override {
    input_seen.assign(x, x + static_cast<size_t>(ctx.batch) * ctx.seq_len * ctx.d_model);
    calls.push_back("input");
  }
  void input_backward(const T*, const EncodingContext&) override { calls.push_back("input_backward"); }
  void qk_forward(T*, T*, int layer, const EncodingContext&) override {
    calls.push_back("qk" + std::to_string(layer));
  }
  void qk_backward(T*, T*, int layer, const EncodingContext&) override {
    calls.push_back("qk_backward" + std::to_string(layer));
  }
  bool has_logits_hook() const override { return true; }
  void logits_forward(T* scores, const T* q, const T* k, int layer, const EncodingContext& ctx) override {
    calls.push_back("logits" + std::to_string(layer));
    const int T_ = ctx.seq_len, d = ctx.d_head;
    for (int u = 0; u < ctx.batch * ctx.n_heads; ++u)
      for (int i = 0; i < T_; ++i)
        for (int j = 0; j <= (ctx.causal ? i : T_ - 1); ++j) {
          double dot = 0;
          for (int e = 0; e < d; ++e) dot += double(q[(u * T_ + i) * d + e]) * k[(u * T_ + j) * d + e];
          const double expected = dot / std::sqrt(double(d));
          max_score_error = std::max(max_score_error, std::abs(expected - scores[(u * T_ + i) * T_ + j]));
        }
  }
  void logits_backward(T*, T*, T*, const T*, const T*, int layer, const EncodingContext&) override {
    calls.push_back("logits_backward" + std::to_string(layer));
  }
};

TEST(Transformer, CountsTargetedScoredAndCorrectPositions) {
  Batch batch = previous_token_batch(1, 4, 7);
  batch.scored[3] = 0;  // a targeted but unscored position
  Transformer<float> model(small_model_config(6, 6), nope(), 1);
  const ForwardResult result = model.forward(batch, {});
  int64_t targeted = 0, scored = 0, correct = 0, sequences = 0, sequences_correct = 0;
  for (int b = 0; b < batch.batch_size; ++b) {
    int64_t seq_scored = 0, seq_correct = 0;
    for (int t = 0; t < batch.seq_len; ++t) {
      const size_t i = b * batch.seq_len + t;
      targeted += batch.targets[i] >= 0;
      if (!batch.scored[i]) continue;
      ++seq_scored;
      seq_correct += model.predictions()[i] == batch.targets[i];
    }
    scored += seq_scored;
    correct += seq_correct;
    sequences += seq_scored > 0;
    sequences_correct += seq_scored > 0 && seq_correct == seq_scored;
  }
  EXPECT_EQ(result.targeted, targeted);
  EXPECT_EQ(result.targeted, 4 * 6);
  EXPECT_EQ(result.scored, scored);
  EXPECT_EQ(result.scored, 4 * 6 - 1);
  EXPECT_EQ(result.correct, correct);
  EXPECT_EQ(result.sequences, sequences);
  EXPECT_EQ(result.sequences_correct, sequences_correct);
}

TEST(Transformer, LossIsTheMeanCrossEntropyOverTargetedPositions) {
  const Batch batch = previous_token_batch(2, 3, 9);
  Transformer<double> model(small_model_config(6, 6), make_encoding<double>("nope"), 1);
  const ForwardResult result = model.forward(batch, {});
  double total = 0;
  int count = 0;
  for (size_t i = 0; i < batch.targets.size(); ++i) {
    if (batch.targets[i] < 0) continue;
    const double* z = model.logits() + i * 6;
    double normaliser = 0;
    for (int c = 0; c < 6; ++c) normaliser += std::exp(z[c]);
    total += std::log(normaliser) - z[batch.targets[i]];
    ++count;
  }
  EXPECT_NEAR(result.loss, total / count, 1e-12);
}

TEST(Transformer, PredictionsAreTheArgmaxOfTheLogits) {
  const Batch batch = previous_token_batch(3, 2, 5);
  Transformer<float> model(small_model_config(6, 6), nope(), 1);
  model.forward(batch, {});
  for (size_t i = 0; i < batch.tokens.size(); ++i) {
    const float* z = model.logits() + i * 6;
    EXPECT_EQ(model.predictions()[i], std::max_element(z, z + 6) - z);
  }
}

TEST(Transformer, EvaluateMatchesForwardBitForBit) {
  const Batch batch = previous_token_batch(4, 5, 11);
  Transformer<float> model(small_model_config(6, 6), nope(), 1);
  const ForwardResult forward = model.forward(batch, {});
  const std::vector<float> forward_logits(model.logits(), model.logits() + batch.tokens.size() * 6);
  const ForwardResult evaluated = model.evaluate(batch, 0);
  EXPECT_EQ(evaluated.loss, forward.loss);
  EXPECT_EQ(evaluated.correct, forward.correct);
  EXPECT_EQ(std::vector<float>(model.logits(), model.logits() + forward_logits.size()), forward_logits);
}

TEST(Transformer, EvaluateIsIndependentOfTheMemoryBudget) {
  for (const bool causal : {true, false}) {
    const Batch batch = previous_token_batch(5, 23, 70, causal);
    Transformer<float> model(small_model_config(6, 6), nope(), 1);
    const ForwardResult whole = model.evaluate(batch, 0);
    const std::vector<float> whole_logits(model.logits(), model.logits() + batch.tokens.size() * 6);
    for (const size_t budget : {size_t(1), size_t(2) << 20, size_t(5) << 20}) {
      model.set_eval_memory_budget(budget);
      ASSERT_LT(model.eval_sub_batch_size(batch.seq_len), batch.batch_size) << "budget " << budget;
      const ForwardResult split = model.evaluate(batch, 0);
      EXPECT_EQ(split.loss, whole.loss) << "budget " << budget;
      EXPECT_EQ(split.correct, whole.correct);
      EXPECT_EQ(split.sequences_correct, whole.sequences_correct);
      EXPECT_EQ(std::vector<float>(model.logits(), model.logits() + whole_logits.size()), whole_logits);
    }
  }
}

TEST(Transformer, EvaluateBoundsActivationMemoryAtLongLengths) {
  ModelConfig che = small_model_config(4, 3);
  che.d_model = 64;
  che.n_heads = 8;
  che.n_layers = 5;
  che.d_ff = 256;
  che.max_seq_len = 2048;
  Transformer<float> model(che, nope(), 1);
  const size_t budget = size_t(256) << 20;
  for (const int length : {1000, 1500}) {
    const size_t attention_bytes = size_t(che.n_heads) * length * length * sizeof(float);
    const int sub_batch = model.eval_sub_batch_size(length);
    EXPECT_GE(sub_batch, 1);
    EXPECT_LE(sub_batch * 2 * attention_bytes, budget) << "length " << length;
  }
  EXPECT_GE(model.eval_sub_batch_size(80), 128) << "a CHE training batch evaluates in one pass";
}

TEST(Transformer, DropoutIsOffInEvaluation) {
  ModelConfig config = small_model_config(6, 6);
  config.dropout = 0.5;
  const Batch batch = previous_token_batch(6, 4, 9);
  Transformer<float> model(config, nope(), 1);
  const double deterministic = model.forward(batch, {}).loss;
  EXPECT_EQ(model.evaluate(batch, 0).loss, deterministic);
  PassOptions training;
  training.training = true;
  training.dropout_seed = 1;
  EXPECT_NE(model.forward(batch, training).loss, deterministic);
}

TEST(Transformer, DropoutMasksFollowTheDropoutSeed) {
  ModelConfig config = small_model_config(6, 6);
  config.dropout = 0.3;
  const Batch batch = previous_token_batch(7, 4, 9);
  Transformer<float> model(config, nope(), 1);
  PassOptions pass;
  pass.training = true;
  pass.dropout_seed = 1;
  const double first = model.forward(batch, pass).loss;
  EXPECT_EQ(model.forward(batch, pass).loss, first);
  pass.dropout_seed = 2;
  EXPECT_NE(model.forward(batch, pass).loss, first);
}

TEST(Transformer, RejectsInvalidConfigsWithUsageErrors) {
  auto build = [](auto change) {
    ModelConfig config = small_model_config(6, 6);
    change(config);
    Transformer<float> model(config, make_encoding<float>("nope"), 1);
  };
  EXPECT_THROW(build([](ModelConfig& c) { c.n_heads = 5; }), UsageError);
  EXPECT_THROW(build([](ModelConfig& c) { c.dropout = 1.0; }), UsageError);
  EXPECT_THROW(build([](ModelConfig& c) { c.input_vocab = 0; }), UsageError);
  EXPECT_THROW(build([](ModelConfig& c) { c.n_layers = 0; }), UsageError);
  EXPECT_THROW(build([](ModelConfig& c) { c.d_ff = 0; }), UsageError);
}

TEST(Transformer, RejectsBatchesItCannotReadWithUsageErrors) {
  ModelConfig config = small_model_config(6, 6);
  config.max_seq_len = 8;
  Transformer<float> model(config, nope(), 1);
  EXPECT_THROW(model.forward(previous_token_batch(8, 2, 9), {}), UsageError);
  EXPECT_THROW(model.evaluate(previous_token_batch(8, 2, 9), 0), UsageError);
  Batch bad_token = previous_token_batch(8, 2, 5);
  bad_token.tokens[3] = 6;
  EXPECT_THROW(model.forward(bad_token, {}), UsageError);
  Batch bad_target = previous_token_batch(8, 2, 5);
  bad_target.targets[3] = 6;
  EXPECT_THROW(model.forward(bad_target, {}), UsageError);
  Batch short_buffers = previous_token_batch(8, 2, 5);
  short_buffers.scored.pop_back();
  EXPECT_THROW(model.forward(short_buffers, {}), UsageError);
}

TEST(Transformer, BackwardNeedsAPrecedingForward) {
  Transformer<float> model(small_model_config(6, 6), nope(), 1);
  EXPECT_THROW(model.backward(), RuntimeError);
  model.evaluate(previous_token_batch(10, 2, 5), 0);
  EXPECT_THROW(model.backward(), RuntimeError);
}

TEST(Transformer, GradientsAccumulateAcrossBackwardCalls) {
  const Batch batch = previous_token_batch(11, 3, 8);
  Transformer<float> model(small_model_config(6, 6), nope(), 1);
  model.train_step(batch, 0, 0);
  const std::vector<float> once(model.gradients(), model.gradients() + model.num_parameters());
  model.forward(batch, training_pass());
  model.backward();
  // Twice the gradient up to rounding (partial sums are added into the
  // running gradient, so the grouping differs from 2·g).
  for (size_t i = 0; i < once.size(); ++i)
    ASSERT_NEAR(model.gradients()[i], 2 * once[i], 1e-5f * (std::abs(once[i]) + 1e-3f)) << i;
  model.zero_grad();
  for (size_t i = 0; i < once.size(); ++i) ASSERT_EQ(model.gradients()[i], 0.0f);
}

double sample_std(const float* x, size_t n) {
  double mean = 0, squares = 0;
  for (size_t i = 0; i < n; ++i) mean += x[i];
  mean /= n;
  for (size_t i = 0; i < n; ++i) squares += (x[i] - mean) * (x[i] - mean);
  return std::sqrt(squares / n);
}

TEST(Transformer, InitialisesLikeTheCheReference) {
  ModelConfig config = small_model_config(50, 6);
  config.d_model = 64;
  config.d_ff = 256;
  config.norm = NormPlacement::post;
  Transformer<float> model(config, nope(), 3);
  // A normal truncated at ±2σ has standard deviation 0.8796σ.
  const double truncation = 0.8796;
  auto tensor = [&](const std::string& name) { return model.layout().find(name); };
  auto check_std = [&](const std::string& name, double sigma) {
    const ParamTensor& t = tensor(name);
    const float* values = model.parameters() + t.offset;
    EXPECT_NEAR(sample_std(values, t.size), truncation * sigma, 0.08 * sigma) << name;
    for (size_t i = 0; i < t.size; ++i) ASSERT_LE(std::abs(values[i]), 2 * sigma * (1 + 1e-6)) << name;
  };
  check_std("embedding.tokens", 0.02);
  check_std("layer0.attn.wq", 1 / std::sqrt(64.0));
  check_std("layer1.attn.wo", 1 / std::sqrt(64.0));
  check_std("layer0.ffn.w1", 1 / std::sqrt(64.0));
  check_std("layer0.ffn.w2", 1 / std::sqrt(256.0));
  check_std("head.weight", 1 / std::sqrt(64.0));
  for (const auto& [name, value] : std::vector<std::pair<std::string, float>>{
           {"layer0.ln1.weight", 1}, {"layer0.ln1.bias", 0}, {"layer1.ln2.weight", 1}, {"layer0.ffn.b1", 0},
           {"layer0.ffn.b2", 0}, {"head.bias", 0}}) {
    const ParamTensor& t = tensor(name);
    for (size_t i = 0; i < t.size; ++i) ASSERT_EQ(model.parameters()[t.offset + i], value) << name;
    EXPECT_FALSE(t.weight_decay) << name;
  }
  EXPECT_TRUE(tensor("layer0.attn.wq").weight_decay);
  EXPECT_THROW(tensor("final_ln.weight"), RuntimeError) << "post-norm has no final LayerNorm";
}

TEST(Transformer, EncodingParametersComeLastAndLeaveTheModelInitUnchanged) {
  Transformer<float> plain(small_model_config(6, 6), nope(), 5);
  auto recording = std::make_unique<RecordingEncoding<float>>();
  recording->declare = true;
  Transformer<float> with_parameter(small_model_config(6, 6), std::move(recording), 5);
  ASSERT_EQ(with_parameter.num_parameters(), plain.num_parameters() + 3);
  EXPECT_EQ(with_parameter.layout().tensors().back().name, "encoding.recording.scale");
  for (size_t i = 0; i < plain.num_parameters(); ++i)
    ASSERT_EQ(with_parameter.parameters()[i], plain.parameters()[i]) << i;
  EXPECT_EQ(with_parameter.parameters()[plain.num_parameters()], 0.5f);
}

TEST(Transformer, CallsEncodingHooksAtTheDocumentedPoints) {
  auto owned = std::make_unique<RecordingEncoding<double>>();
  RecordingEncoding<double>& recording = *owned;
  ModelConfig config = small_model_config(6, 6);
  Transformer<double> model(config, std::move(owned), 1);
  const Batch batch = previous_token_batch(12, 3, 7, false);
  model.forward(batch, training_pass());
  EXPECT_EQ(recording.calls, (std::vector<std::string>{"begin", "input", "qk0", "logits0", "qk1", "logits1"}));
  EXPECT_EQ(recording.seen.batch, 3);
  EXPECT_EQ(recording.seen.seq_len, 7);
  EXPECT_EQ(recording.seen.n_heads, 4);
  EXPECT_EQ(recording.seen.d_head, 8);
  EXPECT_FALSE(recording.seen.causal);
  EXPECT_TRUE(recording.seen.training);
  EXPECT_LT(recording.max_score_error, 1e-12) << "hook 3 receives q·kᵀ/sqrt(d_head)";
  // Hook 1 sees sqrt(D)·E[token] before any positional term.
  const ParamTensor& embedding = model.layout().find("embedding.tokens");
  for (int i = 0; i < 21; ++i)
    for (int c = 0; c < config.d_model; ++c)
      ASSERT_DOUBLE_EQ(recording.input_seen[i * config.d_model + c],
                       std::sqrt(32.0) * model.parameters()[embedding.offset + batch.tokens[i] * config.d_model + c]);
  recording.calls.clear();
  model.backward();
  EXPECT_EQ(recording.calls, (std::vector<std::string>{"logits_backward1", "qk_backward1", "logits_backward0",
                                                       "qk_backward0", "input_backward"}));
}

// Trains a fresh model for `steps` AdamW steps and returns its parameters.
std::vector<float> train(const ModelConfig& config, uint64_t init_seed, int steps, std::vector<double>* losses,
                         bool causal = true) {
  Transformer<float> model(config, nope(), init_seed);
  OptimizerConfig optimizer_config;
  optimizer_config.lr = 3e-3;
  optimizer_config.weight_decay = 0.01;
  AdamW<float> optimizer(optimizer_config, model.layout());
  for (int step = 0; step < steps; ++step) {
    const Batch batch = previous_token_batch(100 + step, 12, 66, causal);
    const ForwardResult result = model.train_step(batch, step, 1000 + step);
    if (losses) losses->push_back(result.loss);
    model.apply_update(optimizer);
  }
  return std::vector<float>(model.parameters(), model.parameters() + model.num_parameters());
}

// Entries of two parameter vectors that differ in any bit (all, if the sizes differ).
size_t count_differing(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return std::max(a.size(), b.size());
  size_t differing = 0;
  for (size_t i = 0; i < a.size(); ++i) differing += a[i] != b[i];
  return differing;
}

TEST(Determinism, SameSeedGivesTheSameLosses) {
  std::vector<double> first, second, other_seed;
  train(small_model_config(6, 6), 1, 5, &first);
  train(small_model_config(6, 6), 1, 5, &second);
  train(small_model_config(6, 6), 2, 5, &other_seed);
  EXPECT_EQ(first, second);
  EXPECT_NE(first, other_seed);
}

// 20 AdamW steps with dropout, 12 × 66 = 792 rows per batch: several GEMM
// row blocks (3 sequences each), weight-gradient row blocks (512 rows) and
// causal attention blocks (64 query rows).
void expect_same_parameters_for_one_and_two_threads(Precision precision) {
  ModelConfig config = small_model_config(6, 6);
  config.d_model = 48;  // N·D above the threshold where even LayerNorm and dropout split across threads
  config.d_ff = 96;
  config.dropout = 0.1;
  config.precision = precision;
  for (const bool causal : {true, false}) {
    set_num_threads(1);
    const std::vector<float> one = train(config, 3, 20, nullptr, causal);
    set_num_threads(2);
    const std::vector<float> two = train(config, 3, 20, nullptr, causal);
    set_num_threads(1);
    EXPECT_EQ(count_differing(one, two), 0u) << (causal ? "causal" : "bidirectional");
  }
}

TEST(Determinism, OneAndTwoThreadsGiveBitIdenticalParameters) {
  expect_same_parameters_for_one_and_two_threads(Precision::fp32);
}

TEST(Determinism, OneAndTwoThreadsGiveBitIdenticalParametersInBf16) {
  expect_same_parameters_for_one_and_two_threads(Precision::bf16);
}

// bf16 changes the products' inputs, not what is trained: over 20 steps the
// losses follow float32's closely, while the parameters are not the same bits.
TEST(Transformer, Bf16PrecisionTrainsAlongsideFloat32) {
  ModelConfig config = small_model_config(6, 6);
  std::vector<double> float32_losses, bfloat16_losses;
  const std::vector<float> float32 = train(config, 3, 20, &float32_losses, true);
  config.precision = Precision::bf16;
  const std::vector<float> bfloat16 = train(config, 3, 20, &bfloat16_losses, true);
  EXPECT_GT(count_differing(float32, bfloat16), float32.size() / 2);
  ASSERT_EQ(float32_losses.size(), bfloat16_losses.size());
  for (size_t step = 0; step < float32_losses.size(); ++step)
    EXPECT_NEAR(bfloat16_losses[step], float32_losses[step], 0.01 * float32_losses[step]) << "step " << step;
  EXPECT_LT(float32_losses.back(), 0.9 * float32_losses.front());  // the losses move: 2.10 to 1.71
}

// Eigen sizes a product's blocks from the cache sizes it detects, and the
// weight gradients (inner dimension 512 and 280 rows here) are summed block by
// block; a model fixes those sizes, so another machine's caches change nothing
// (unfixed, a 16 or 64 KiB L1 changes most parameters).
TEST(Determinism, ParametersDoNotDependOnTheCachesEigenDetects) {
  ModelConfig config = small_model_config(6, 6);
  config.d_model = 48;
  config.d_ff = 96;
  const std::vector<float> here = train(config, 3, 5, nullptr);
  const std::ptrdiff_t other_machines[][3] = {{16 * 1024, 256 * 1024, 4 * 1024 * 1024},
                                              {48 * 1024, 1280 * 1024, 30 * 1024 * 1024},
                                              {64 * 1024, 1024 * 1024, 32 * 1024 * 1024}};
  for (const auto& caches : other_machines) {
    Eigen::setCpuCacheSizes(caches[0], caches[1], caches[2]);
    const std::vector<float> there = train(config, 3, 5, nullptr);
    EXPECT_EQ(count_differing(here, there), 0u) << "L1 " << caches[0] << " bytes";
  }
  EXPECT_EQ(Eigen::l1CacheSize(), kEigenL1Bytes);
}

}  // namespace
