#include "tasks/che_task.hpp"

#include <algorithm>
#include <numeric>

namespace pebench {

static std::vector<int> length_range(int first, int last) {
  std::vector<int> lengths(last - first + 1);
  std::iota(lengths.begin(), lengths.end(), first);
  return lengths;
}

CheTask::CheTask(std::string family, std::vector<std::string> alphabet, std::vector<std::string> outputs,
                 std::string terminator)
    : family_(std::move(family)), alphabet_(std::move(alphabet)), outputs_(std::move(outputs)) {
  if (terminator.empty()) return;
  auto it = std::find(outputs_.begin(), outputs_.end(), terminator);
  if (it == outputs_.end()) throw RuntimeError("CHE task terminator '" + terminator + "' is not an output");
  terminator_id_ = static_cast<int>(it - outputs_.begin());
}

std::vector<std::string> CheTask::input_vocab() const {
  std::vector<std::string> vocab = alphabet_;
  vocab.push_back("_");
  return vocab;
}

std::vector<Split> CheTask::splits() const {
  return {
      {"train", SplitKind::train, length_range(1, kTrainMaxLength), "input length N ~ U{1..40} per batch"},
      {"id", SplitKind::id, length_range(1, kTrainMaxLength), "every input length 1..40"},
      {"ood", SplitKind::ood, length_range(kTrainMaxLength + 1, kTestMaxLength),
       "every input length 41..500"},
  };
}

int CheTask::sequence_length(int length) const { return input_length(length) + output_length(length); }

Example CheTask::sample(const std::string& split, int length, Rng& rng) const {
  // The three standard splits are checked without find_split(), which writes a
  // cache and so must not run concurrently; any other name gets its error there.
  if (split != "train" && split != "id" && split != "ood") find_split(split);
  check_length(length);
  const std::vector<int> input = generate_input(length, rng);  // [n]
  const std::vector<int> output = solve(input);                // [m]
  const size_t n = input.size(), m = output.size();
  if (static_cast<int>(n) != input_length(length) || static_cast<int>(m) != output_length(length))
    throw RuntimeError("task '" + name() + "' generated an example of the wrong shape");

  Example example;
  example.tokens = input;  // [n + m]
  example.tokens.resize(n + m, placeholder_id());
  example.targets.assign(n, Example::kNoTarget);  // [n + m]
  example.targets.insert(example.targets.end(), output.begin(), output.end());
  example.scored.assign(n, 0);  // [n + m]
  const std::vector<uint8_t> scored = scored_outputs(output);
  example.scored.insert(example.scored.end(), scored.begin(), scored.end());
  return example;
}

std::vector<uint8_t> CheTask::scored_outputs(const std::vector<int>& output) const {
  std::vector<uint8_t> scored(output.size(), 1);  // [m]
  if (terminator_id_ < 0) return scored;
  // Reference accuracy_mask: positions 0..t, t = the first terminator.
  auto end = std::find(output.begin(), output.end(), terminator_id_);
  if (end == output.end()) throw RuntimeError("task '" + name() + "' produced an answer without terminator");
  std::fill(scored.begin() + (end - output.begin()) + 1, scored.end(), 0);
  return scored;
}

std::vector<int> CheTask::uniform_symbols(int count, int symbol_count, Rng& rng) {
  std::vector<int> symbols(count);  // [count]
  for (int& symbol : symbols) symbol = static_cast<int>(rng.below(symbol_count));
  return symbols;
}

std::string ids_to_text(const std::vector<int>& ids, const std::vector<std::string>& alphabet) {
  std::string text;
  text.reserve(ids.size());
  for (int id : ids) {
    if (id < 0 || id >= static_cast<int>(alphabet.size()) || alphabet[id].size() != 1)
      throw UsageError("token id " + std::to_string(id) + " is not a one-character symbol of the task");
    text += alphabet[id];
  }
  return text;
}

std::vector<int> text_to_ids(const std::string& text, const std::vector<std::string>& alphabet) {
  int id_of_char[256];
  std::fill(std::begin(id_of_char), std::end(id_of_char), -1);
  for (size_t id = 0; id < alphabet.size(); ++id)
    if (alphabet[id].size() == 1)
      id_of_char[static_cast<unsigned char>(alphabet[id][0])] = static_cast<int>(id);
  std::vector<int> ids(text.size());  // [text.size()]
  for (size_t i = 0; i < text.size(); ++i) {
    ids[i] = id_of_char[static_cast<unsigned char>(text[i])];
    if (ids[i] < 0) throw UsageError(std::string("symbol '") + text[i] + "' is not in the task's alphabet");
  }
  return ids;
}

}  // namespace pebench
