#include "models/encoding_options.hpp"

#include <cmath>

#include <fmt/format.h>

#include "common/errors.hpp"
#include "common/registry.hpp"

namespace pebench {

EncodingOptions::EncodingOptions(std::string encoding, const nlohmann::json& options)
    : encoding_(std::move(encoding)), options_(options.is_null() ? nlohmann::json::object() : options) {
  if (!options_.is_object())
    throw UsageError(fmt::format("encoding '{}': options must be a JSON object, got {}", encoding_,
                                 options_.dump()));
}

const nlohmann::json* EncodingOptions::find(const std::string& key) {
  known_.push_back(key);
  auto it = options_.find(key);
  return it == options_.end() ? nullptr : &*it;
}

void EncodingOptions::fail(const std::string& key, const nlohmann::json& value,
                           const std::string& expected) const {
  throw UsageError(fmt::format("encoding '{}': option '{}' must be {}, got {}", encoding_, key, expected,
                               value.dump()));
}

void EncodingOptions::reject(const std::string& key, const std::string& expected) const {
  auto it = options_.find(key);
  fail(key, it == options_.end() ? nlohmann::json("(default)") : *it, expected);
}

int EncodingOptions::integer(const std::string& key, int fallback, int min, int max) {
  const nlohmann::json* value = find(key);
  if (!value) return fallback;
  const std::string expected = fmt::format("an integer in [{}, {}]", min, max);
  if (!value->is_number()) fail(key, *value, expected);
  const double number = value->get<double>();
  if (!std::isfinite(number) || number != std::floor(number) || number < min || number > max)
    fail(key, *value, expected);
  return static_cast<int>(number);
}

double EncodingOptions::number(const std::string& key, double fallback, double min, double max,
                               bool min_exclusive) {
  const nlohmann::json* value = find(key);
  if (!value) return fallback;
  const std::string expected = fmt::format("a number in {}{}, {}]", min_exclusive ? "(" : "[", min, max);
  if (!value->is_number()) fail(key, *value, expected);
  const double number = value->get<double>();
  const bool below = min_exclusive ? number <= min : number < min;
  if (!std::isfinite(number) || below || number > max) fail(key, *value, expected);
  return number;
}

bool EncodingOptions::boolean(const std::string& key, bool fallback) {
  const nlohmann::json* value = find(key);
  if (!value) return fallback;
  if (!value->is_boolean()) fail(key, *value, "true or false");
  return value->get<bool>();
}

std::string EncodingOptions::choice(const std::string& key, const std::string& fallback,
                                    const std::vector<std::string>& choices) {
  const nlohmann::json* value = find(key);
  if (!value) return fallback;
  std::string expected = "one of";
  for (size_t i = 0; i < choices.size(); ++i) expected += (i ? ", \"" : " \"") + choices[i] + "\"";
  if (!value->is_string()) fail(key, *value, expected);
  for (const auto& candidate : choices)
    if (value->get<std::string>() == candidate) return candidate;
  fail(key, *value, expected);
}

const char* to_string(BidirectionalForm form) {
  return form == BidirectionalForm::directional ? "directional" : "symmetric";
}

BidirectionalForm EncodingOptions::bidirectional_form() {
  const std::string form = choice("bidirectional", "directional", {"directional", "symmetric"});
  return form == "directional" ? BidirectionalForm::directional : BidirectionalForm::symmetric;
}

TableInit EncodingOptions::table_init() {
  return TableInit{choice("init", "truncated_normal", {"truncated_normal", "normal_0.02"})};
}

void EncodingOptions::finish() const {
  for (auto it = options_.begin(); it != options_.end(); ++it) {
    bool known = false;
    for (const auto& key : known_) known = known || key == it.key();
    if (known) continue;
    std::string message = fmt::format("encoding '{}' has no option '{}'", encoding_, it.key());
    if (known_.empty()) throw UsageError(message + " (it takes no options)");
    const auto close = closest_names(it.key(), known_);
    message += " (options: ";
    for (size_t i = 0; i < close.size(); ++i) message += (i ? ", " : "") + close[i];
    throw UsageError(message + ")");
  }
}

}  // namespace pebench
