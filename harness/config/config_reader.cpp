#include "harness/config/config_reader.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/core.h>

#include "common/quote.hpp"
#include "common/registry.hpp"

namespace pebench {

void fail_config(const std::string& origin, const std::string& path, const std::string& problem) {
  std::string message = origin;
  if (!path.empty()) message += (message.empty() ? "" : ": ") + path;
  throw UsageError(message.empty() ? problem : message + ": " + problem);
}

std::string describe_json(const json& value) {
  if (value.is_string()) return quote_value(value.get<std::string>());
  if (value.is_number() || value.is_boolean()) return value.dump();
  if (value.is_null()) return "null";
  if (value.is_array()) return "an array";
  return "an object";
}

namespace {

// Tracks where the parser is (object keys, array indices) to name a duplicate
// key's place, e.g. "tasks[2].train.steps".
class KeyTracker {
 public:
  // The parser callback: rejects a key seen twice in one object and nesting
  // deeper than kMaxConfigDepth. Throws UsageError (it propagates out of parse).
  bool operator()(int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        count_element();
        if (depth > kMaxConfigDepth)
          fail_config(origin_, path(), fmt::format("nested deeper than {} levels", kMaxConfigDepth));
        frames_.push_back(Frame{event == json::parse_event_t::object_start, {}, {}, 0});
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames_.pop_back();
        break;
      case json::parse_event_t::key: {
        Frame& frame = frames_.back();
        frame.key = parsed.get<std::string>();
        if (!frame.keys.insert(frame.key).second)
          fail_config(origin_, path(), "duplicate key (each key may appear once in an object)");
        break;
      }
      case json::parse_event_t::value:
        count_element();
        break;
    }
    return true;
  }
  explicit KeyTracker(std::string origin) : origin_(std::move(origin)) {}

 private:
  struct Frame {
    bool object = true;
    std::set<std::string> keys;
    std::string key;  // the current key (objects)
    size_t count = 0; // elements seen so far (arrays)
  };
  void count_element() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().count;
  }
  std::string path() const {
    std::string text;
    for (const auto& frame : frames_) {
      if (frame.object && !frame.key.empty()) text = join_path(text, printable(frame.key, 80));
      if (!frame.object && frame.count > 0) text += "[" + std::to_string(frame.count - 1) + "]";
    }
    return text;
  }
  std::string origin_;
  std::vector<Frame> frames_;
};

// Line and column (1-based) of byte `offset` in `text`.
std::string line_and_column(const std::string& text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return fmt::format("line {}, column {}", line, column);
}

// nlohmann's message without its "[json.exception.x.nnn] " tag, one line, short.
std::string parser_message(const json::exception& error) {
  std::string message = error.what();
  const auto tag_end = message.find("] ");
  if (message.rfind("[json.exception", 0) == 0 && tag_end != std::string::npos) message = message.substr(tag_end + 2);
  return printable(message, 200);
}

}  // namespace

json parse_json_text(const std::string& text, const std::string& origin) {
  KeyTracker tracker(origin);
  try {
    return json::parse(text, std::ref(tracker));
  } catch (const json::parse_error& error) {
    // "parse error at line 3, column 5: syntax error ..."
    throw UsageError(origin + ": malformed JSON: " + parser_message(error));
  } catch (const json::exception& error) {
    // Out-of-range numbers (1e400) carry no position: find the literal.
    std::string message = "malformed JSON: " + parser_message(error);
    const auto quote = message.find('\'');
    const auto end = quote == std::string::npos ? quote : message.find('\'', quote + 1);
    if (end != std::string::npos) {
      const auto at = text.find(message.substr(quote + 1, end - quote - 1));
      if (at != std::string::npos) message += " at " + line_and_column(text, at);
    }
    throw UsageError(origin + ": " + message);
  }
}

json read_json_file(const std::string& path, const std::string& origin) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    throw UsageError(origin + ": cannot read " + quote_value(path) + ": " + std::strerror(errno));
  if (S_ISDIR(info.st_mode)) throw UsageError(origin + ": " + quote_value(path) + " is a directory, not a JSON file");
  if (!S_ISREG(info.st_mode)) throw UsageError(origin + ": " + quote_value(path) + " is not a regular file");
  if (static_cast<size_t>(info.st_size) > kMaxConfigBytes)
    throw UsageError(fmt::format("{}: {} is {} bytes, more than a config may have ({})", origin, quote_value(path),
                                 info.st_size, kMaxConfigBytes));
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) throw UsageError(origin + ": cannot read " + quote_value(path));
  return parse_json_text(text.str(), origin);
}

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string integer_range_phrase(long long lo, long long hi) {
  if (lo == 1 && hi == INT_MAX) return "a positive integer";
  if (lo == 0 && hi == INT_MAX) return "a non-negative integer";
  if (hi == INT_MAX) return fmt::format("an integer >= {}", lo);
  return fmt::format("an integer in [{}, {}]", lo, hi);
}

