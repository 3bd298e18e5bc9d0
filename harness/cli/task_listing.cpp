#include "harness/cli/task_listing.hpp"

#include <algorithm>

#include "common/errors.hpp"

namespace pebench {

nlohmann::json task_json(const Task& task) {
  nlohmann::json splits = nlohmann::json::array();
  for (const auto& split : task.splits())
    splits.push_back({{"name", split.name}, {"kind", to_string(split.kind)},
                      {"lengths", split.lengths}, {"description", split.description}});
  return {{"name", task.name()},
          {"family", task.family()},
          {"version", task.version()},
          {"input_vocab", task.input_vocab()},
          {"output_vocab", task.output_vocab()},
          {"attention", to_string(task.attention())},
          {"splits", splits},
          {"segment_boundaries", task.segment_boundaries()},
          {"options", task.options()},
          {"min_length", task.min_length()},
          {"max_length", task.max_length()}};
}

nlohmann::json tasks_json() {
  nlohmann::json all = nlohmann::json::array();
  for (const auto& name : task_registry().names()) all.push_back(task_json(*make_task(name)));
  return all;
}

Split default_split(const Task& task) {
  const auto splits = task.splits();
  if (splits.empty()) throw RuntimeError("task '" + task.name() + "' has no splits");
  for (const auto& split : splits)
    if (split.kind == SplitKind::train) return split;
  return splits.front();
}

int default_length(const Split& split) {
  if (split.lengths.empty()) throw RuntimeError("split '" + split.name + "' has no lengths");
  return *std::max_element(split.lengths.begin(), split.lengths.end());
}

}  // namespace pebench
