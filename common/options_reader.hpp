// Reading options: the one way tasks, encodings and suites read a JSON object
// key by key, with one error style. Every bad value is a ConfigError (a
// UsageError, so the CLI exits 2) of one line that names where the value came
// from and what was wrong with it:
//
//   suite quick.json: train.steps: must be a positive integer, got -5
//   suite quick.json: train.stepz: unknown key (closest: steps)
//   encoding 'rope': options.base: must be a number > 1, got 'x'
//   suite quick.json: encodings[3].options.base: must be a number > 1, got 'x'
//
// i.e. "<origin>: <path>: <problem>". A plugin reads its options with origin
// "task 'NAME'" / "encoding 'NAME'" and path "options" (Task::options_reader,
// Encoding::options_reader); a suite that holds the options re-roots the
// error at its own file and entry (harness/config/suite_config.cpp), so the
// last line above is the second-to-last one seen from the suite.
//
// Usage (an encoding's configure):
//
//   OptionsReader reader = this->options_reader(options);
//   npos_ = reader.integer("npos", npos_, 2, 1 << 16);     // absent -> the fallback
//   base_ = reader.number("base", base_, 1.0, 1e12, Bound::open);
//   form_ = reader.choice("bidirectional", form_);          // an enum with names (common/enum_names.hpp)
//   reader.finish();                                        // an unknown key is an error
//
// Values are strict: an integer is a JSON number with no fractional part (5,
// 5.0 and 1e3 are integers, 2.5 and "5" are not), a number is never a string
// or a boolean, and every range is checked. finish() rejects each key that no
// read asked for and suggests the known keys nearest to it (common/registry.hpp
// nearest_names): a typo is never ignored.
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/enum_names.hpp"
#include "common/errors.hpp"

namespace pebench {

using json = nlohmann::json;

// A bad value in a config or in options: what() is "origin: path: problem";
// the parts stay readable so that a caller holding the options (a suite) can
// re-root the error at its own file and field.
class ConfigError : public UsageError {
 public:
  ConfigError(std::string origin, std::string path, std::string problem);
  const std::string& origin() const { return origin_; }
  const std::string& path() const { return path_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string origin_;
  std::string path_;
  std::string problem_;
};

// Throws ConfigError(origin, path, problem); empty parts are left out of the message.
[[noreturn]] void fail_config(const std::string& origin, const std::string& path, const std::string& problem);

// "train" + "steps" -> "train.steps"; "" + "seeds" -> "seeds".
std::string join_path(const std::string& parent, const std::string& key);
// "tasks" + 2 -> "tasks[2]".
std::string index_path(const std::string& parent, size_t index);

// How a JSON value reads in a message: -5, 'abc', true, null, an array, an
// object (strings quoted with control characters escaped and long ones shortened).
std::string describe_json(const json& value);

// Whether a range's lower end belongs to it: [lo, hi] (closed) or (lo, hi] (open).
enum class Bound { closed, open };

// Range phrases for messages: "a positive integer", "an integer in [0, 10]",
// "a number > 1", "a number in (0, 10]", ...
std::string integer_range_phrase(long long lo, long long hi);
std::string number_range_phrase(double lo, double hi, Bound lower = Bound::closed);

// One JSON value and where it came from. The typed reads return the value or
// fail naming `path` with what was expected and what was there.
class OptionValue {
 public:
  OptionValue(const json& value, std::string origin, std::string path);
  OptionValue(json&&, std::string, std::string) = delete;  // it keeps a reference: no temporaries

  const json& json_value() const { return value_; }
  const std::string& origin() const { return origin_; }
  const std::string& path() const { return path_; }

  // An integral number in [lo, hi].
  int integer(int lo, int hi) const;
  // An integral number >= 0 (the full unsigned 64-bit range).
  uint64_t uint64() const;
  // A finite number in [lo, hi], or (lo, hi] when `lower` is open; hi may be infinity.
  double number(double lo, double hi, Bound lower = Bound::closed) const;
  bool boolean() const;
  std::string string() const;
  // A string equal to one of `choices` (the closest is suggested otherwise).
  std::string choice(const std::vector<std::string>& choices) const;
  // One of the names in Enum's table (common/enum_names.hpp).
  template <typename Enum>
  Enum choice() const {
    return *enum_from_name<Enum>(choice(enum_name_list<Enum>()));
  }
  // The list item `index` (the value must be an array).
  OptionValue item(size_t index) const;

  // "must be <expected>, got <this value>".
  [[noreturn]] void expected(const std::string& what) const;
  [[noreturn]] void fail(const std::string& problem) const;

 private:
  const json& value_;
  std::string origin_;
  std::string path_;
};

// One JSON object read key by key. A key that is absent returns the caller's
// fallback, so the same reader applies a whole section onto defaults and a
// partial override (a family's, a task's) onto already resolved settings.
class OptionsReader {
 public:
  // Fails unless `object` is a JSON object. `object` must outlive the reader.
  OptionsReader(const json& object, std::string origin, std::string path = "");
  OptionsReader(json&&, std::string, std::string = "") = delete;  // it keeps a reference: no temporaries
  // A plugin's options: null reads as {} (no options given); path "options".
  static OptionsReader plugin_options(const json& options, std::string origin);
  static OptionsReader plugin_options(json&&, std::string) = delete;

  const std::string& origin() const { return origin_; }
  const std::string& path() const { return path_; }
  std::string path_of(const std::string& key) const { return join_path(path_, key); }

  bool has(const std::string& key) const { return object_->contains(key); }
  // The raw value (nullptr if absent); marks the key as known.
  const json* get(const std::string& key);
  // The value at `key` with its path (the key must be present); marks it known.
  OptionValue value(const std::string& key);

  // Each returns options[key] read as OptionValue does, or `fallback` if absent.
  int integer(const std::string& key, int fallback, int lo, int hi);
  uint64_t uint64(const std::string& key, uint64_t fallback);
  double number(const std::string& key, double fallback, double lo, double hi, Bound lower = Bound::closed);
  bool boolean(const std::string& key, bool fallback);
  std::string string(const std::string& key, const std::string& fallback);
  std::string choice(const std::string& key, const std::string& fallback, const std::vector<std::string>& choices);
  template <typename Enum>
  Enum choice(const std::string& key, Enum fallback) {
    const json* found = get(key);
    return found ? field(key, *found).choice<Enum>() : fallback;
  }

  // Keys that may appear without being read (documentation such as "description").
  void allow(const std::string& key) { known_.insert(key); }
  // Fails on the first key that was neither read nor allowed. `hints` maps a
  // misplaced key to a pointer at its right place ("dropout is set in train.dropout").
  void finish(const std::vector<std::pair<std::string, std::string>>& hints = {}) const;

  // A problem with the value at `key` (cross-field checks: "must be <= train.steps (4), got 10").
  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;
  // A problem with the object as a whole ("needs 'from' and 'to', or 'count'").
  [[noreturn]] void fail(const std::string& problem) const;

 private:
  OptionValue field(const std::string& key, const json& found) const { return OptionValue(found, origin_, path_of(key)); }

  const json* object_;
  std::string origin_;
  std::string path_;
  std::set<std::string> known_;
};

}  // namespace pebench
