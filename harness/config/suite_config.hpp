// Suite: a parsed and validated suite file (docs/architecture.md#suites), the grid it asks
// for before expansion into cells (grid.hpp).
//
//   {
//     "description": "...",                       optional, free text
//     "model": {...}, "train": {...}, "eval": {...} (cell_settings.hpp)
//     "families": {"memory": {"model"|"train"|"eval": {...}}},   per-family overrides
//     "tasks": "*" | ["*", "name", {"name", "label", "options", "model", "train", "eval"}],
//     "encodings": "*" | ["*", "name", {"name", "label", "options"}],
//     "seeds": [0, 1, 2] | "0-2"
//   }
//
// "*" means every registered task (encoding), so new plugins join a suite
// without editing it; "*" skips names that an explicit entry uses as its
// label. A label (default: the name) names the result directory and the report
// row, so one task can appear twice with different options (counting with 1
// and 3 variables). Settings resolve as: defaults < suite sections <
// families[family] < the task entry's own sections < command-line flags.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/config/cell_settings.hpp"

namespace pebench {

using json = nlohmann::json;

// Longest task or encoding label: labels name directories (the limit of most
// file systems is 255 bytes per name; results nest two labels deep).
constexpr size_t kMaxLabelBytes = 100;

struct TaskEntry {
  std::string label;         // result directory / report row; default: name
  std::string name;          // registered task
  json options = json::object();    // task options as written
  json overrides = json::object();  // {"model", "train", "eval"} as written
  std::string path;          // where the suite wrote it ("tasks[2]"), for messages
};

struct EncodingEntry {
  std::string label;
  std::string name;
  json options = json::object();
  std::string path;
};

struct Suite {
  std::string name;    // "quick", or the config file's stem
  std::string origin;  // "suite quick.json": the prefix of every error message
  CellSettings base;   // defaults + the suite's own sections
  std::map<std::string, json> family_overrides;
  std::vector<TaskEntry> tasks;
  std::vector<EncodingEntry> encodings;
  std::vector<int> seeds;
  std::optional<int> steps_override;  // --steps: wins over every section
};

// Reads and validates a suite file (UsageError if unreadable or invalid).
Suite load_suite_file(const std::string& path);
// Validates an already parsed document; `origin` prefixes error messages.
Suite parse_suite(const json& document, const std::string& name, const std::string& origin);

// Command-line selections that override the suite (cli_run.cpp).
struct SuiteOverrides {
  std::optional<std::vector<std::string>> tasks;      // labels in the suite or registered names
  std::optional<std::vector<std::string>> encodings;  // same
  std::optional<std::vector<int>> seeds;
  std::optional<int> steps;                           // every task's train.steps
};
void apply_overrides(Suite& suite, const SuiteOverrides& overrides);

// The settings of one task entry: base < family override < entry sections.
CellSettings resolve_task_settings(const Suite& suite, const TaskEntry& entry, const std::string& family);

}  // namespace pebench
