// Shipped and user suites: where `--suite NAME` looks for NAME.json.
//
// Searched in this order, the first directory holding NAME.json wins:
//   1. each `--suite-dir DIR` (any subcommand, repeatable), in order;
//   2. each directory of PEBENCH_SUITES (':'-separated);
//   3. <directory of the pebench binary>/../share/pebench/suites (an installed
//      pebench, wherever its prefix was moved);
//   4. the source tree the binary was built from (harness/suites/), if it
//      still exists (a binary run from its build directory).
// A directory given in 1 or 2 that does not exist is a UsageError.
#pragma once
#include <string>
#include <vector>

namespace pebench {

// The directories of --suite-dir (the CLI sets them before any command runs).
void set_suite_dirs(const std::vector<std::string>& dirs);

// The directories searched, in order (only those that exist).
std::vector<std::string> suite_search_dirs();

std::vector<std::string> shipped_suite_names();               // sorted, each once
std::string shipped_suite_path(const std::string& name);      // UsageError if unknown

}  // namespace pebench
