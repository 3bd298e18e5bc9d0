// What pebench says about a task: its JSON description (`pebench list tasks
// --json`, docs/tasks.md#sample-output) and the split and length that `pebench sample` and the
// data benchmark use when none is given.
#pragma once
#include <nlohmann/json.hpp>

#include "tasks/task.hpp"

namespace pebench {

// name, family, version, input_vocab, output_vocab (token names in id order),
// attention, splits [{name, kind, lengths, description}], segment_boundaries,
// options (resolved), min_length, max_length.
nlohmann::json task_json(const Task& task);

// task_json of every registered task with default options, sorted by name.
nlohmann::json tasks_json();

// The task's first split of kind train (its first split if it has none).
Split default_split(const Task& task);

// The largest length a split uses: its most demanding, trained or evaluated.
int default_length(const Split& split);

}  // namespace pebench
