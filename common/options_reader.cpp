#include "common/options_reader.hpp"

#include <climits>
#include <cmath>

#include <fmt/core.h>

#include "common/quote.hpp"
#include "common/registry.hpp"

namespace pebench {

static std::string compose(const std::string& origin, const std::string& path, const std::string& problem) {
  std::string where = origin;
  if (!path.empty()) where += (where.empty() ? "" : ": ") + path;
  return where.empty() ? problem : where + ": " + problem;
}

ConfigError::ConfigError(std::string origin, std::string path, std::string problem)
    : UsageError(compose(origin, path, problem)),
      origin_(std::move(origin)),
      path_(std::move(path)),
      problem_(std::move(problem)) {}

void fail_config(const std::string& origin, const std::string& path, const std::string& problem) {
  throw ConfigError(origin, path, problem);
}

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string index_path(const std::string& parent, size_t index) { return parent + "[" + std::to_string(index) + "]"; }

std::string describe_json(const json& value) {
  if (value.is_string()) return quote_value(value.get<std::string>());
  if (value.is_number() || value.is_boolean()) return value.dump();
  if (value.is_null()) return "null";
  if (value.is_array()) return "an array";
  return "an object";
}

std::string integer_range_phrase(long long lo, long long hi) {
  if (lo == 1 && hi == INT_MAX) return "a positive integer";
  if (lo == 0 && hi == INT_MAX) return "a non-negative integer";
  if (hi == INT_MAX) return fmt::format("an integer >= {}", lo);
  return fmt::format("an integer in [{}, {}]", lo, hi);
}

std::string number_range_phrase(double lo, double hi, Bound lower) {
  const bool open = lower == Bound::open;
  if (std::isinf(hi)) return fmt::format("a number {} {}", open ? ">" : ">=", lo);
  return fmt::format("a number in {}{}, {}]", open ? "(" : "[", lo, hi);
}

// An integral JSON number (5, or 5.0 and 1e4 written as floats) as a long long.
static bool as_integer(const json& value, long long& out) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned() && value.get<unsigned long long>() > LLONG_MAX) return false;
    out = value.get<long long>();
    return true;
  }
  if (!value.is_number_float()) return false;
  const double d = value.get<double>();
  if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.0e18) return false;
  out = static_cast<long long>(d);
  return true;
}

OptionValue::OptionValue(const json& value, std::string origin, std::string path)
    : value_(value), origin_(std::move(origin)), path_(std::move(path)) {}

void OptionValue::fail(const std::string& problem) const { fail_config(origin_, path_, problem); }

void OptionValue::expected(const std::string& what) const {
  fail("must be " + what + ", got " + describe_json(value_));
}

int OptionValue::integer(int lo, int hi) const {
  long long v = 0;
  if (!as_integer(value_, v) || v < lo || v > hi) expected(integer_range_phrase(lo, hi));
  return static_cast<int>(v);
}

uint64_t OptionValue::uint64() const {
  if (value_.is_number_unsigned()) return value_.get<uint64_t>();
  long long v = 0;
  if (!as_integer(value_, v) || v < 0) expected("a non-negative integer");
  return static_cast<uint64_t>(v);
}

double OptionValue::number(double lo, double hi, Bound lower) const {
  const bool in_range = value_.is_number() && std::isfinite(value_.get<double>()) &&
                        (lower == Bound::open ? value_.get<double>() > lo : value_.get<double>() >= lo) &&
                        value_.get<double>() <= hi;
  if (!in_range) expected(number_range_phrase(lo, hi, lower));
  return value_.get<double>();
}

bool OptionValue::boolean() const {
  if (!value_.is_boolean()) expected("true or false");
  return value_.get<bool>();
}

std::string OptionValue::string() const {
  if (!value_.is_string()) expected("a string");
  return value_.get<std::string>();
}

std::string OptionValue::choice(const std::vector<std::string>& choices) const {
  if (value_.is_string())
    for (const auto& candidate : choices)
      if (value_.get<std::string>() == candidate) return candidate;
  std::string list;
  for (const auto& candidate : choices) list += (list.empty() ? "" : ", ") + candidate;
  std::string problem = "must be one of " + list + "; got " + describe_json(value_);
  if (value_.is_string()) {
    const auto close = closest_names(value_.get<std::string>(), choices, 1);
    if (!close.empty()) problem += " (closest: " + close.front() + ")";
  }
  fail(problem);
}

OptionValue OptionValue::item(size_t index) const {
  if (!value_.is_array()) expected("a list");
  return OptionValue(value_.at(index), origin_, index_path(path_, index));
}

OptionsReader::OptionsReader(const json& object, std::string origin, std::string path)
    : object_(&object), origin_(std::move(origin)), path_(std::move(path)) {
  if (!object_->is_object()) fail("must be a JSON object, got " + describe_json(*object_));
}

OptionsReader OptionsReader::plugin_options(const json& options, std::string origin) {
  static const json kNoOptions = json::object();
  return OptionsReader(options.is_null() ? kNoOptions : options, std::move(origin), "options");
}

const json* OptionsReader::get(const std::string& key) {
  known_.insert(key);
  auto it = object_->find(key);
  return it == object_->end() ? nullptr : &*it;
}

OptionValue OptionsReader::value(const std::string& key) {
  const json* found = get(key);
  if (!found) fail(key, "missing");
  return field(key, *found);
}

int OptionsReader::integer(const std::string& key, int fallback, int lo, int hi) {
  const json* found = get(key);
  return found ? field(key, *found).integer(lo, hi) : fallback;
}

uint64_t OptionsReader::uint64(const std::string& key, uint64_t fallback) {
  const json* found = get(key);
  return found ? field(key, *found).uint64() : fallback;
}

double OptionsReader::number(const std::string& key, double fallback, double lo, double hi, Bound lower) {
  const json* found = get(key);
  return found ? field(key, *found).number(lo, hi, lower) : fallback;
}

bool OptionsReader::boolean(const std::string& key, bool fallback) {
  const json* found = get(key);
  return found ? field(key, *found).boolean() : fallback;
}

std::string OptionsReader::string(const std::string& key, const std::string& fallback) {
  const json* found = get(key);
  return found ? field(key, *found).string() : fallback;
}

std::string OptionsReader::choice(const std::string& key, const std::string& fallback,
                                  const std::vector<std::string>& choices) {
  const json* found = get(key);
  return found ? field(key, *found).choice(choices) : fallback;
}

void OptionsReader::finish(const std::vector<std::pair<std::string, std::string>>& hints) const {
  for (const auto& [key, ignored] : object_->items()) {
    if (known_.count(key)) continue;
    for (const auto& [misplaced, hint] : hints)
      if (misplaced == key) fail(key, "unknown key (" + hint + ")");
    const std::string shown = printable(key, 80);  // a key may hold anything; the message stays one line
    const auto close = nearest_names(key, std::vector<std::string>(known_.begin(), known_.end()));
    if (close.empty()) fail(shown, "unknown key (none are accepted here)");
    std::string list;
    for (const auto& name : close) list += (list.empty() ? "" : ", ") + name;
    fail(shown, "unknown key (closest: " + list + ")");
  }
}

void OptionsReader::fail(const std::string& key, const std::string& problem) const {
  fail_config(origin_, path_of(key), problem);
}

void OptionsReader::fail(const std::string& problem) const { fail_config(origin_, path_, problem); }

}  // namespace pebench