static std::string number_range_phrase(double lo, double hi) {
  if (std::isinf(hi)) return fmt::format("a number >= {}", lo);
  return fmt::format("a number in [{}, {}]", lo, hi);
}

ObjectReader::ObjectReader(const json& value, std::string origin, std::string path)
    : object_(value), origin_(std::move(origin)), path_(std::move(path)) {
  if (!object_.is_object())
    fail_config(origin_, path_, "must be a JSON object, got " + describe_json(object_));
}

void ObjectReader::fail(const std::string& key, const std::string& problem) const {
  fail_config(origin_, path_of(key), problem);
}

const json* ObjectReader::get(const std::string& key) {
  known_.insert(key);
  auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

// Integral JSON numbers (5, or 5.0, 1e4 written as floats) as a long long.
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

bool ObjectReader::read_int(const std::string& key, int& out, int lo, int hi) {
  const json* value = get(key);
  if (!value) return false;
  long long v = 0;
  if (!as_integer(*value, v) || v < lo || v > hi)
    fail(key, "must be " + integer_range_phrase(lo, hi) + ", got " + describe_json(*value));
  out = static_cast<int>(v);
  return true;
}

bool ObjectReader::read_uint64(const std::string& key, uint64_t& out) {
  const json* value = get(key);
  if (!value) return false;
  long long v = 0;
  if (value->is_number_unsigned()) {
    out = value->get<uint64_t>();
    return true;
  }
  if (!as_integer(*value, v) || v < 0) fail(key, "must be a non-negative integer, got " + describe_json(*value));
  out = static_cast<uint64_t>(v);
  return true;
}

bool ObjectReader::read_number(const std::string& key, double& out, double lo, double hi) {
  const json* value = get(key);
  if (!value) return false;
  if (!value->is_number() || !(value->get<double>() >= lo && value->get<double>() <= hi))
    fail(key, "must be " + number_range_phrase(lo, hi) + ", got " + describe_json(*value));
  out = value->get<double>();
  return true;
}

bool ObjectReader::read_bool(const std::string& key, bool& out) {
  const json* value = get(key);
  if (!value) return false;
  if (!value->is_boolean()) fail(key, "must be true or false, got " + describe_json(*value));
  out = value->get<bool>();
  return true;
}

bool ObjectReader::read_string(const std::string& key, std::string& out) {
  const json* value = get(key);
  if (!value) return false;
  if (!value->is_string()) fail(key, "must be a string, got " + describe_json(*value));
  out = value->get<std::string>();
  return true;
}

bool ObjectReader::read_choice(const std::string& key, std::string& out, const std::vector<std::string>& choices) {
  const json* value = get(key);
  if (!value) return false;
  std::string text;
  if (value->is_string()) text = value->get<std::string>();
  for (const auto& choice : choices)
    if (value->is_string() && text == choice) {
      out = text;
      return true;
    }
  std::string list;
  for (const auto& choice : choices) list += (list.empty() ? "" : ", ") + choice;
  std::string problem = "must be one of " + list + "; got " + describe_json(*value);
  if (value->is_string()) {
    const auto close = closest_names(text, choices, 1);
    if (!close.empty()) problem += " (closest: " + close.front() + ")";
  }
  fail(key, problem);
}

void ObjectReader::finish(const std::vector<std::pair<std::string, std::string>>& hints) const {
  for (const auto& [key, value] : object_.items()) {
    if (known_.count(key)) continue;
    for (const auto& [misplaced, hint] : hints)
      if (misplaced == key) fail(key, "unknown key (" + hint + ")");
    const std::vector<std::string> candidates(known_.begin(), known_.end());
    fail(key, "unknown key" + (candidates.empty() ? std::string()
                                                  : " (closest: " + closest_names(key, candidates, 1).front() + ")"));
  }
}

}  // namespace pebench
