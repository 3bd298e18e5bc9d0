#include "tests/golden_values.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <stdexcept>

#include "common/build_info.hpp"
#include "harness/run/checkpoint.hpp"
#include "models/transformer.hpp"
#include "models/batch.hpp"

namespace pebench::testing {

namespace {

using json = nlohmann::json;

ModelConfig golden_config(const json& model) {
  ModelConfig config;
  config.input_vocab = model.at("input_vocab");
  config.output_vocab = model.at("output_vocab");
  config.d_model = model.at("d_model");
  config.n_layers = model.at("n_layers");
  config.n_heads = model.at("n_heads");
  config.d_ff = model.at("d_ff");
  config.norm = model.at("norm") == "pre" ? NormPlacement::pre : NormPlacement::post;
  config.activation = model.at("activation") == "gelu" ? Activation::gelu : Activation::relu;
  config.dropout = model.at("dropout");
  config.embed_scale = model.at("embed_scale");
  config.max_seq_len = model.at("max_seq_len");
  return config;
}

Batch golden_batch(const json& golden) {
  Batch batch;
  const auto tokens = golden.at("tokens").get<std::vector<std::vector<int>>>();
  const auto targets = golden.at("targets").get<std::vector<std::vector<int>>>();
  batch.batch_size = static_cast<int>(tokens.size());
  batch.seq_len = static_cast<int>(tokens.at(0).size());
  batch.causal = golden.at("attention") == "causal";
  for (size_t b = 0; b < tokens.size(); ++b)
    for (size_t t = 0; t < tokens[b].size(); ++t) {
      batch.tokens.push_back(tokens[b][t]);
      const int target = targets.at(b).at(t) < 0 ? Batch::kNoTarget : targets[b][t];
      batch.targets.push_back(target);
      batch.scored.push_back(target != Batch::kNoTarget);
    }
  return batch;
}

// ‖a − b‖ / ‖b‖ (0 when both vanish).
double relative_error(const double* a, const std::vector<double>& b) {
  double diff = 0.0, norm = 0.0;
  for (size_t i = 0; i < b.size(); ++i) {
    diff += (a[i] - b[i]) * (a[i] - b[i]);
    norm += b[i] * b[i];
  }
  if (norm == 0.0) return diff == 0.0 ? 0.0 : INFINITY;
  return std::sqrt(diff / norm);
}

}  // namespace

const GoldenError& GoldenComparison::worst() const {
  if (errors.empty()) throw std::logic_error("golden comparison with nothing compared");
  return *std::max_element(errors.begin(), errors.end(), [](const GoldenError& a, const GoldenError& b) {
    return !(a.relative_error >= b.relative_error);  // NaN counts as the worst
  });
}

const json& golden_fixture(const std::string& encoding) {
  static std::map<std::string, json> cache;
  auto found = cache.find(encoding);
  if (found != cache.end()) return found->second;
  const std::string path = std::string(build_source_dir()) + "/tests/data/golden/" + encoding + ".json";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("missing golden fixture " + path + " (bench/golden_values.py writes it)");
  return cache.emplace(encoding, json::parse(in)).first->second;
}

const json& golden_case(const json& fixture, const std::string& attention) {
  for (const json& golden : fixture.at("cases"))
    if (golden.at("attention") == attention) return golden;
  throw std::runtime_error("golden fixture has no " + attention + " case");
}

GoldenComparison golden_errors(const json& golden, std::unique_ptr<Encoding<double>> encoding,
                               const std::string& origin) {
  Transformer<double> model(golden_config(golden.at("model")), std::move(encoding), 0);
  assign_parameters(model, golden.at("weights").get<std::map<std::string, std::vector<double>>>(), origin);
  const Batch batch = golden_batch(golden);
  model.zero_grad();
  const ForwardResult result = model.forward(batch, PassOptions{});
  model.backward();

  GoldenComparison comparison;
  comparison.errors.push_back({"logits", relative_error(model.logits(), golden.at("logits").get<std::vector<double>>())});
  comparison.errors.push_back({"loss", relative_error(&result.loss, {golden.at("loss").get<double>()})});
  for (const ParamTensor& tensor : model.layout().tensors()) {
    const auto expected = golden.at("gradients").at(tensor.name).get<std::vector<double>>();
    if (expected.size() != tensor.size) throw std::runtime_error(origin + ": wrong gradient size of " + tensor.name);
    comparison.errors.push_back(
        {"gradient of " + tensor.name, relative_error(model.gradients() + tensor.offset, expected)});
  }
  return comparison;
}

}  // namespace pebench::testing
