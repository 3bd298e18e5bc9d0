#include "models/encoding_options.hpp"

#include <cmath>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

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
  known_.insert(key);
  auto it = options_.find(key);
  return it == options_.end() ? nullptr : &*it;
}

void EncodingOptions::fail(const std::string& key, const nlohmann::json& value,
                           const std::string& expected) const {
  throw UsageError(fmt::format("encoding '{}': option '{}' must be {}, got {}", encoding_, key,
                               expected, value.dump()));
}

void EncodingOptions::reject(const std::string& key, const std::string& expected) const {
  auto it = options_.find(key);
  fail(key, it == options_.end() ? nlohmann::json("(default)") : *it, expected);
}

bool EncodingOptions::boolean(const std::string& key, bool fallback) {
  const nlohmann::json* value = find(key);
  if (!value) return fallback;
  if (!value->is_boolean()) fail(key, *value, "true or false");
  return value->get<bool>();
}

int EncodingOptions::integer(const std::string& key, int fallback, int min, int max) {
  const nlohmann::json* value = find(key);
  if (!value) return fallback;
  const std::string expected = fmt::format("an integer in [{}, {}]", min, max);
  if (!value->is_number_integer()) fail(key, *value, expected);
  const long long v = value->get<long long>();
  if (v < min || v > max) fail(key, *value, expected);
  return static_cast<int>(v);
}

double EncodingOptions::number(const std::string& key, double fallback, double min, double max,
                               bool min_exclusive) {
  const nlohmann::json* value = find(key);
  if (!value) return fallback;
  const std::string expected =
      fmt::format("a number in {}{}, {}]", min_exclusive ? "(" : "[", min, max);
  if (!value->is_number()) fail(key, *value, expected);
  const double v = value->get<double>();
  const bool below = min_exclusive ? !(v > min) : !(v >= min);
  if (!std::isfinite(v) || below || v > max) fail(key, *value, expected);
  return v;
}

void EncodingOptions::finish() const {
  const std::vector<std::string> valid(known_.begin(), known_.end());
  for (const auto& [key, value] : options_.items()) {
    if (known_.count(key)) continue;
    if (valid.empty()) throw UsageError(fmt::format("encoding '{}' takes no options, got '{}'", encoding_, key));
    throw UsageError(fmt::format("encoding '{}' has no option '{}' (closest: {})", encoding_, key,
                                 fmt::join(closest_names(key, valid), ", ")));
  }
}

}  // namespace pebench
