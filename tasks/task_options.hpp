// Reading task options (Task::configure) with one error style for every task:
// a bad key or value is a one-line UsageError that names the task and the key,
// e.g. "task 'flip_flop': option 'length' must be an integer in [3, 100000], got 2".
// Tasks read their options through these helpers instead of parsing JSON
// themselves, so every task validates the same way.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pebench {

// Throws UsageError unless `options` is null or a JSON object whose keys are
// all in `known` (an unknown key names the closest known ones).
void check_option_keys(const std::string& task, const nlohmann::json& options,
                       const std::vector<std::string>& known);

// options[key] as an integer in [lo, hi]; `fallback` when the key is absent.
// Floats, strings and out-of-range values are UsageErrors naming the key.
int read_int_option(const std::string& task, const nlohmann::json& options, const std::string& key,
                    int fallback, int lo, int hi);

// A cross-option constraint failed: "task 'T': <message>" as a UsageError.
[[noreturn]] void throw_option_error(const std::string& task, const std::string& message);

}  // namespace pebench
