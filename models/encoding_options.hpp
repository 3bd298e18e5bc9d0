// EncodingOptions: reads an encoding's option object (a suite's
// "encodings": {"name": {...}} entry) key by key with validation, so that every
// encoding's configure() is a few declarative lines:
//
//   EncodingOptions reader(this->name(), options);
//   npos_ = reader.integer("npos", 64, 2, 1 << 20);
//   reader.finish();  // UsageError on any key nobody asked for
//
// Every bad value is a UsageError naming the encoding, the key and the value;
// an unknown key names the closest known ones.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pebench {

class EncodingOptions {
 public:
  // UsageError unless `options` is null or a JSON object.
  EncodingOptions(std::string encoding, const nlohmann::json& options);

  // An integer in [min, max] (a JSON number with no fractional part).
  int integer(const std::string& key, int fallback, int min, int max);
  // A finite number in (min, max] when min_exclusive, else [min, max].
  double number(const std::string& key, double fallback, double min, double max,
                bool min_exclusive = false);
  bool boolean(const std::string& key, bool fallback);

  // UsageError naming the first key that no accessor read.
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
  std::vector<std::string> known_;
};

}  // namespace pebench
