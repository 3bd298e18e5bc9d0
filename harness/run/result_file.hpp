// Result files on disk: one per cell at DIR/<task label>/<encoding label>/seed<k>.json,
// holding a ResultRecord (harness/run/result_record.hpp, which owns the schema).
// Here: where a cell's file lives, reading a file into a record (only a
// regular file is ever opened: a FIFO would block for ever), what a rerun
// finds at a cell's path, moving a damaged path aside, and finding the result
// files under a directory.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/config/grid.hpp"
#include "harness/run/result_record.hpp"

namespace pebench {

using json = nlohmann::json;

std::filesystem::path result_path(const std::filesystem::path& dir, const Cell& cell);

// The record in a result file; ResultFileError saying why the path holds none
// (a directory, a FIFO, a symlink loop, unreadable, malformed JSON, a missing
// or mistyped field).
ResultRecord read_result_record(const std::filesystem::path& path);

// What a rerun finds at a cell's result path.
enum class ExistingResult {
  none,       // no file
  done,       // a result for exactly this cell (same identity), status ok or diverged
  failed,     // same identity but status failed: worth another try
  different,  // a result for another configuration: redo and replace
  unreadable  // not a pebench result: redo and replace
};
// `damage` (if given) receives why an `unreadable` path is not a result
// (read_result_record's reason).
ExistingResult check_existing_result(const std::filesystem::path& path, const Cell& cell,
                                     std::string* damage = nullptr);

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

}  // namespace pebench
