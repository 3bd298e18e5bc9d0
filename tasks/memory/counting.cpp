// counting: what does a tiny program print? Counting increments, skipping `pass`.
// Source: the CoPE paper (Golovneva, Wang, Weston, Sukhbaatar, "Contextual
// Position Encoding: Learning to Count What's Important", arXiv 2405.18719,
// §5.3, Tables 3, 4) and its official generator and data pipeline,
// facebookresearch/RAM `projects/cope/scripts/count_data_gen.py`,
// `src/data/tokenizer.py`, `src/data/data_collator.py`. See docs/tasks.md#counting.
//
// Generator (RAM's, statement by statement). Ops are drawn with weights
// set 1 / increment 7 / pass 50 (the split changes the pass weight):
//   set        `v = 0 ;`   v uniform over all variables (a variable may be reset)
//   increment  `v ++;`     v uniform over the variables already set; rejected
//                          and redrawn when none is set or v is at 10 (MAX_VAL)
//   pass       `pass;`
// then the query `print v`, v uniform over the variables set; a program that
// sets no variable is regenerated (RAM: up to 1,000 tries; we retry until one
// succeeds, which needs about 1 + pass weight tries at worst, at the shortest
// length). Variables are the first `variables` letters (`a`, `b`, ...).
// Tokens: RAM's whitespace tokenizer, so `v = 0 ;` is 4 tokens, `v ++;` 2,
// `pass;` 1, `print v` 2; no BOS.
//
// Layout. `length` = the model's sequence length T:
//   positions 0 .. T−3   the program, exactly T − 2 tokens
//   positions T−2, T−1   `print` `v`
//   The last position's target is the value of v (`0`..`10`), the answer RAM
//   appends after the query and trains on (`--train-on answer`: input =
//   seq[:-1]); it is the only target and it is scored.
// Why `length` counts tokens, not statements: a batch has one sequence length,
//   and statements have 1, 2 or 4 tokens. RAM draws 3..512 statements and cuts
//   the sequence to block_size = 512 tokens from the left, so the model sees at
//   most 512 tokens; we draw the program to fill exactly T − 2 tokens, and a
//   statement that does not fit in the tokens left is rejected and redrawn like
//   RAM's other rejections (so near the end only shorter statements fit).
//   min_length 6 (`a = 0 ; print a`).
// Splits. train: T uniform in {6..length} (RAM's sequences are spread up to 512
//   tokens); id: 8 lengths evenly up to `length`; ood_pass100 / ood_pass10:
//   the same lengths with pass weight 100 (longer gaps, "OOD longer") or 10
//   (more increments, "OOD shorter") as in the paper's Table 4; ood_length:
//   pass weight 50 at 4 lengths evenly above `length` up to `ood_length`.
// Options. variables (1; the paper uses 1, 3, 5), length (512 = RAM's
//   block_size), ood_length (1024).
// Segment boundaries (BiPE): `;`, `++;` and `pass;`, the tokens that end a
//   statement, so each statement is one segment (and the query the last).
// Attention: causal.
#include <algorithm>
#include <array>

#include <fmt/core.h>

#include "tasks/split_table.hpp"
#include "tasks/task.hpp"

namespace pebench {
namespace {

// Input ids: the fixed tokens first, then one id per variable.
enum CountingToken { kEquals = 0, kZero, kSemicolon, kIncrement, kPass, kPrint, kFirstVariable };
constexpr int kMaxValue = 10;  // RAM's MAX_VAL
constexpr int kUnset = -1;

// Statement kinds, in the order of their weights.
enum Statement { kSetStatement = 0, kIncrementStatement, kPassStatement };
constexpr double kSetWeight = 1, kIncrementWeight = 7, kPassWeight = 50;  // RAM's OP_WEIGHTS

enum class CountingLengths { all_up_to_length, grid_up_to_length, grid_beyond_length };

struct CountingSplit {
  const char* name;
  SplitKind kind;
  double pass_weight;
  CountingLengths lengths;
  const char* description;
};

constexpr std::array<CountingSplit, 5> kSplits = {{
    {"train", SplitKind::train, kPassWeight, CountingLengths::all_up_to_length,
     "weights set 1 / increment 7 / pass 50, lengths 6..length"},
    {"id", SplitKind::id, kPassWeight, CountingLengths::grid_up_to_length, "pass weight 50, in distribution"},
    {"ood_pass100", SplitKind::ood, 100, CountingLengths::grid_up_to_length,
     "pass weight 100: longer gaps between relevant statements"},
    {"ood_pass10", SplitKind::ood, 10, CountingLengths::grid_up_to_length,
     "pass weight 10: shorter gaps, more increments"},
    {"ood_length", SplitKind::ood, kPassWeight, CountingLengths::grid_beyond_length,
     "pass weight 50, longer programs (up to ood_length tokens)"},
}};

// Variables' values while a program is drawn.
struct ProgramState {
  explicit ProgramState(int variables) : values(variables, kUnset) {}
  std::vector<int> values;   // [variables] current value, kUnset before the first set
  std::vector<int> defined;  // variables set at least once, in order of first set
};

// `count` lengths evenly spaced in (from, to], rounded down, at least `floor`, without repeats.
std::vector<int> even_lengths(int from, int to, int count, int floor) {
  std::vector<int> lengths;
  for (int k = 1; k <= count; ++k) {
    const int length = std::max(floor, from + static_cast<int>(int64_t{to - from} * k / count));
    if (lengths.empty() || lengths.back() != length) lengths.push_back(length);
  }
  return lengths;
}

class Counting final : public Task {
 public:
  std::string family() const override { return "memory"; }
  Attention attention() const override { return Attention::causal; }
  std::vector<std::string> segment_boundaries() const override { return {";", "++;", "pass;"}; }
  int sequence_length(int length) const override { return length; }
  int min_length() const override { return 6; }

