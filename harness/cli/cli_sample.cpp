// `pebench sample TASK [--split NAME] [--length N] [--count K] [--seed S] [--ids] [--options JSON]`
//
// Prints K examples of a task as JSON Lines (docs/tasks.md#sample-output), one object per line
// with the keys in this order:
//   {"task", "split", "length", "tokens", "targets", "scored"}
// tokens and targets by token name (`--ids`: by integer id), `null` where a
// position has no target, scored as 0/1.
// Defaults: the task's first train split, that split's largest length, one
// example, seed 0, the task's default options.
// Example k is the k-th draw from Rng(seed, "sample"), so a longer --count
// only appends lines. Every input is checked before the first line is printed:
// bad input gives exit 2, one line on stderr and nothing on stdout.
#include <climits>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "common/errors.hpp"
#include "common/strict_json.hpp"
#include "harness/cli/cli.hpp"
#include "harness/cli/task_listing.hpp"
#include "tasks/task.hpp"

namespace pebench {
namespace {

constexpr long long kMaxCount = 100000;
// More tokens than this would be gigabytes of output: almost surely a typo.
constexpr long long kMaxPrintedTokens = 100000000;

struct SampleRequest {
  std::string task;
  std::string split;         // empty: the task's default split
  long long length = 0;      // 0 with length_given false: the split's default length
  bool length_given = false;
  long long count = 1;
  long long seed = 0;
  bool ids = false;
  std::string options_text;  // a JSON object, or empty
};

// Parsed as strictly as a suite file (no duplicate keys; one-line errors).
nlohmann::json parse_options(const std::string& text) {
  return text.empty() ? nlohmann::json() : parse_json_text(text, "--options");
}

// The length to sample, checked against the task's range.
int resolve_length(const Task& task, const Split& split, const SampleRequest& request) {
  if (!request.length_given) return default_length(split);
  if (request.length < task.min_length() || request.length > task.max_length())
    throw UsageError(fmt::format("--length {} is outside [{}, {}] for task '{}'", request.length,
                                 task.min_length(), task.max_length(), task.name()));
  return static_cast<int>(request.length);
}

// One token as its name or id; `kNoTarget` is null.
nlohmann::ordered_json token_json(int id, const std::vector<std::string>& vocab, bool ids) {
  if (id == Example::kNoTarget) return nullptr;
  if (ids) return id;
  return vocab.at(static_cast<size_t>(id));
}

nlohmann::ordered_json example_json(const Task& task, const std::string& split, int length, const Example& example,
                                    bool ids) {
  const auto input_vocab = task.input_vocab();
  const auto output_vocab = task.output_vocab();
  nlohmann::ordered_json tokens = nlohmann::ordered_json::array();
  nlohmann::ordered_json targets = nlohmann::ordered_json::array();
  nlohmann::ordered_json scored = nlohmann::ordered_json::array();
  for (int id : example.tokens) tokens.push_back(token_json(id, input_vocab, ids));
  for (int id : example.targets) targets.push_back(token_json(id, output_vocab, ids));
  for (uint8_t flag : example.scored) scored.push_back(int{flag});
  nlohmann::ordered_json line;
  line["task"] = task.name();
  line["split"] = split;
  line["length"] = length;
  line["tokens"] = std::move(tokens);
  line["targets"] = std::move(targets);
  line["scored"] = std::move(scored);
  return line;
}

void run_sample(const SampleRequest& request) {
  const auto task = make_task(request.task, parse_options(request.options_text));
  const Split split = request.split.empty() ? default_split(*task) : task->find_split(request.split);
  const int length = resolve_length(*task, split, request);
  check_range("--count", request.count, 1, kMaxCount);
  check_range("--seed", request.seed, 0, INT64_MAX);
  const long long printed_tokens = request.count * task->sequence_length(length);
  if (printed_tokens > kMaxPrintedTokens)
    throw UsageError(fmt::format("--count {} at --length {} would print {} tokens (at most {}); lower one of them",
                                 request.count, length, printed_tokens, kMaxPrintedTokens));

  Rng rng(static_cast<uint64_t>(request.seed), "sample");
  for (long long k = 0; k < request.count; ++k) {
    const Example example = task->sample(split.name, length, rng);
    std::cout << example_json(*task, split.name, length, example, request.ids).dump() << "\n";
  }
  std::cout.flush();
}

}  // namespace

void add_sample_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("sample", "Print examples of a task as JSON Lines");
  auto request = std::make_shared<SampleRequest>();
  cmd->add_option("task", request->task, "Task name (see `pebench list tasks`)")->required();
  cmd->add_option("--split", request->split, "Split name (default: the task's first train split)");
  auto* length = cmd->add_option("--length", request->length, "Task length (default: the split's largest)")
                      ->check(whole_number(LLONG_MIN, LLONG_MAX));
  cmd->add_option("--count", request->count, "Number of examples (default 1)")->check(whole_number(LLONG_MIN, LLONG_MAX));
  cmd->add_option("--seed", request->seed, "Random seed (default 0)")->check(whole_number(0, LLONG_MAX));
  cmd->add_flag("--ids", request->ids, "Print integer token ids instead of token names");
  cmd->add_option("--options", request->options_text, "Task options as a JSON object, e.g. '{\"length\": 64}'");
  reject_empty_values(*cmd);
  cmd->callback([request, length] {
    request->length_given = length->count() > 0;
    run_sample(*request);
  });
}

}  // namespace pebench
