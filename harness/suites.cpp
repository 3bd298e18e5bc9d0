#include "harness/suites.hpp"

#include <algorithm>
#include <filesystem>

#include "common/errors.hpp"
#include "common/registry.hpp"

namespace pebench {

// Shipped suites are read from the source tree the binary was built from.
static std::filesystem::path suites_dir() {
  return std::filesystem::path(PEBENCH_SOURCE_DIR) / "harness" / "suites";
}

std::vector<std::string> shipped_suite_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(suites_dir(), ec))
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string shipped_suite_path(const std::string& name) {
  const auto names = shipped_suite_names();
  if (std::find(names.begin(), names.end(), name) == names.end())
    throw UsageError(unknown_name_message("suite", name, names));
  return (suites_dir() / (name + ".json")).string();
}

}  // namespace pebench
