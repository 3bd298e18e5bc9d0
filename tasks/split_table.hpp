// Per-split settings of a task kept in a static table, one row per split (a
// row type with at least `const char* name`). Looking a split up here instead
// of through Task::find_split() rebuilds nothing, so sample() stays cheap and
// safe to call from several threads; an unknown split gives the same
// UsageError as find_split().
#pragma once
#include <array>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "common/registry.hpp"
#include "tasks/task.hpp"

namespace pebench {

template <typename Row, size_t N>
const Row& find_split_row(const Task& task, const std::array<Row, N>& table, const std::string& split) {
  for (const auto& row : table)
    if (split == row.name) return row;
  std::vector<std::string> names;
  for (const auto& row : table) names.push_back(row.name);
  throw UsageError(unknown_name_message("split", split, names) + " for task '" + task.name() + "'");
}

}  // namespace pebench
