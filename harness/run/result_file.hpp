// The result file of one cell: DIR/<task label>/<encoding label>/seed<k>.json
// (docs/architecture.md#result-file-schema). schema_version 2 adds, to the final evaluation, per length
// point "sequences": {"correct": [c_1..c_n], "scored": [s_1..s_n] or s} (per
// sequence, in evaluation order) and per split "predicted_classes" and
// "target_classes" (class histograms at scored positions). Version-1 files
// (without them) are still read, and a rerun keeps them as finished cells. Besides the minimum schema it records the
// task label and options, the encoding label, "error" {message, step} for
// diverged/failed cells, per-split sequence accuracy, evaluations during
// training, the parameter count, and "weights" (the weights file's name, in
// the same directory) when train.save_model kept them. Readers ignore unknown fields.
//
// A file alone reproduces its cell: "config" is the fully resolved
// configuration (lengths listed explicitly), and task/encoding/seed complete it.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/run/cell_outcome.hpp"
#include "harness/config/grid.hpp"

namespace pebench {

using json = nlohmann::json;

constexpr int kResultSchemaVersion = 2;
// Versions this build reads: 1 and 2.
bool is_supported_schema(const json& version);

// date (UTC, ISO 8601), host, threads, compiler, git, version, build_type, and
// "plugins" (name, file, sha256, what each registered) when plugins are loaded.
json run_context(int threads);

json result_json(const Cell& cell, const CellOutcome& outcome, const json& context);
// The "eval" object of a result file (without wall_time_s); `detailed` adds the
// per-sequence counts and class histograms (schema 2).
json scores_json(const EvalScores& scores, bool detailed);
std::filesystem::path result_path(const std::filesystem::path& dir, const Cell& cell);

// What a rerun finds at a cell's result path.
enum class ExistingResult {
  none,       // no file
  done,       // a result for exactly this cell (same identity), status ok or diverged
  failed,     // same identity but status failed: worth another try
  different,  // a result for another configuration: redo and replace
  unreadable  // not a pebench result: redo and replace
};
// `damage` (if given) receives why an `unreadable` path is not a result: a
// directory, a FIFO, a symlink loop, malformed JSON, a missing or mistyped
// field. Only a regular file is ever opened (a FIFO would block for ever).
ExistingResult check_existing_result(const std::filesystem::path& path, const Cell& cell,
                                     std::string* damage = nullptr);

// Why `result` is not a complete result document ("" if it is one): the
// fields the runner and the report read, with their types.
std::string result_document_problem(const json& result);

// Makes room for a new result at `path` when something that is not a file
// sits there (a directory is renamed aside to "<name>.damaged[.k]", never
// deleted). Returns where it went ("" if nothing was moved).
std::filesystem::path move_damaged_result_aside(const std::filesystem::path& path);

// The result files under `dir`: regular files named seed<k>.json, found
// without following directory links. Every other *.json file, and every
// entry named like a result that is not a readable regular file (a
// directory, a FIFO, a symlink loop), gives one warning naming it.
std::vector<std::filesystem::path> find_result_files(const std::filesystem::path& dir,
                                                     std::vector<std::string>& warnings);
bool is_result_file_name(const std::string& name);

// The identity part of a result document, comparable with Cell::identity_json().
json result_identity(const json& result);

}  // namespace pebench
