#include "tasks/task.hpp"

#include <algorithm>

#include "models/batch.hpp"

namespace pebench {

void Task::configure(const json& options) { options_reader(options).finish(); }

OptionsReader Task::options_reader(const json& options) const {
  return OptionsReader::plugin_options(options, "task '" + name() + "'");
}

Split Task::find_split(const std::string& split) const {
  const std::vector<Split> all = splits();
  for (const auto& s : all)
    if (s.name == split) return s;
  std::vector<std::string> names;
  for (const auto& s : all) names.push_back(s.name);
  throw UsageError(unknown_name_message("split", split, names) + " for task '" + name() + "'");
}

void Task::check_length(int length) const {
  if (length < min_length() || length > max_length())
    throw UsageError("task '" + name() + "': length " + std::to_string(length) + " is outside [" +
                     std::to_string(min_length()) + ", " + std::to_string(max_length()) + "]");
}

static int vocab_id(const std::vector<std::string>& vocab, const std::string& token,
                    const std::string& what) {
  auto it = std::find(vocab.begin(), vocab.end(), token);
  if (it == vocab.end()) throw UsageError("unknown " + what + " token '" + token + "'");
  return static_cast<int>(it - vocab.begin());
}

int Task::input_id(const std::string& token) const { return vocab_id(input_vocab(), token, "input"); }
int Task::output_id(const std::string& token) const { return vocab_id(output_vocab(), token, "output"); }

Registry<TaskFactory>& task_registry() {
  static Registry<TaskFactory> registry("task");
  return registry;
}

TaskRegistrar::TaskRegistrar(const char* name, TaskFactory factory, const char* abi_tag) {
  task_registry().add(name, std::move(factory), abi_tag);
}

std::unique_ptr<Task> make_task(const std::string& name, const json& options) {
  auto task = task_registry().get(name)();
  task->set_name(name);
  task->configure(options);
  return task;
}

std::vector<int> boundary_ids(const Task& task) {
  std::vector<int> ids;
  for (const auto& token : task.segment_boundaries()) ids.push_back(task.input_id(token));
  return ids;
}

Batch make_batch(const Task& task, const std::string& split, int length, int batch_size, Rng& rng) {
  task.find_split(split);
  task.check_length(length);
  Batch batch;
  batch.batch_size = batch_size;
  batch.seq_len = task.sequence_length(length);
  batch.causal = task.attention() == Attention::causal;
  const size_t n = static_cast<size_t>(batch_size) * batch.seq_len;
  batch.tokens.reserve(n);
  batch.targets.reserve(n);
  batch.scored.reserve(n);
  const auto boundaries = boundary_ids(task);
  for (int b = 0; b < batch_size; ++b) {
    Example example = task.sample(split, length, rng);
    if (static_cast<int>(example.tokens.size()) != batch.seq_len)
      throw RuntimeError("task '" + task.name() + "' produced a sequence of the wrong length");
    batch.tokens.insert(batch.tokens.end(), example.tokens.begin(), example.tokens.end());
    batch.targets.insert(batch.targets.end(), example.targets.begin(), example.targets.end());
    batch.scored.insert(batch.scored.end(), example.scored.begin(), example.scored.end());
  }
  batch.boundary.resize(n, 0);
  for (size_t i = 0; i < n; ++i)
    batch.boundary[i] = std::find(boundaries.begin(), boundaries.end(), batch.tokens[i]) != boundaries.end();
  return batch;
}

}  // namespace pebench
