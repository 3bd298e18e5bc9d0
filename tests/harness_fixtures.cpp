#include "tests/harness_fixtures.hpp"

#include <fstream>
#include <limits>

#include "common/errors.hpp"
#include "models/encoding.hpp"
#include "tasks/task.hpp"

namespace pebench::testing {

namespace {

class ProbeTask : public Task {
 public:
  std::string family() const override { return "regular"; }
  std::vector<std::string> input_vocab() const override { return {"0", "1", "_"}; }
  std::vector<std::string> output_vocab() const override { return {"0", "1"}; }
  Attention attention() const override { return Attention::bidirectional; }
  std::vector<Split> splits() const override {
    return {{"train", SplitKind::train, range(1, 8), "training lengths"},
            {"id", SplitKind::id, range(1, 8), "training lengths"},
            {"ood", SplitKind::ood, range(9, 16), "longer"},
            {"ood_far", SplitKind::ood, {20, 30}, "much longer"}};
  }
  void configure(const json& options) override {
    if (options.is_null() || options.empty()) return;
    for (const auto& [key, value] : options.items()) {
      if (key != "bias") throw UsageError("task '" + name() + "' has no option '" + key + "'");
      if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 1)
        throw UsageError("task '" + name() + "': option 'bias' must be a number in [0, 1]");
      bias_ = value.get<double>();
    }
  }
  json options() const override { return {{"bias", bias_}}; }
  int sequence_length(int length) const override { return length + 1; }
  int max_length() const override { return 1000; }
  Example sample(const std::string& split, int length, Rng& rng) const override {
    find_split(split);
    check_length(length);
    Example example;
    for (int i = 0; i < length; ++i) example.tokens.push_back(rng.bernoulli(bias_) ? 1 : 0);
    example.tokens.push_back(2);
    example.targets.assign(length + 1, Example::kNoTarget);
    example.targets.back() = example.tokens.front();
    example.scored.assign(length + 1, 0);
    example.scored.back() = 1;
    return example;
  }

 private:
  static std::vector<int> range(int lo, int hi) {
    std::vector<int> lengths;
    for (int n = lo; n <= hi; ++n) lengths.push_back(n);
    return lengths;
  }
  double bias_ = 0.5;
};

class CausalProbeTask : public ProbeTask {
 public:
  Attention attention() const override { return Attention::causal; }
};

template <typename T>
class CausalOnly : public Encoding<T> {
 public:
  bool supports_bidirectional() const override { return false; }
};

// NoPE, except that with option "poison_after" = k > 0 the k-th and every
// later forward pass adds NaN to the embeddings: a way to make training
// diverge at a known step. Without the option it is a plain NoPE.
template <typename T>
class Poison : public Encoding<T> {
 public:
  void configure(const json& options) override {
    if (options.is_null()) return;
    if (!options.is_object()) throw UsageError("encoding '" + this->name() + "': options must be a JSON object");
    for (auto it = options.begin(); it != options.end(); ++it) {
      const json& value = it.value();
      if (it.key() != "poison_after" || !value.is_number_integer() || value.template get<int>() < 0)
        throw UsageError("encoding '" + this->name() + "': bad option '" + it.key() + "'");
      poison_after_ = value.template get<int>();
    }
  }
  json options() const override { return {{"poison_after", poison_after_}}; }
  void begin_forward(const EncodingContext& ctx) override { ++passes_; }
  void input_forward(T* x, const EncodingContext& ctx) override {
    if (poison_after_ > 0 && passes_ >= poison_after_) x[0] += std::numeric_limits<T>::quiet_NaN();
  }

 private:
  int poison_after_ = 0;
  int passes_ = 0;
};

}  // namespace

PEBENCH_TASK(ProbeTask, "harness_probe");
PEBENCH_TASK(CausalProbeTask, "harness_causal_probe");
PEBENCH_ENCODING(CausalOnly, "harness_causal_only");
PEBENCH_ENCODING(Poison, "harness_poison");

json probe_suite() {
  return {{"model", {{"d_model", 8}, {"n_layers", 1}, {"n_heads", 2}, {"d_ff", 16}, {"max_seq_len", 64}}},
          {"train", {{"steps", 4}, {"batch_size", 4}, {"lr", 0.01}}},
          {"eval", {{"sequences", 8}, {"sub_batch", 4}}},
          {"tasks", {"harness_probe"}},
          {"encodings", {"nope"}},
          {"seeds", {0}}};
}

std::filesystem::path write_suite(const std::filesystem::path& dir, const std::string& name, const json& suite) {
  const auto path = dir / name;
  std::ofstream(path) << suite.dump(2);
  return path;
}

json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

}  // namespace pebench::testing