  std::vector<std::string> input_vocab() const override {
    std::vector<std::string> vocab = {"=", "0", ";", "++;", "pass;", "print"};
    for (int variable = 0; variable < variables_; ++variable) vocab.push_back(std::string(1, char('a' + variable)));
    return vocab;
  }
  std::vector<std::string> output_vocab() const override {
    std::vector<std::string> vocab;
    for (int value = 0; value <= kMaxValue; ++value) vocab.push_back(std::to_string(value));
    return vocab;
  }

  std::vector<Split> splits() const override {
    std::vector<Split> out;
    for (const auto& split : kSplits) out.push_back({split.name, split.kind, split_lengths(split), split.description});
    return out;
  }

  void configure(const json& options) override {
    OptionsReader reader = options_reader(options);
    const int variables = reader.integer("variables", variables_, 1, 26);
    const int length = reader.integer("length", length_, min_length(), max_length());
    const int ood_length = reader.integer("ood_length", ood_length_, min_length(), max_length());
    reader.finish();
    if (ood_length <= length)
      reader.fail("ood_length", fmt::format("must be larger than length ({}), got {}", length, ood_length));
    variables_ = variables;
    length_ = length;
    ood_length_ = ood_length;
  }
  json options() const override {
    return {{"variables", variables_}, {"length", length_}, {"ood_length", ood_length_}};
  }

  Example sample(const std::string& split, int length, Rng& rng) const override {
    const auto& row = find_split_row(*this, kSplits, split);
    check_length(length);
    const std::vector<double> weights = {kSetWeight, kIncrementWeight, row.pass_weight};  // indexed by Statement
    Example example;
    while (!try_sample_program(weights, length, rng, example)) {
      // RAM regenerates a program that sets no variable (see the header).
    }
    return example;
  }

 private:
  std::vector<int> split_lengths(const CountingSplit& split) const {
    switch (split.lengths) {
      case CountingLengths::all_up_to_length: {
        std::vector<int> lengths;
        for (int length = min_length(); length <= length_; ++length) lengths.push_back(length);
        return lengths;
      }
      case CountingLengths::grid_up_to_length: return even_lengths(0, length_, 8, min_length());
      case CountingLengths::grid_beyond_length: return even_lengths(length_, ood_length_, 4, min_length());
    }
    return {};
  }

  // A program of length − 2 tokens and its query; false when it sets no variable.
  bool try_sample_program(const std::vector<double>& weights, int length, Rng& rng, Example& example) const {
    const size_t program_tokens = static_cast<size_t>(length) - 2;
    ProgramState state(variables_);
    example.tokens.clear();
    example.tokens.reserve(length);
    while (example.tokens.size() < program_tokens)
      append_statement(weights, program_tokens - example.tokens.size(), state, example.tokens, rng);
    if (state.defined.empty()) return false;

    const int queried = state.defined[rng.below(state.defined.size())];
    example.tokens.push_back(kPrint);
    example.tokens.push_back(kFirstVariable + queried);
    example.targets.assign(length, Example::kNoTarget);
    example.scored.assign(length, 0);
    example.targets[length - 1] = state.values[queried];  // output id of value v is v
    example.scored[length - 1] = 1;
    return true;
  }

  // RAM's generate_statement: redraw until a statement is valid. It ends
  // because `pass;` (weight > 0) always fits and is always valid.
  void append_statement(const std::vector<double>& weights, size_t tokens_left, ProgramState& state,
                        std::vector<int>& tokens, Rng& rng) const {
    while (!try_append(static_cast<Statement>(rng.categorical(weights)), tokens_left, state, tokens, rng)) {
    }
  }

  bool try_append(Statement statement, size_t tokens_left, ProgramState& state, std::vector<int>& tokens,
                  Rng& rng) const {
    switch (statement) {
      case kSetStatement: {
        if (tokens_left < 4) return false;
        const int variable = static_cast<int>(rng.below(variables_));
        if (state.values[variable] == kUnset) state.defined.push_back(variable);
        state.values[variable] = 0;
        tokens.insert(tokens.end(), {kFirstVariable + variable, kEquals, kZero, kSemicolon});
        return true;
      }
      case kIncrementStatement: {
        if (tokens_left < 2 || state.defined.empty()) return false;
        const int variable = state.defined[rng.below(state.defined.size())];
        if (state.values[variable] + 1 > kMaxValue) return false;
        ++state.values[variable];
        tokens.insert(tokens.end(), {kFirstVariable + variable, kIncrement});
        return true;
      }
      case kPassStatement: tokens.push_back(kPass); return true;
    }
    return false;
  }

  int variables_ = 1;
  int length_ = 512;
  int ood_length_ = 1024;
};

}  // namespace

PEBENCH_TASK(Counting, "counting");

}  // namespace pebench
