#include "tasks/task_options.hpp"

#include <algorithm>

#include <fmt/core.h>

#include "common/errors.hpp"
#include "common/registry.hpp"

namespace pebench {

void throw_option_error(const std::string& task, const std::string& message) {
  throw UsageError("task '" + task + "': " + message);
}

void check_option_keys(const std::string& task, const nlohmann::json& options,
                       const std::vector<std::string>& known) {
  if (options.is_null()) return;
  if (!options.is_object()) throw_option_error(task, "options must be a JSON object, got " + options.dump());
  for (const auto& [key, value] : options.items())
    if (std::find(known.begin(), known.end(), key) == known.end())
      throw_option_error(task, unknown_name_message("option", key, known));
}

int read_int_option(const std::string& task, const nlohmann::json& options, const std::string& key,
                    int fallback, int lo, int hi) {
  if (options.is_null() || !options.contains(key)) return fallback;
  const auto& value = options.at(key);
  const bool in_range = value.is_number_integer() && value.get<long long>() >= lo && value.get<long long>() <= hi;
  if (!in_range)
    throw_option_error(task, fmt::format("option '{}' must be an integer in [{}, {}], got {}", key, lo, hi,
                                         value.dump()));
  return value.get<int>();
}

}  // namespace pebench
