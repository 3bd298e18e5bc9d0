// CheTask: the shared shape of the 15 Chomsky-hierarchy (CHE) tasks of
// Delétang et al., "Neural Networks and the Chomsky Hierarchy" (ICLR 2023;
// google-deepmind/neural_networks_chomsky_hierarchy, docs/tasks.md#chomsky-hierarchy-tasks).
//
// Every CHE task is "read a string, write an answer", queried the way the
// reference code does it (experiments/utils.py, make_model_with_empty_targets;
// docs/tasks.md#chomsky-hierarchy-tasks):
//
//   tokens : x_1 … x_N  _ … _        the N input symbols, then m placeholders `_`
//   targets: null … null y_1 … y_m   the answer on the placeholder positions
//   scored : 0 … 0       1 … 1       every output position, or (for tasks with a
//                                    terminator) those up to and including the first one
//
// so sequence_length(N) = input_length(N) + output_length(N), attention is
// bidirectional, and the loss covers all m outputs (padding after a terminator
// included, as in the reference's unmasked loss).
//
// A task supplies two pure pieces, kept apart so each can be tested alone:
//   generate_input(N, rng) -> the input symbols (the task's distribution);
//   solve(input)           -> the answer (the task's semantics).
// sample() composes them. `solve` is public so that tests (and tools) can ask
// for the answer to any well-formed input, e.g. the worked examples of docs/tasks.md.
//
// The placeholder `_` is the last input-vocabulary id, appended to the task's
// own alphabet. Splits: train (lengths 1..40, drawn uniformly per step), id
// (every length 1..40) and ood (every length 41..500), as in NNCH §4.
#pragma once
#include <string>
#include <vector>

#include "tasks/task.hpp"

namespace pebench {

class CheTask : public Task {
 public:
  static constexpr int kTrainMaxLength = 40;
  static constexpr int kTestMaxLength = 500;
  // Far beyond the published protocol (500); longer strings only make model
  // sequences no CPU transformer can train on, so they are rejected as typos.
  static constexpr int kMaxLength = 10000;

  // `alphabet`: the input symbols without the placeholder; `outputs`: the
  // output vocabulary; `terminator`: the output symbol after which accuracy
  // stops counting ("" when every output position is scored).
  CheTask(std::string family, std::vector<std::string> alphabet, std::vector<std::string> outputs,
          std::string terminator = "");

  std::string family() const final { return family_; }
  std::vector<std::string> input_vocab() const final;  // alphabet, then "_"
  std::vector<std::string> output_vocab() const final { return outputs_; }
  Attention attention() const final { return Attention::bidirectional; }
  std::vector<Split> splits() const final;
  int sequence_length(int length) const final;
  int max_length() const override { return kMaxLength; }
  Example sample(const std::string& split, int length, Rng& rng) const final;

  // Number of input symbols the model reads for task length N (N, except where
  // the reference changes it, e.g. modular_arithmetic's N -> N-1 for even N).
  virtual int input_length(int length) const { return length; }
  // m(N): number of output positions (placeholders) for task length N.
  virtual int output_length(int length) const = 0;
  // [input_length(N)] alphabet ids drawn from the task's distribution.
  virtual std::vector<int> generate_input(int length, Rng& rng) const = 0;
  // [m] output ids: the answer for `input`, a string the task can generate
  // (length = input.size()); UsageError where malformed input is detected.
  virtual std::vector<int> solve(const std::vector<int>& input) const = 0;

  int placeholder_id() const { return static_cast<int>(alphabet_.size()); }
  const std::vector<std::string>& alphabet() const { return alphabet_; }

 protected:
  // [count] ids drawn i.i.d. uniformly from {0, …, symbol_count-1}.
  static std::vector<int> uniform_symbols(int count, int symbol_count, Rng& rng);

 private:
  // [m] 1 where the output counts towards accuracy.
  std::vector<uint8_t> scored_outputs(const std::vector<int>& output) const;

  std::string family_;
  std::vector<std::string> alphabet_;
  std::vector<std::string> outputs_;
  int terminator_id_ = -1;  // output id of the terminator, -1 if none
};

// Symbol strings <-> ids for tasks whose symbols are single characters
// (expressions): "(1+2)" <-> ids of "(", "1", "+", "2", ")" in `alphabet`.
std::string ids_to_text(const std::vector<int>& ids, const std::vector<std::string>& alphabet);
std::vector<int> text_to_ids(const std::string& text, const std::vector<std::string>& alphabet);

}  // namespace pebench
