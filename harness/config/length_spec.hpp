// LengthSpec: which task lengths a split uses (training lengths or evaluation
// lengths), as a suite writes it:
//
//   "default"                              the task's own lengths for the split
//   [41, 60, 100]                          exactly these
//   {"from": 41, "to": 500}                every length in the range; "step": k for a stride
//   {"from": 41, "to": 500, "count": 5}    5 evenly spaced lengths, both ends included
//   {"count": 4}                           4 evenly spaced picks from the task's own
//                                          lengths for the split, both ends included
//
// Resolution against a task happens per cell (grid.cpp), so "*" suites can
// scale every task's protocol without naming tasks. Resolved lengths are sorted
// and unique; result files record them explicitly.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pebench {

using json = nlohmann::json;

struct LengthSpec {
  enum class Kind { task_default, list, range, sample_defaults };
  Kind kind = Kind::task_default;
  std::vector<int> values;  // list
  int from = 0;             // range
  int to = 0;               // range
  int step = 1;             // range stride (when count == 0)
  int count = 0;            // range: evenly spaced count; sample_defaults: picks

  json to_json() const;
};

// UsageError naming origin and path on any malformed or out-of-range form.
LengthSpec parse_length_spec(const json& value, const std::string& origin, const std::string& path);

// The lengths the spec selects; `task_lengths` are the task's own for the split.
std::vector<int> resolve_lengths(const LengthSpec& spec, const std::vector<int>& task_lengths);

// `count` evenly spaced values from `sorted` (both ends included; all if count >= size).
std::vector<int> evenly_spaced_picks(const std::vector<int>& sorted, int count);

}  // namespace pebench
