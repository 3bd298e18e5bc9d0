#include "harness/run/rerun.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <set>

#include <fmt/core.h>

#include "common/errors.hpp"
#include "common/quote.hpp"
#include "common/registry.hpp"
#include "common/options_reader.hpp"
#include "harness/config/cell_settings.hpp"
#include "models/encoding.hpp"
#include "tasks/task.hpp"
#include "harness/run/result_file.hpp"

namespace pebench {

namespace fs = std::filesystem;

namespace {

std::string shown(const json& value) {
  if (value.is_null()) return "none";
  return printable(value.dump(), 60);
}

// The first `limit` paths where `a` and `b` differ, "path: a vs b", in key order.
void collect_differences(const json& a, const json& b, const std::string& path, size_t limit,
                         std::vector<std::string>& out) {
  if (out.size() >= limit) return;
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (auto it = a.begin(); it != a.end(); ++it) keys.insert(it.key());
    for (auto it = b.begin(); it != b.end(); ++it) keys.insert(it.key());
    for (const auto& key : keys)
      collect_differences(a.value(key, json()), b.value(key, json()), path.empty() ? key : path + "." + key, limit,
                          out);
    return;
  }
  if (a.is_array() && b.is_array() && a.size() == b.size()) {
    for (size_t i = 0; i < a.size(); ++i) collect_differences(a[i], b[i], path + "[" + std::to_string(i) + "]", limit, out);
    return;
  }
  if (a.is_array() && b.is_array()) {
    out.push_back(fmt::format("{}: {} items vs {}", path, a.size(), b.size()));
    return;
  }
  if (a != b) out.push_back(path + ": " + shown(a) + " vs " + shown(b));
}

// Runs a plugin's own checks (its name, its options) and names `path` of the result in their message.
template <typename Make>
void check_plugin(Make make, const std::string& origin, const std::string& path) {
  try {
    make();
  } catch (const UsageError& error) {
    fail_config(origin, path, printable(error.what(), 300));
  } catch (const json::exception& error) {  // a plugin reading its options with a wrong type
    fail_config(origin, path, printable(error.what(), 200));
  }
}

// What a rerun cannot repeat: how long it took, and where and when it ran.
json comparable(const ResultRecord& record) {
  json document = record.to_json();
  document.erase("context");
  document["train"].erase("wall_time_s");
  document["train"].erase("tokens_per_s");
  document["eval"].erase("wall_time_s");
  return document;
}

}  // namespace

bool is_result_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode) || info.st_size > (off_t(256) << 20)) return false;
  std::ifstream in(path, std::ios::binary);
  const json document = json::parse(in, nullptr, false);
  return document.is_object() && document.contains("schema_version");
}

Suite suite_from_result(const ResultRecord& record, const std::string& origin) {
  json sections;
  try {
    sections = record.suite_sections();
  } catch (const ResultFileError& error) {
    throw UsageError(origin + ": it is not a complete pebench result file (" + error.what() + ")");
  }
  // The plugins first, so that a message names the result's own field.
  check_plugin([&] { make_task(record.task_name, record.task_options); }, origin, "task");
  check_plugin([&] { make_encoding<float>(record.encoding_name, record.encoding_params); }, origin, "encoding");
  const json document = {
      {"tasks", {{{"name", record.task_name}, {"label", record.task_label}, {"options", record.task_options}}}},
      {"encodings",
       {{{"name", record.encoding_name}, {"label", record.encoding_label}, {"options", record.encoding_params}}}},
      {"seeds", {record.seed}}};
  Suite suite;
  std::vector<Cell> cells;
  try {
    suite = parse_suite(document, "rerun", origin);  // the labels are checked as a suite's
    OptionsReader config(sections, origin, "config");
    apply_sections(config, suite.base);
    config.finish();
    cells = expand_grid(suite);  // explicit entries: a pair that cannot run is a UsageError, never dropped
  } catch (const json::exception& error) {  // a safety net, as for suite files: the readers check every type
    throw UsageError(origin + ": " + printable(error.what(), 200));
  }
  std::vector<std::string> differences;
  collect_differences(record.identity(), cell_identity(cells.at(0)), "", 1, differences);
  if (!differences.empty())
    throw UsageError(origin + ": this build resolves the recorded cell differently, so it cannot reproduce it (" +
                     differences.front() + ", recorded vs this build)");
  return suite;
}

Suite load_suite_or_result_file(const std::string& path) {
  if (!is_result_file(path)) return load_suite_file(path);
  const std::string origin = "result " + printable(path, 200);
  ResultRecord record;
  try {
    record = read_result_record(path);
  } catch (const ResultFileError& error) {
    throw UsageError(origin + ": not a pebench result file (" + error.what() + ")");
  }
  return suite_from_result(record, origin);
}

Cell cell_from_result(const ResultRecord& record, const std::string& origin) {
  return expand_grid(suite_from_result(record, origin)).at(0);
}

std::vector<std::string> reproduction_differences(const ResultRecord& source, const ResultRecord& rerun, size_t limit) {
  ResultRecord as_source = rerun;
  as_source.schema_version = source.schema_version;  // only what the source's schema records
  std::vector<std::string> differences;
  collect_differences(comparable(source), comparable(as_source), "", limit, differences);
  return differences;
}

void check_reproduction(const ResultRecord& source, const std::string& source_path, const fs::path& out_dir,
                        const std::vector<Cell>& cells, bool forced) {
  const json identity = source.identity();
  for (const Cell& cell : cells) {
    if (cell_identity(cell) != identity) continue;
    const fs::path path = result_path(out_dir, cell);
    std::error_code error;
    if (!forced && fs::equivalent(path, source_path, error)) {
      std::fprintf(stderr, "pebench: %s is the source result itself, kept; give another --out to run it again\n",
                   printable(path.string()).c_str());
      return;
    }
    ResultRecord rerun;
    try {
      rerun = read_result_record(path);
    } catch (const ResultFileError&) {
      return;  // left to another run sharing the directory
    }
    const std::vector<std::string> differences = reproduction_differences(source, rerun);
    if (differences.empty()) {
      std::fprintf(stderr, "pebench: %s reproduces %s bit for bit (every field but timings and the run context)\n",
                   printable(path.string()).c_str(), printable(source_path).c_str());
      return;
    }
    for (size_t i = 0; i < differences.size() && i < 5; ++i)
      std::fprintf(stderr, "pebench: differs: %s\n", printable(differences[i]).c_str());
    throw RuntimeError(fmt::format("{} does not reproduce {}: {} field(s) differ, the first at {}", path.string(),
                                   source_path, differences.size(), differences.front()));
  }
  std::fprintf(stderr, "pebench: nothing compared with %s: its cell is not in this run (another --steps, --seeds, "
               "--encodings or --shard)\n", printable(source_path).c_str());
}

}  // namespace pebench
