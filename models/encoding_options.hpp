// EncodingOptions: reads and validates the hyperparameters an encoding takes
// in configure(json) (npos, MLP width, bucket count, L0, ...). Every value is
// checked as it is read; a bad one is a UsageError naming the encoding, the
// key and the value, and finish() rejects keys nobody read (with the closest
// valid names), so a typo in a suite never silently falls back to a default.
//
//   EncodingOptions reader(name(), options);
//   width_ = reader.integer("mlp_width", 32, 1, 4096);
//   reader.finish();
#pragma once
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace pebench {

class EncodingOptions {
 public:
  // UsageError unless `options` is null or a JSON object.
  EncodingOptions(std::string encoding, const nlohmann::json& options);

  // An integer in [min, max]; `fallback` when the key is absent.
  int integer(const std::string& key, int fallback, int min, int max);
  // A finite number in (min, max] when min_exclusive, else [min, max].
  double number(const std::string& key, double fallback, double min, double max,
                bool min_exclusive = false);
  // true or false; `fallback` when the key is absent.
  bool boolean(const std::string& key, bool fallback);
  // UsageError naming the first key that no integer()/number() call read.
  void finish() const;
  // UsageError "option 'key' must be <expected>, got <value>", for checks
  // beyond a range (an even count, an order between two options).
  [[noreturn]] void reject(const std::string& key, const std::string& expected) const;

 private:
  const nlohmann::json* find(const std::string& key);
  [[noreturn]] void fail(const std::string& key, const nlohmann::json& value,
                         const std::string& expected) const;

  std::string encoding_;
  nlohmann::json options_;
  std::set<std::string> known_;
};

}  // namespace pebench
