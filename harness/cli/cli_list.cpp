// `pebench list {tasks|encodings|suites} [--json]`
#include <iostream>
#include <string>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "common/errors.hpp"
#include "harness/cli/cli.hpp"
#include "harness/config/suites.hpp"
#include "harness/cli/task_listing.hpp"
#include "models/encoding.hpp"
#include "tasks/task.hpp"

namespace pebench {

void check_range(const char* flag, long long value, long long lo, long long hi) {
  if (value < lo || value > hi)
    throw UsageError(fmt::format("{} {} is out of range [{}, {}]", flag, value, lo, hi));
}

static void list_tasks(bool as_json) {
  if (as_json) {
    std::cout << tasks_json().dump(2) << "\n";
    return;
  }
  for (const auto& name : task_registry().names()) {
    auto task = make_task(name);
    std::string split_names;
    for (const auto& split : task->splits()) split_names += (split_names.empty() ? "" : ",") + split.name;
    fmt::print("{:<28} {:<8} {:<14} in={:<3} out={:<3} splits={}\n", name, task->family(),
               to_string(task->attention()), task->input_vocab().size(), task->output_vocab().size(), split_names);
  }
}

// name, kind, citation, summary and params (the options with their defaults).
static json encoding_json(const std::string& name) {
  const EncodingInfo& info = encoding_registry().get(name).info;
  return {{"name", name},
          {"kind", to_string(info.kind)},
          {"citation", info.citation},
          {"summary", info.summary},
          {"params", make_encoding<float>(name)->options()}};
}

// "base=10000.0 scale_base=512.0", or "-" for an encoding without options.
static std::string params_text(const json& params) {
  std::string text;
  for (const auto& [key, value] : params.items())
    text += (text.empty() ? "" : " ") + key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  return text.empty() ? "-" : text;
}

static void list_encodings(bool as_json) {
  json all = json::array();
  for (const auto& name : encoding_registry().names()) all.push_back(encoding_json(name));
  if (as_json) {
    std::cout << all.dump(2) << "\n";
    return;
  }
  for (const auto& encoding : all)
    fmt::print("{:<16} {:<18} {:<36} {}\n", encoding["name"].get<std::string>(), encoding["kind"].get<std::string>(),
               encoding["citation"].get<std::string>(), params_text(encoding["params"]));
}

static void list_suites(bool as_json) {
  json all = json::array();
  for (const auto& name : shipped_suite_names()) {
    if (as_json) all.push_back({{"name", name}, {"path", shipped_suite_path(name)}});
    else fmt::print("{}\n", name);
  }
  if (as_json) std::cout << all.dump(2) << "\n";
}

void add_list_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("list", "List registered tasks, encodings or shipped suites");
  auto what = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("what", *what, "tasks | encodings | suites")->required();
  cmd->add_flag("--json", *as_json, "Print JSON instead of a table");
  reject_empty_values(*cmd);
  cmd->callback([what, as_json] {
    if (*what == "tasks") return list_tasks(*as_json);
    if (*what == "encodings") return list_encodings(*as_json);
    if (*what == "suites") return list_suites(*as_json);
    throw UsageError(unknown_name_message("list", *what, {"tasks", "encodings", "suites"}));
  });
}

}  // namespace pebench
