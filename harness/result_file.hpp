// The result file of one cell: DIR/<task label>/<encoding label>/seed<k>.json
// (DESIGN §1.4). schema_version 2 adds, to the final evaluation, per length
// point "sequences": {"correct": [c_1..c_n], "scored": [s_1..s_n] or s} (per
// sequence, in evaluation order) and per split "predicted_classes" and
// "target_classes" (class histograms at scored positions). Version-1 files
// (without them) are still read, and a rerun keeps them as finished cells. Besides the minimum schema it records the
// task label and options, the encoding label, "error" {message, step} for
// diverged/failed cells, per-split sequence accuracy, evaluations during
// training, and the parameter count. Readers ignore unknown fields.
//
// A file alone reproduces its cell: "config" is the fully resolved
// configuration (lengths listed explicitly), and task/encoding/seed complete it.
#pragma once
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/cell_outcome.hpp"
#include "harness/grid.hpp"

namespace pebench {

using json = nlohmann::json;

constexpr int kResultSchemaVersion = 2;
// Versions this build reads: 1 and 2.
bool is_supported_schema(const json& version);

// date (UTC, ISO 8601), host, threads, compiler, git, version, build_type.
json run_context(int threads);

json result_json(const Cell& cell, const CellOutcome& outcome, const json& context);
std::filesystem::path result_path(const std::filesystem::path& dir, const Cell& cell);

// What a rerun finds at a cell's result path.
enum class ExistingResult {
  none,       // no file
  done,       // a result for exactly this cell (same identity), status ok or diverged
  failed,     // same identity but status failed: worth another try
  different,  // a result for another configuration: redo and replace
  unreadable  // not a pebench result: redo and replace
};
ExistingResult check_existing_result(const std::filesystem::path& path, const Cell& cell);

// The identity part of a result document, comparable with Cell::identity_json().
json result_identity(const json& result);

}  // namespace pebench
