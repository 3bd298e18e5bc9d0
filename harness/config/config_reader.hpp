// ObjectReader: reads one JSON object of a suite field by field and turns
// every problem into a UsageError of one line that names the file and the
// field path, e.g.
//   suite quick.json: train.steps: must be a positive integer, got -5
//   suite quick.json: train.stepz: unknown key (closest: steps)
//
// A field that is absent leaves the caller's value as it is, so the same
// reader applies a full section onto defaults and a partial override (a
// family's or a task's) onto an already resolved section. finish() rejects
// every key that nobody asked for: a typo must never be silently ignored.
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/errors.hpp"

namespace pebench {

using json = nlohmann::json;

// Reads a JSON config file strictly: the path must be a regular file (not a
// directory or a FIFO) of at most kMaxConfigBytes; the text must be JSON with
// no key twice in one object, nesting at most kMaxConfigDepth deep, and
// numbers a double can hold. Every problem is one UsageError naming `origin`
// and, where the parser knows it, the line and column.
constexpr size_t kMaxConfigBytes = size_t(16) << 20;
constexpr int kMaxConfigDepth = 64;
json read_json_file(const std::string& path, const std::string& origin);
json parse_json_text(const std::string& text, const std::string& origin);

// "field: problem" prefixed by the origin ("suite quick.json").
[[noreturn]] void fail_config(const std::string& origin, const std::string& path, const std::string& problem);

// How a JSON value reads in an error message: -5, 'abc', an object, null ...
// (strings quoted with control characters escaped and long ones shortened).
std::string describe_json(const json& value);

// "train" + "steps" -> "train.steps"; "" + "seeds" -> "seeds".
std::string join_path(const std::string& parent, const std::string& key);

class ObjectReader {
 public:
  // Fails unless `value` is a JSON object.
  ObjectReader(const json& value, std::string origin, std::string path);

  const std::string& origin() const { return origin_; }
  const std::string& path() const { return path_; }
  std::string path_of(const std::string& key) const { return join_path(path_, key); }
  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;

  bool has(const std::string& key) const { return object_.contains(key); }
  // The raw value (nullptr if absent); marks the key as known.
  const json* get(const std::string& key);

  // Each reads `key` into `out` if present (returns whether it was) and fails
  // with the field path on a wrong type or a value outside [lo, hi].
  bool read_int(const std::string& key, int& out, int lo, int hi);
  bool read_uint64(const std::string& key, uint64_t& out);
  bool read_number(const std::string& key, double& out, double lo, double hi);
  bool read_bool(const std::string& key, bool& out);
  bool read_string(const std::string& key, std::string& out);
  // A string that must be one of `choices` (suggests the closest).
  bool read_choice(const std::string& key, std::string& out, const std::vector<std::string>& choices);

  // Keys that may appear without being read (documentation such as "description").
  void allow(const std::string& key) { known_.insert(key); }
  // Fails on the first key that was neither read nor allowed. `hints` maps a
  // misplaced key to a pointer at its right place.
  void finish(const std::vector<std::pair<std::string, std::string>>& hints = {}) const;

 private:
  const json& object_;
  std::string origin_;
  std::string path_;
  std::set<std::string> known_;
};

// Integer-range phrase for messages: "a positive integer", "an integer in [0, 10]", ...
std::string integer_range_phrase(long long lo, long long hi);

}  // namespace pebench
