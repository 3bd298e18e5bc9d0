// Weights files (harness/run/checkpoint.hpp): a saved model loads back bit for bit
// and computes the same logits; the header is one JSON line naming the format,
// version, scalar type, model config and encoding; loading refuses a file of
// another model, encoding, encoding option or version, and a truncated one,
// with a UsageError naming the difference, before touching the model.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "harness/run/checkpoint.hpp"
#include "tests/cli_runner.hpp"
#include "tests/model_fixtures.hpp"

using namespace pebench;
using namespace pebench::testing;
namespace fs = std::filesystem;

namespace {

template <typename T>
std::unique_ptr<Transformer<T>> make_model(const std::string& encoding, const json& options = json::object(),
                                           int d_model = 32, uint64_t seed = 1) {
  ModelConfig config = small_model_config(6, 6);  // previous_token() targets are input ids
  config.d_model = d_model;
  return std::make_unique<Transformer<T>>(config, make_encoding<T>(encoding, options), seed);
}

template <typename T>
std::vector<T> parameters_of(Transformer<T>& model) {
  return std::vector<T>(model.parameters(), model.parameters() + model.num_parameters());
}

// The error message of `action`, which must throw a UsageError.
template <typename F>
std::string usage_error_of(F action) {
  try {
    action();
  } catch (const UsageError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no UsageError";
  return "";
}

class Checkpoint : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = fresh_temp_dir("checkpoint"); }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(Checkpoint, SaveThenLoadRestoresEveryParameterBitForBit) {
  auto saved = make_model<float>("t5", json::object(), 32, 1);
  auto loaded = make_model<float>("t5", json::object(), 32, 2);  // another init
  ASSERT_NE(parameters_of(*saved), parameters_of(*loaded));
  save_weights(dir_ / "m.weights", *saved);
  load_weights(dir_ / "m.weights", *loaded);
  EXPECT_EQ(parameters_of(*saved), parameters_of(*loaded));
}

TEST_F(Checkpoint, LoadedModelComputesTheSameLogits) {
  auto saved = make_model<float>("rope", json::object(), 32, 1);
  auto loaded = make_model<float>("rope", json::object(), 32, 9);
  save_weights(dir_ / "m.weights", *saved);
  load_weights(dir_ / "m.weights", *loaded);
  Rng rng(3);
  const Batch batch = random_batch(rng, 2, 9, 6, true, previous_token());
  saved->evaluate(batch, 0);
  const std::vector<float> expected(saved->logits(), saved->logits() + 2 * 9 * 6);
  loaded->evaluate(batch, 0);
  EXPECT_EQ(std::vector<float>(loaded->logits(), loaded->logits() + 2 * 9 * 6), expected);
}

TEST_F(Checkpoint, HeaderIsOneJsonLineNamingFormatConfigEncodingAndTensors) {
  auto model = make_model<float>("rope", {{"base", 500.0}});
  save_weights(dir_ / "m.weights", *model, {{"cell", "a/b/seed0"}});
  std::ifstream in(dir_ / "m.weights", std::ios::binary);
  std::string line;
  std::getline(in, line);
  const json header = json::parse(line);
  EXPECT_EQ(header["format"], "pebench-weights");
  EXPECT_EQ(header["version"], kWeightsFormatVersion);
  EXPECT_EQ(header["scalar"], "float32");
  EXPECT_EQ(header["byte_order"], "little");
  EXPECT_EQ(header["model"]["d_model"], 32);
  EXPECT_EQ(header["model"]["norm"], "pre");
  EXPECT_EQ(header["encoding"]["name"], "rope");
  EXPECT_EQ(header["encoding"]["params"]["base"], 500.0);
  EXPECT_EQ(header["source"]["cell"], "a/b/seed0");
  EXPECT_EQ(header["num_parameters"], model->num_parameters());
  EXPECT_EQ(header["tensors"][0]["name"], "embedding.tokens");
  EXPECT_EQ(header["tensors"][0]["shape"], json({6, 32}));
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(data.size(), model->num_parameters() * sizeof(float));
}

TEST_F(Checkpoint, Float32FileLoadsIntoADoubleModelExactly) {
  auto saved = make_model<float>("alibi");
  auto loaded = make_model<double>("alibi", json::object(), 32, 5);
  save_weights(dir_ / "m.weights", *saved);
  load_weights(dir_ / "m.weights", *loaded);
  for (size_t i = 0; i < saved->num_parameters(); ++i)
    ASSERT_EQ(loaded->parameters()[i], static_cast<double>(saved->parameters()[i])) << i;
}

TEST_F(Checkpoint, RefusesAnotherModelConfigNamingTheField) {
  auto saved = make_model<float>("nope", json::object(), 32);
  auto other = make_model<float>("nope", json::object(), 16);
  save_weights(dir_ / "m.weights", *saved);
  const std::vector<float> before = parameters_of(*other);
  const std::string message = usage_error_of([&] { load_weights(dir_ / "m.weights", *other); });
  EXPECT_NE(message.find("model.d_model is 32 in the file, 16 in the model"), std::string::npos) << message;
  EXPECT_EQ(parameters_of(*other), before);
}

TEST_F(Checkpoint, RefusesAnotherEncoding) {
  auto saved = make_model<float>("nope");
  auto other = make_model<float>("rope");
  save_weights(dir_ / "m.weights", *saved);
  const std::string message = usage_error_of([&] { load_weights(dir_ / "m.weights", *other); });
  EXPECT_NE(message.find("encoding is \"nope\" in the file, \"rope\" in the model"), std::string::npos) << message;
}

TEST_F(Checkpoint, RefusesAnotherEncodingOption) {
  auto saved = make_model<float>("rope", {{"base", 500.0}});
  auto other = make_model<float>("rope", {{"base", 10000.0}});
  save_weights(dir_ / "m.weights", *saved);
  const std::string message = usage_error_of([&] { load_weights(dir_ / "m.weights", *other); });
  EXPECT_NE(message.find("encoding.params.base is 500.0 in the file, 10000.0 in the model"), std::string::npos)
      << message;
}

TEST_F(Checkpoint, RefusesATruncatedFile) {
  auto model = make_model<float>("nope");
  const std::string bytes = weights_bytes(*model);
  std::ofstream(dir_ / "cut.weights", std::ios::binary) << bytes.substr(0, bytes.size() - 4);
  const std::string message = usage_error_of([&] { load_weights(dir_ / "cut.weights", *model); });
  EXPECT_NE(message.find("truncated or corrupt"), std::string::npos) << message;
}

TEST_F(Checkpoint, RefusesAFileThatIsNotAWeightsFile) {
  auto model = make_model<float>("nope");
  std::ofstream(dir_ / "result.json") << R"({"schema_version": 1})" << "\n";
  const std::string message = usage_error_of([&] { load_weights(dir_ / "result.json", *model); });
  EXPECT_NE(message.find("is not a pebench weights file"), std::string::npos) << message;
  const std::string missing = usage_error_of([&] { load_weights(dir_ / "absent.weights", *model); });
  EXPECT_NE(missing.find("cannot be opened"), std::string::npos) << missing;
}

TEST_F(Checkpoint, RefusesAnotherFormatVersion) {
  auto model = make_model<float>("nope");
  std::string bytes = weights_bytes(*model);
  const std::string version = "\"version\":" + std::to_string(kWeightsFormatVersion);
  bytes.replace(bytes.find(version), version.size(), "\"version\":99");
  std::ofstream(dir_ / "future.weights", std::ios::binary) << bytes;
  const std::string message = usage_error_of([&] { load_weights(dir_ / "future.weights", *model); });
  EXPECT_NE(message.find("format version 99; this build reads version 1"), std::string::npos) << message;
}

TEST_F(Checkpoint, WeightsLiveBesideTheirResultFile) {
  EXPECT_EQ(weights_path_for("out/task/enc/seed3.json"), fs::path("out/task/enc/seed3.weights"));
}

TEST(AssignParameters, SetsEveryTensorByName) {
  auto model = make_model<double>("kerple_log");
  std::map<std::string, std::vector<double>> tensors;
  for (const ParamTensor& t : model->layout().tensors()) tensors[t.name] = std::vector<double>(t.size, 0.25);
  assign_parameters(*model, tensors, "test");
  for (size_t i = 0; i < model->num_parameters(); ++i) ASSERT_EQ(model->parameters()[i], 0.25);
}

TEST(AssignParameters, RefusesMissingUnknownAndMisSizedTensors) {
  auto model = make_model<double>("nope");
  std::map<std::string, std::vector<double>> tensors;
  for (const ParamTensor& t : model->layout().tensors()) tensors[t.name] = std::vector<double>(t.size, 0.0);
  auto missing = tensors;
  missing.erase("head.bias");
  EXPECT_NE(usage_error_of([&] { assign_parameters(*model, missing, "f"); }).find("no values for tensor 'head.bias'"),
            std::string::npos);
  auto unknown = tensors;
  unknown["encoding.rope.theta"] = {1.0};
  EXPECT_NE(usage_error_of([&] { assign_parameters(*model, unknown, "f"); }).find("'encoding.rope.theta' is not a"),
            std::string::npos);
  auto short_tensor = tensors;
  short_tensor["head.bias"].pop_back();
  EXPECT_NE(usage_error_of([&] { assign_parameters(*model, short_tensor, "f"); }).find("tensor 'head.bias' has 5 values"),
            std::string::npos);
}

}  // namespace
