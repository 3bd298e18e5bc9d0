#include "common/strict_json.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/core.h>

#include "common/options_reader.hpp"
#include "common/quote.hpp"

namespace pebench {

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

}  // namespace pebench
