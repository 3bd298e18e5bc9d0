#include "harness/run/grid_status.hpp"

#include <algorithm>
#include <fstream>
#include <map>

#include <fmt/core.h>

#include "common/errors.hpp"
#include "common/atomic_file.hpp"
#include "harness/run/result_file.hpp"

namespace pebench {

namespace fs = std::filesystem;

namespace {

constexpr const char* kManifestSchema = "pebench-grid-manifest/1";

json read_json_file(const fs::path& file) {
  std::ifstream in(file);
  return json::parse(in);
}

std::vector<std::string>* state_list(GridStatus& status, CellState state) {
  switch (state) {
    case CellState::ok: return &status.ok;
    case CellState::diverged: return &status.diverged;
    case CellState::failed: return &status.failed;
    case CellState::differs: return &status.differs;
    case CellState::unreadable: return &status.unreadable;
    case CellState::missing: return &status.missing;
  }
  return &status.missing;
}

}  // namespace

std::vector<ExpectedCell> expected_cells(const std::vector<Cell>& cells) {
  std::vector<ExpectedCell> expected;
  for (const auto& cell : cells) expected.push_back({cell.name(), cell_identity(cell)});
  return expected;
}

// The states check_existing_result (result_file.hpp) gives a rerun, with ok
// and diverged told apart.
CellState cell_state(const fs::path& file, const json& identity) {
  std::error_code error;
  if (!fs::exists(file, error)) return CellState::missing;
  try {
    const ResultRecord record = read_result_record(file);
    if (record.identity() != identity) return CellState::differs;
    switch (record.outcome.status) {
      case CellStatus::failed: return CellState::failed;
      case CellStatus::diverged: return CellState::diverged;
      default: return CellState::ok;
    }
  } catch (const ResultFileError&) {
    return CellState::unreadable;
  }
}

size_t GridStatus::total() const {
  return ok.size() + diverged.size() + failed.size() + differs.size() + unreadable.size() + missing.size();
}

GridStatus grid_status(const fs::path& dir, const std::vector<ExpectedCell>& cells) {
  GridStatus status;
  for (const auto& cell : cells)
    state_list(status, cell_state(dir / (cell.name + ".json"), cell.identity))->push_back(cell.name);
  return status;
}

std::vector<EncodingProgress> progress_by_encoding(const GridStatus& status) {
  std::map<std::string, EncodingProgress> by_name;
  auto count = [&](const std::vector<std::string>& names, bool done) {
    for (const auto& name : names) {
      const size_t first = name.find('/'), last = name.rfind('/');
      const std::string encoding = name.substr(first + 1, last - first - 1);
      EncodingProgress& progress = by_name[encoding];
      progress.encoding = encoding;
      ++progress.cells;
      progress.not_done += done ? 0 : 1;
    }
  };
  count(status.ok, true);
  count(status.diverged, true);
  for (const auto* names : {&status.failed, &status.differs, &status.unreadable, &status.missing}) count(*names, false);
  std::vector<EncodingProgress> progress;
  for (auto& [name, entry] : by_name) progress.push_back(std::move(entry));
  return progress;
}

fs::path grid_manifest_path(const fs::path& dir) { return dir / "grid.manifest"; }

void record_grid_manifest(const fs::path& dir, const std::string& suite_name, const std::vector<Cell>& cells) {
  json manifest = {{"schema", kManifestSchema}, {"suites", json::array()}, {"cells", json::object()}};
  try {
    if (fs::exists(grid_manifest_path(dir))) {
      json existing = read_json_file(grid_manifest_path(dir));
      if (existing.value("schema", "") == kManifestSchema) manifest = std::move(existing);
    }
  } catch (const json::exception&) {
    // A corrupt manifest is replaced by this run's grid.
  }
  auto& suites = manifest["suites"];
  if (std::find(suites.begin(), suites.end(), suite_name) == suites.end()) suites.push_back(suite_name);
  for (const auto& cell : cells) manifest["cells"][cell.name()] = cell_identity(cell);
  write_file_atomically(grid_manifest_path(dir), manifest.dump() + "\n");
}

std::optional<std::vector<ExpectedCell>> read_grid_manifest(const fs::path& dir,
                                                            std::vector<std::string>* suite_names) {
  const fs::path path = grid_manifest_path(dir);
  std::error_code error;
  if (!fs::exists(path, error)) return std::nullopt;
  try {
    const json manifest = read_json_file(path);
    if (manifest.at("schema") != kManifestSchema) throw RuntimeError(path.string() + ": not a pebench grid manifest");
    std::vector<ExpectedCell> cells;
    for (const auto& [name, identity] : manifest.at("cells").items()) cells.push_back({name, identity});
    if (suite_names) *suite_names = manifest.at("suites").get<std::vector<std::string>>();
    return cells;
  } catch (const json::exception& e) {
    throw RuntimeError(path.string() + ": corrupt grid manifest (" + e.what() + ")");
  }
}

std::optional<std::string> grid_coverage_line(const fs::path& dir) {
  std::vector<std::string> suites;
  const auto cells = read_grid_manifest(dir, &suites);
  if (!cells) return std::nullopt;
  const GridStatus status = grid_status(dir, *cells);
  std::string suite_list;
  for (const auto& suite : suites) suite_list += (suite_list.empty() ? "" : ", ") + suite;
  std::string line = fmt::format("Grid: {} of {} cells done (suite {})", status.done(), status.total(), suite_list);
  if (status.complete()) return line + "; complete.";
  std::vector<std::string> gaps;
  for (const auto& [count, what] : {std::pair{status.missing.size(), "missing"}, {status.failed.size(), "failed"},
                                    {status.differs.size(), "with another configuration"},
                                    {status.unreadable.size(), "unreadable"}})
    if (count > 0) gaps.push_back(fmt::format("{} {}", count, what));
  for (size_t i = 0; i < gaps.size(); ++i) line += (i == 0 ? "; " : ", ") + gaps[i];
  return line + fmt::format(". `pebench status {}` lists them.", dir.string());
}

std::string with_grid_coverage(const fs::path& dir, const std::string& format, const std::string& report,
                               std::vector<std::string>& notes) {
  const auto line = grid_coverage_line(dir);
  if (!line) return report;
  if (format == "md") return "> " + *line + "\n\n" + report;
  const auto body = report.find("<body>");
  if (format == "html" && body != std::string::npos) {
    const size_t after = body + std::string("<body>").size();
    return report.substr(0, after) + "\n<p class=\"grid-coverage\">" + *line + "</p>" + report.substr(after);
  }
  notes.push_back(*line);
  return report;
}

}  // namespace pebench
