// Reading JSON text strictly, for configs (suite files) and options given on
// the command line: no key twice in one object, nesting at most
// kMaxConfigDepth deep, numbers a double can hold, and for files a regular
// file (not a directory or a FIFO) of at most kMaxConfigBytes. Every problem
// is one UsageError naming `origin` and, where the parser knows it, the line
// and column (or the field path of a duplicate key):
//
//   suite quick.json: malformed JSON: parse error at line 3, column 5: ...
//   suite quick.json: seeds: duplicate key (each key may appear once in an object)
//
// The values are then read with OptionsReader (common/options_reader.hpp).
#pragma once
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace pebench {

constexpr size_t kMaxConfigBytes = size_t(16) << 20;
constexpr int kMaxConfigDepth = 64;

nlohmann::json read_json_file(const std::string& path, const std::string& origin);
nlohmann::json parse_json_text(const std::string& text, const std::string& origin);

}  // namespace pebench
