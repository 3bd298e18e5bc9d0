// Shipped suites (harness/suites/*.json): their names and where they live.
#pragma once
#include <string>
#include <vector>

namespace pebench {

std::vector<std::string> shipped_suite_names();               // sorted
std::string shipped_suite_path(const std::string& name);      // UsageError if unknown

}  // namespace pebench
