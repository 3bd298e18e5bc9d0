#include "harness/run/result_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/errors.hpp"

namespace pebench {

namespace fs = std::filesystem;

fs::path result_path(const fs::path& dir, const Cell& cell) {
  return dir / cell.task_label / cell.encoding_label / ("seed" + std::to_string(cell.seed) + ".json");
}

// Reads a regular file of at most 256 MiB; false with `why` otherwise.
static bool read_regular_file(const fs::path& path, std::string& text, std::string& why) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    why = std::string("cannot be read (") + std::strerror(errno) + ")";
    return false;
  }
  if (S_ISDIR(info.st_mode)) why = "a directory, not a result file (a run moves it aside to <name>.damaged)";
  else if (!S_ISREG(info.st_mode)) why = "not a regular file";
  else if (info.st_size > (off_t(256) << 20)) why = "larger than any result file";
  if (!why.empty()) return false;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (!in && !in.eof()) {
    why = "cannot be read";
    return false;
  }
  text = buffer.str();
  return true;
}

ResultRecord read_result_record(const fs::path& path) {
  std::string text, why;
  if (!read_regular_file(path, text, why)) throw ResultFileError(why);
  json document;
  try {
    document = json::parse(text);
  } catch (const json::parse_error&) {
    throw ResultFileError("malformed JSON");
  }
  try {
    return ResultRecord::from_json(document);
  } catch (const json::exception&) {  // a safety net: from_json checks every type it reads
    throw ResultFileError("not a complete result");
  }
}

ExistingResult check_existing_result(const fs::path& path, const Cell& cell, std::string* damage) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0 && errno == ENOENT) return ExistingResult::none;
  try {
    const ResultRecord record = read_result_record(path);
    if (record.identity() != cell_identity(cell)) return ExistingResult::different;
    return record.outcome.status == CellStatus::failed ? ExistingResult::failed : ExistingResult::done;
  } catch (const ResultFileError& error) {
    if (damage) *damage = error.what();
    return ExistingResult::unreadable;
  }
}

fs::path move_damaged_result_aside(const fs::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) return {};  // rename replaces anything else
  for (int k = 0; k < 1000; ++k) {
    const fs::path aside = path.string() + ".damaged" + (k ? "." + std::to_string(k) : "");
    if (::lstat(aside.c_str(), &info) == 0) continue;
    if (::rename(path.c_str(), aside.c_str()) == 0) return aside;
    break;
  }
  throw RuntimeError("cannot move the directory '" + path.string() + "' out of the way of its result file: " +
                     std::strerror(errno));
}

bool is_result_file_name(const std::string& name) {
  const std::string prefix = "seed", suffix = ".json";
  if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return false;
  const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  return digits.size() <= 10 && digits.find_first_not_of("0123456789") == std::string::npos &&
         (digits.size() == 1 || digits[0] != '0');
}

std::vector<fs::path> find_result_files(const fs::path& dir, std::vector<std::string>& warnings) {
  std::vector<fs::path> files;
  std::error_code ec;
  auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& path = it->path();
    const std::string name = path.filename().string();
    const bool json_name = path.extension() == ".json";
    if (!json_name) continue;
    if (!is_result_file_name(name)) {
      warnings.push_back("warning: skipping " + path.string() + ": not a pebench result (results are named seed<k>.json)");
      continue;
    }
    std::error_code status_error;
    const fs::file_status status = fs::status(path, status_error);
    if (status_error)
      warnings.push_back("warning: skipping " + path.string() + ": cannot be read (" + status_error.message() + ")");
    else if (status.type() != fs::file_type::regular)
      warnings.push_back("warning: skipping " + path.string() + ": " +
                         (status.type() == fs::file_type::directory ? "a directory" : "not a regular file") +
                         ", not a result file");
    else
      files.push_back(path);
  }
  if (ec) warnings.push_back("warning: stopped reading " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace pebench
