// How complete a directory of results is, measured against a grid.
//
// The grid comes from a suite and selection flags (the cells `pebench run`
// would run), or from DIR/grid.manifest: `pebench run` records there every
// cell of the grid it was given (all shards, not only its own) with the
// identity a result must match, so `pebench status DIR` and `pebench report`
// know the whole grid even before every shard has written a file. The
// manifest is a union: a run with another selection into the same directory
// adds its cells (and updates the identity of cells it shares). Shards of one
// grid starting at the same moment write the same manifest (read, merge,
// atomic rename); two *different* grids started into one directory at the
// same instant could lose one's additions, which the next run restores.
//
// Each expected cell is in one state, decided exactly as a rerun of
// `pebench run` decides whether to keep it:
//   ok, diverged   a result for this configuration: kept by a rerun (done)
//   failed         a result for this configuration whose cell threw: retried
//   differs        a result for another configuration (other steps, an edited suite): redone
//   unreadable     not a pebench result: redone
//   missing        no file
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/config/grid.hpp"
#include "harness/report/report_render.hpp"

namespace pebench {

using json = nlohmann::json;

// One expected cell: its name ("task/encoding/seedK") and the identity its
// result must record (cell_identity() in harness/run/result_record.hpp).
struct ExpectedCell {
  std::string name;
  json identity;
};
std::vector<ExpectedCell> expected_cells(const std::vector<Cell>& cells);

enum class CellState { ok, diverged, failed, differs, unreadable, missing };

// The state of `file` as the result of a cell with `identity`.
CellState cell_state(const std::filesystem::path& file, const json& identity);

struct GridStatus {
  std::vector<std::string> ok, diverged, failed, differs, unreadable, missing;  // cell names
  size_t total() const;
  size_t done() const { return ok.size() + diverged.size(); }
  bool complete() const { return done() == total(); }
};
GridStatus grid_status(const std::filesystem::path& dir, const std::vector<ExpectedCell>& cells);

// One encoding's share of a grid (the middle part of its cells' names,
// "task/encoding/seedK"): how many cells it has and how many are not done.
// A grid filled over several sittings is read encoding by encoding.
struct EncodingProgress {
  std::string encoding;
  size_t cells = 0, not_done = 0;
};
// Every encoding of the grid, in name order.
std::vector<EncodingProgress> progress_by_encoding(const GridStatus& status);

// DIR/grid.manifest. Not a .json file, so readers of DIR/**/*.json (the
// report) never take it for a result.
std::filesystem::path grid_manifest_path(const std::filesystem::path& dir);
// Adds `cells` to the manifest (created if absent), atomically.
void record_grid_manifest(const std::filesystem::path& dir, const std::string& suite_name,
                          const std::vector<Cell>& cells);
// The manifest's cells; nullopt when there is none; RuntimeError if it is corrupt.
std::optional<std::vector<ExpectedCell>> read_grid_manifest(const std::filesystem::path& dir,
                                                            std::vector<std::string>* suite_names = nullptr);

// One line for the top of a report of DIR, e.g. "Grid: 22 of 24 cells done
// (suite smoke); 2 missing. `pebench status DIR` lists them." nullopt when DIR
// holds no manifest (results of no known grid).
std::optional<std::string> grid_coverage_line(const std::filesystem::path& dir);

// `report` (a report of DIR in `format`) with that line at the top: a quoted
// paragraph in Markdown, a paragraph after <body> in HTML. CSV stays pure
// data: the line goes to `notes` instead (the caller prints it on stderr).
std::string with_grid_coverage(const std::filesystem::path& dir, const std::string& format, const std::string& report,
                               std::vector<std::string>& notes);

}  // namespace pebench
