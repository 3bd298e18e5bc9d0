// `pebench status [--suite NAME | --config FILE] [--tasks ..] [--encodings ..]
//                 [--seeds ..] [--steps N] [--shard I/N] [--json] DIR`
//
// How complete DIR is for a grid: the cells done (ok or diverged: a rerun
// keeps them), missing, failed, with another configuration, or unreadable
// (grid_status.hpp), and how many cells each encoding has left. The grid is
// the one the selection flags name, exactly as
// `pebench run` with the same flags would expand it; with no selection flag,
// the grid recorded in DIR/grid.manifest by the runs that wrote DIR.
// Exit 0 when every cell is done, 1 when not (a job script can gate on it),
// 2 on bad input.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <fmt/core.h>

#include "common/errors.hpp"
#include "harness/cli/cli.hpp"
#include "harness/run/grid_status.hpp"
#include "harness/config/suite_selection.hpp"

namespace pebench {

namespace fs = std::filesystem;

namespace {

struct StatusFlags {
  SuiteSelection selection;
  std::string dir;
  bool as_json = false;
};

// The grid to measure against, and words that say where it came from.
std::vector<ExpectedCell> requested_grid(const StatusFlags& flags, std::string& source) {
  if (flags.selection.any()) {
    Suite suite;
    const auto cells = selected_cells(flags.selection, &suite);
    source = "suite " + suite.name + (flags.selection.shard.empty() ? "" : ", shard " + flags.selection.shard);
    return expected_cells(cells);
  }
  std::vector<std::string> suites;
  auto cells = read_grid_manifest(flags.dir, &suites);
  if (!cells)
    throw UsageError(fmt::format("status: {} has no grid.manifest (pebench run writes one); name the grid with "
                                 "--suite or --config and the run's selection flags", flags.dir));
  source = grid_manifest_path(flags.dir).string();
  return *cells;
}

// The encodings with cells not done, each with its count: where a grid
// filled over several sittings stands, before the list of every cell.
void print_unfinished_encodings(const GridStatus& status) {
  const auto progress = progress_by_encoding(status);
  if (status.complete() || progress.size() < 2) return;
  std::printf("not done, by encoding:\n");
  for (const auto& entry : progress)
    if (entry.not_done > 0) std::printf("  %-20s %5zu of %zu\n", entry.encoding.c_str(), entry.not_done, entry.cells);
}

void print_text(const GridStatus& status, const std::string& dir, const std::string& source) {
  std::printf("%s: %zu cells (grid: %s)\n", dir.c_str(), status.total(), source.c_str());
  std::printf("  done        %5zu  (%zu ok, %zu diverged)\n", status.done(), status.ok.size(), status.diverged.size());
  const std::pair<const char*, const std::vector<std::string>*> gaps[] = {
      {"missing", &status.missing}, {"failed", &status.failed},
      {"differs", &status.differs}, {"unreadable", &status.unreadable}};
  for (const auto& [what, names] : gaps) std::printf("  %-10s  %5zu\n", what, names->size());
  print_unfinished_encodings(status);
  for (const auto& [what, names] : gaps) {
    if (names->empty()) continue;
    std::printf("%s:\n", what);
    for (const auto& name : *names) std::printf("  %s\n", name.c_str());
  }
  std::printf("%s\n", status.complete() ? "complete" : "incomplete");
}

void print_json(const GridStatus& status, const std::string& dir, const std::string& source) {
  json by_encoding = json::object();
  for (const auto& entry : progress_by_encoding(status))
    by_encoding[entry.encoding] = {{"cells", entry.cells}, {"not_done", entry.not_done}};
  const json out = {{"dir", dir},         {"grid", source},          {"total", status.total()},
                    {"done", status.done()}, {"complete", status.complete()}, {"ok", status.ok},
                    {"diverged", status.diverged}, {"failed", status.failed}, {"differs", status.differs},
                    {"unreadable", status.unreadable}, {"missing", status.missing}, {"by_encoding", by_encoding}};
  std::cout << out.dump(1) << "\n";
}

void status_command(const StatusFlags& flags) {
  std::error_code error;
  if (!fs::is_directory(flags.dir, error)) throw UsageError("status: '" + flags.dir + "' is not a directory");
  std::string source;
  const auto cells = requested_grid(flags, source);
  const GridStatus status = grid_status(flags.dir, cells);
  if (flags.as_json) print_json(status, flags.dir, source);
  else print_text(status, flags.dir, source);
  std::cout.flush();
  std::fflush(stdout);
  if (!status.complete())
    throw RuntimeError(fmt::format("grid incomplete: {} of {} cells not done", status.total() - status.done(),
                                   status.total()));
}

}  // namespace

void add_status_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("status", "How complete a results directory is for a grid (exit 0 complete, 1 not)");
  auto flags = std::make_shared<StatusFlags>();
  add_suite_selection_options(*cmd, flags->selection);
  cmd->add_flag("--json", flags->as_json, "One JSON object with the cell names in each state");
  cmd->add_option("dir", flags->dir, "Directory of result files")->required();
  cmd->callback([flags] { status_command(*flags); });
}

}  // namespace pebench
