#include "harness/config/suites.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "common/build_info.hpp"
#include "common/errors.hpp"
#include "common/registry.hpp"

namespace pebench {

namespace fs = std::filesystem;

namespace {

std::vector<std::string>& flag_dirs() {
  static std::vector<std::string> dirs;
  return dirs;
}

// The running executable's directory (empty if /proc is unavailable).
fs::path executable_dir() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  return error ? fs::path() : self.parent_path();
}

void require_directory(const std::string& dir, const std::string& what) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) throw UsageError(what + ": '" + dir + "' is not a directory");
}

std::vector<std::string> split_path_list(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(':', start), text.size());
    if (end > start) parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

}  // namespace

void set_suite_dirs(const std::vector<std::string>& dirs) {
  for (const auto& dir : dirs) require_directory(dir, "--suite-dir");
  flag_dirs() = dirs;
}

std::vector<std::string> suite_search_dirs() {
  std::vector<std::string> dirs = flag_dirs();
  if (const char* env = std::getenv("PEBENCH_SUITES"))
    for (const auto& dir : split_path_list(env)) {
      require_directory(dir, "PEBENCH_SUITES");
      dirs.push_back(dir);
    }
  std::error_code error;
  const fs::path exe_dir = executable_dir();
  const fs::path installed = exe_dir / ".." / "share" / "pebench" / "suites";
  if (!exe_dir.empty() && fs::is_directory(installed, error))
    dirs.push_back(fs::weakly_canonical(installed, error).string());
  const fs::path source = fs::path(build_source_dir()) / "harness" / "suites";
  if (fs::is_directory(source, error)) dirs.push_back(source.string());
  return dirs;
}

std::vector<std::string> shipped_suite_names() {
  std::vector<std::string> names;
  for (const auto& dir : suite_search_dirs()) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dir, error))
      if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string shipped_suite_path(const std::string& name) {
  // A suite name is a file stem, never a path ("../x" would escape the directories).
  if (name.empty() || name.find('/') != std::string::npos || name[0] == '.')
    throw UsageError(unknown_name_message("suite", name, shipped_suite_names()));
  const auto dirs = suite_search_dirs();
  for (const auto& dir : dirs) {
    const fs::path candidate = fs::path(dir) / (name + ".json");
    std::error_code error;
    if (fs::is_regular_file(candidate, error)) return candidate.string();
  }
  std::string searched;
  for (const auto& dir : dirs) searched += (searched.empty() ? "" : ", ") + dir;
  if (searched.empty()) searched = "no suite directory found; give --suite-dir or PEBENCH_SUITES";
  throw UsageError(unknown_name_message("suite", name, shipped_suite_names()) + " (searched: " + searched + ")");
}

}  // namespace pebench
