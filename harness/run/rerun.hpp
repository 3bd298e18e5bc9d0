// Running a cell again from its result file.
//
// `pebench run --config RESULT.json` (and `pebench status --config
// RESULT.json`) accept a result file where a suite file goes: the suite is
// the recorded cell, its task and encoding with their resolved options, its
// seed, and its config as the suite's settings (ResultRecord::suite_sections).
// Before anything runs, the suite is expanded and must give exactly the
// recorded identity (task version, options, every setting); otherwise this
// build cannot reproduce the cell and the run stops with one line naming the
// first field that differs. After the run, the new result is compared with
// the source, every field but timings and the run context: the run says that
// the cell was reproduced bit for bit, or lists where it was not and exits 1.
//
// The selection flags still apply (`--seeds 0-4` runs more seeds of the same
// configuration, `--encodings alibi` the same configuration with another
// encoding); the comparison is made only for the cell with the source's identity.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "harness/config/grid.hpp"
#include "harness/config/suite_config.hpp"
#include "harness/run/result_record.hpp"

namespace pebench {

// Whether `path` is a regular file holding a JSON object with a
// "schema_version" (a result file; a suite has no such key).
bool is_result_file(const std::string& path);

// The suite of the cell `record` records (name "rerun"); UsageError, prefixed
// by `origin`, when the record lacks a config section or this build does not
// resolve it to exactly the recorded cell (an unknown task or encoding,
// another task version, options or settings read differently).
Suite suite_from_result(const ResultRecord& record, const std::string& origin);

// What --config FILE names: a result file (origin "result FILE") or a suite file.
Suite load_suite_or_result_file(const std::string& path);

// The recorded cell as this build resolves it (same conditions as suite_from_result).
Cell cell_from_result(const ResultRecord& record, const std::string& origin);

// Where `rerun` differs from `source` in what `source` records (a schema-1
// source has no per-sequence counts, no class histograms and no id_upper
// scores, so these are not compared): "path: source value vs rerun value",
// at most `limit`. Timings (train.wall_time_s, train.tokens_per_s,
// eval.wall_time_s) and the run context (date, host, threads, build) are not
// compared.
std::vector<std::string> reproduction_differences(const ResultRecord& source, const ResultRecord& rerun,
                                                  size_t limit = 1000);

// After `pebench run --config RESULT.json`: compares the result this run wrote
// (or kept) in `out_dir` for the source's cell with `source` (read from
// `source_path` before the run), and prints on stderr whether it reproduced
// it. RuntimeError when it did not. Cells of another identity are not compared.
void check_reproduction(const ResultRecord& source, const std::string& source_path,
                        const std::filesystem::path& out_dir, const std::vector<Cell>& cells, bool forced);

}  // namespace pebench
