// The memory tasks against independent oracles (the test re-derives every label
// from the tokens) and against the statistics their sources publish
// (docs/tasks.md#memory-tasks).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include "common/errors.hpp"
#include "tasks/task.hpp"
#include "tests/task_sampling.hpp"

using namespace pebench;
using pebench::testing::sample_many;

namespace {

std::vector<std::string> names_of(const Task& task, const std::vector<int>& ids) {
  const auto vocab = task.input_vocab();
  std::vector<std::string> names;
  for (int id : ids) names.push_back(vocab.at(id));
  return names;
}

std::vector<std::string> target_names(const Task& task, const Example& example) {
  const auto vocab = task.output_vocab();
  std::vector<std::string> names;
  for (int id : example.targets) names.push_back(id == Example::kNoTarget ? "" : vocab.at(id));
  return names;
}

// |observed − expected| within `sigmas` standard errors of a mean of n draws with variance `variance`.
void expect_mean_near(double observed, double expected, double variance, double n, double sigmas = 5.0) {
  EXPECT_NEAR(observed, expected, sigmas * std::sqrt(variance / n));
}

const Split& split_named(const std::vector<Split>& splits, const std::string& name) {
  for (const auto& split : splits)
    if (split.name == name) return split;
  throw std::runtime_error("no split " + name);
}

// ---------------------------------------------------------------- flip_flop

// Liu23 §3.1, re-derived: instructions at even positions, bits at odd ones;
// every `r` must be labelled with the bit of the most recent `w`.
void expect_flip_flop_semantics(const Task& task, const Example& example) {
  const auto tokens = names_of(task, example.tokens);
  const auto targets = target_names(task, example);
  const size_t length = tokens.size();
  ASSERT_EQ(tokens.front(), "w");
  ASSERT_EQ(tokens[(length - 1) / 2 * 2], "r") << "the last instruction is a read";
  std::string last_written;
  for (size_t t = 0; t < length; ++t) {
    const bool instruction_slot = t % 2 == 0;
    if (!instruction_slot) {
      ASSERT_TRUE(tokens[t] == "0" || tokens[t] == "1") << t;
      EXPECT_EQ(targets[t], "") << "bits carry no target, position " << t;
      if (tokens[t - 1] == "w") last_written = tokens[t];
      if (tokens[t - 1] == "r") {
        EXPECT_EQ(tokens[t], last_written) << "read bit at " << t;
      }
      continue;
    }
    ASSERT_TRUE(tokens[t] == "w" || tokens[t] == "r" || tokens[t] == "i") << t;
    const bool is_read = tokens[t] == "r";
    EXPECT_EQ(example.scored[t], is_read ? 1 : 0) << t;
    EXPECT_EQ(targets[t], is_read ? last_written : "") << "position " << t;
  }
}

TEST(FlipFlop, EveryReadIsLabelledWithTheLastWrittenBitInEverySplit) {
  const auto task = make_task("flip_flop");
  for (const auto& split : task->splits())
    for (const auto& example : sample_many(*task, split.name, split.lengths.front(), 50, 1)) {
      SCOPED_TRACE(split.name);
      expect_flip_flop_semantics(*task, example);
    }
}

TEST(FlipFlop, OddLengthEndsOnAnOpenReadQuery) {
  const auto task = make_task("flip_flop");
  for (const auto& example : sample_many(*task, "id", 41, 50, 2)) {
    EXPECT_EQ(task->input_vocab()[example.tokens.back()], "r");
    EXPECT_EQ(example.scored.back(), 1);
    expect_flip_flop_semantics(*task, example);
  }
}

TEST(FlipFlop, ShortestStringWritesThenReads) {
  const auto task = make_task("flip_flop");
  EXPECT_EQ(task->min_length(), 3);
  Rng rng(4);
  const auto example = task->sample("train", 3, rng);
  const auto tokens = names_of(*task, example.tokens);
  EXPECT_EQ(tokens[0], "w");
  EXPECT_EQ(tokens[2], "r");
  EXPECT_EQ(target_names(*task, example)[2], tokens[1]);
}

TEST(FlipFlop, VocabulariesUseTheDataCardIds) {
  const auto task = make_task("flip_flop");
  EXPECT_EQ(task->input_vocab(), (std::vector<std::string>{"w", "r", "i", "0", "1"}));
  EXPECT_EQ(task->output_vocab(), (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(task->attention(), Attention::causal);
}

// Liu23 App. B.2: reads per T = 512 sequence = 1 + 254·p_r (26.4, 3.54, 115.3);
// the 254 middle reads are Binomial(254, p_r), which sets the tolerance.
TEST(FlipFlop, ReadAndWriteCountsMatchLiuAppendixB2) {
  const auto task = make_task("flip_flop");
  const std::map<std::string, double> p_read = {{"id", 0.1}, {"ood_sparse", 0.01}, {"ood_dense", 0.45}};
  const int sequences = 1000;
  for (const auto& [split, p] : p_read) {
    double reads = 0, writes = 0;
    for (const auto& example : sample_many(*task, split, 512, sequences, 11))
      for (int token : example.tokens) {
        reads += token == task->input_id("r");
        writes += token == task->input_id("w");
      }
    SCOPED_TRACE(split);
    expect_mean_near(reads / sequences, 1 + 254 * p, 254 * p * (1 - p), sequences);
    expect_mean_near(writes / sequences, 1 + 254 * p, 254 * p * (1 - p), sequences);
  }
}

TEST(FlipFlop, BitsAfterWriteAndIgnoreAreUniform) {
  const auto task = make_task("flip_flop");
  double ones = 0, free_bits = 0;
  for (const auto& example : sample_many(*task, "id", 512, 200, 12))
    for (size_t t = 1; t < example.tokens.size(); t += 2)
      if (example.tokens[t - 1] != task->input_id("r")) {
        ones += example.tokens[t] == task->input_id("1");
        ++free_bits;
      }
  expect_mean_near(ones / free_bits, 0.5, 0.25, free_bits);
}

TEST(FlipFlop, OptionsSetTheSplitLengths) {
  const auto task = make_task("flip_flop", json{{"length", 64}, {"ood_length", 100}});
  const auto splits = task->splits();
  for (const char* name : {"train", "id", "ood_sparse", "ood_dense"})
    EXPECT_EQ(split_named(splits, name).lengths, std::vector<int>{64}) << name;
  EXPECT_EQ(split_named(splits, "ood_length").lengths, std::vector<int>{100});
  EXPECT_EQ(make_task("flip_flop")->options(), (json{{"length", 512}, {"ood_length", 1024}}));
}

TEST(FlipFlop, BadOptionsAreUsageErrors) {
  EXPECT_THROW(make_task("flip_flop", json{{"length", 2000}}), UsageError);  // above the default ood_length
  EXPECT_THROW(make_task("flip_flop", json{{"length", 64}, {"ood_length", 64}}), UsageError);
  EXPECT_THROW(make_task("flip_flop", json{{"length", 2}}), UsageError);
  EXPECT_THROW(make_task("flip_flop", json{{"length", 64.5}}), UsageError);
  EXPECT_THROW(make_task("flip_flop", json{{"length", "64"}}), UsageError);
}

// ----------------------------------------------------------- selective_copy

struct CopyParts {
  std::vector<std::string> inputs;  // x_1 .. x_{n+b}
  std::vector<std::string> copy;    // y_1 .. y_n
};

CopyParts split_at_separator(const Task& task, const Example& example) {
  const auto tokens = names_of(task, example.tokens);
  const auto separator = std::find(tokens.begin(), tokens.end(), "<sep>");
  if (separator == tokens.end()) throw std::runtime_error("no <sep>");
  return {{tokens.begin(), separator}, {separator + 1, tokens.end()}};
}

size_t count_data(const std::vector<std::string>& inputs) {
  return static_cast<size_t>(std::count_if(inputs.begin(), inputs.end(), [](const auto& s) { return s != "."; }));
}

TEST(SelectiveCopy, TheCopyIsTheNonBlankInputInOrderAndEachYIsPredictedOnePositionEarlier) {
  const auto task = make_task("selective_copy");
  for (const auto& split : task->splits())
    for (const auto& example : sample_many(*task, split.name, split.lengths.front(), 10, 3)) {
      SCOPED_TRACE(split.name);
      const auto parts = split_at_separator(*task, example);
      std::vector<std::string> kept;
      for (const auto& token : parts.inputs)
        if (token != ".") kept.push_back(token);
      ASSERT_EQ(kept, parts.copy);
      // <sep> at index n+b predicts y_1, y_k predicts y_{k+1}; y_n (the last position) predicts nothing.
      const auto targets = target_names(*task, example);
      const size_t separator = parts.inputs.size();
      for (size_t t = 0; t < targets.size(); ++t) {
        const bool predicts_a_copy = t >= separator && t + 1 < targets.size();
        EXPECT_EQ(targets[t], predicts_a_copy ? parts.copy[t - separator] : "") << t;
        EXPECT_EQ(example.scored[t], predicts_a_copy ? 1 : 0) << t;
      }
    }
}

// CoPE24 §5.2: 256 symbols to copy with 256 blanks (train/id), 128 (OOD dense), 512 (OOD sparse).
TEST(SelectiveCopy, SplitLengthsReproduceThePapersCopyAndBlankCounts) {
  const auto task = make_task("selective_copy");
  const std::map<std::string, std::pair<size_t, size_t>> copies_and_blanks = {
      {"train", {256, 256}}, {"id", {256, 256}}, {"ood_dense", {256, 128}},
      {"ood_sparse", {256, 512}}, {"ood_length", {512, 512}}};
  Rng rng(8);
  for (const auto& [split, expected] : copies_and_blanks) {
    const int length = split_named(task->splits(), split).lengths.at(0);
    const auto parts = split_at_separator(*task, task->sample(split, length, rng));
    EXPECT_EQ(parts.copy.size(), expected.first) << split;
    EXPECT_EQ(parts.inputs.size() - count_data(parts.inputs), expected.second) << split;
    EXPECT_EQ(length, static_cast<int>(2 * expected.first + expected.second + 1)) << split;
  }
}

// At any other length each split keeps its blank density: n = ⌊(T−1)·256/(512 + b_split)⌋.
TEST(SelectiveCopy, OtherLengthsKeepEachSplitsBlankDensity) {
  const auto task = make_task("selective_copy");
  const std::map<std::string, std::pair<size_t, size_t>> at_length_40 = {
      {"id", {13, 13}}, {"ood_dense", {15, 9}}, {"ood_sparse", {9, 21}}};
  Rng rng(9);
  for (const auto& [split, expected] : at_length_40) {
    const auto parts = split_at_separator(*task, task->sample(split, 40, rng));
    EXPECT_EQ(parts.copy.size(), expected.first) << split;
    EXPECT_EQ(parts.inputs.size() - count_data(parts.inputs), expected.second) << split;
  }
  EXPECT_EQ(task->min_length(), 5);  // n ≥ 1 in the sparsest split: 1 + (512 + 512)/256
}

TEST(SelectiveCopy, DataSlotsAndSymbolsAreUniform) {
  const auto task = make_task("selective_copy");
  // T = 41 in `id`: n = 13 of 27 slots, so each slot holds data with probability 13/27.
  const int sequences = 4000;
  double first_slot = 0, last_slot = 0;
  std::map<std::string, double> symbol_counts;
  double symbols = 0;
  for (const auto& example : sample_many(*task, "id", 41, sequences, 21)) {
    const auto parts = split_at_separator(*task, example);
    ASSERT_EQ(parts.copy.size(), 13u);
    first_slot += parts.inputs.front() != ".";
    last_slot += parts.inputs.back() != ".";
    for (const auto& symbol : parts.copy) {
      ++symbol_counts[symbol];
      ++symbols;
    }
  }
  const double p = 13.0 / 27.0;
  expect_mean_near(first_slot / sequences, p, p * (1 - p), sequences);
  expect_mean_near(last_slot / sequences, p, p * (1 - p), sequences);
  ASSERT_EQ(symbol_counts.size(), 16u);
  for (const auto& [symbol, count] : symbol_counts) expect_mean_near(count / symbols, 1 / 16.0, 15 / 256.0, symbols);
}

TEST(SelectiveCopy, OptionsScaleTheSplits) {
  const auto task = make_task("selective_copy", json{{"tokens", 8}, {"blanks", 8}, {"dense_blanks", 4},
                                                     {"sparse_blanks", 16}, {"ood_tokens", 16}});
  const auto splits = task->splits();
  EXPECT_EQ(split_named(splits, "id").lengths, std::vector<int>{25});
  EXPECT_EQ(split_named(splits, "ood_dense").lengths, std::vector<int>{21});
  EXPECT_EQ(split_named(splits, "ood_sparse").lengths, std::vector<int>{33});
  EXPECT_EQ(split_named(splits, "ood_length").lengths, std::vector<int>{49});
}

TEST(SelectiveCopy, BadOptionsAreUsageErrors) {
  EXPECT_THROW(make_task("selective_copy", json{{"tokens", 0}}), UsageError);
  EXPECT_THROW(make_task("selective_copy", json{{"blanks", -1}}), UsageError);
  EXPECT_THROW(make_task("selective_copy", json{{"ood_tokens", 256}}), UsageError);
  EXPECT_THROW(make_task("selective_copy", json{{"tokens", 20000}, {"blanks", 50000}, {"ood_tokens", 30000}}), UsageError);
}

// ----------------------------------------------------------------- counting

// An interpreter for the RAM counting language, independent of the generator:
// it parses the tokens statement by statement and checks the grammar.
struct CountingRun {
  int answer = -1;
  int largest_value = 0;
  int sets = 0, increments = 0, passes = 0;
};

CountingRun run_counting_program(const std::vector<std::string>& tokens) {
  CountingRun run;
  std::map<std::string, int> values;
  const auto is_variable = [](const std::string& s) { return s.size() == 1 && s[0] >= 'a' && s[0] <= 'z'; };
  size_t t = 0;
  const size_t query = tokens.size() - 2;
  while (t < query) {
    if (tokens[t] == "pass;") {
      ++run.passes;
      t += 1;
    } else if (is_variable(tokens[t]) && tokens[t + 1] == "++;") {
      if (!values.count(tokens[t])) throw std::runtime_error("increment of an unset variable");
      run.largest_value = std::max(run.largest_value, ++values[tokens[t]]);
      ++run.increments;
      t += 2;
    } else if (is_variable(tokens[t]) && t + 3 < query && tokens[t + 1] == "=" && tokens[t + 2] == "0" &&
               tokens[t + 3] == ";") {
      values[tokens[t]] = 0;
      ++run.sets;
      t += 4;
    } else {
      throw std::runtime_error("bad statement at token " + std::to_string(t));
    }
  }
  if (t != query || tokens[query] != "print") throw std::runtime_error("the program does not end on the query");
  run.answer = values.at(tokens[query + 1]);
  return run;
}

TEST(Counting, TheAnswerIsThePrintedVariablesValue) {
  for (int variables : {1, 3, 5}) {
    const auto task = make_task("counting", json{{"variables", variables}});
    for (const auto& split : task->splits())
      for (int length : {6, 7, 41, split.lengths.back()})
        for (const auto& example : sample_many(*task, split.name, length, 20, 31)) {
          SCOPED_TRACE(split.name + " at " + std::to_string(length));
          const auto tokens = names_of(*task, example.tokens);
          const auto run = run_counting_program(tokens);
          const auto targets = target_names(*task, example);
          EXPECT_EQ(targets.back(), std::to_string(run.answer));
          EXPECT_EQ(example.scored.back(), 1);
          for (size_t t = 0; t + 1 < targets.size(); ++t) EXPECT_EQ(targets[t], "") << t;
          EXPECT_EQ(std::count(example.scored.begin(), example.scored.end(), 1), 1);
        }
  }
}

TEST(Counting, ValuesReachButNeverExceedTen) {
  const auto task = make_task("counting");
  int largest = 0;
  for (const auto& example : sample_many(*task, "ood_pass10", 512, 200, 41))
    largest = std::max(largest, run_counting_program(names_of(*task, example.tokens)).largest_value);
  EXPECT_EQ(largest, 10);
}

// Set and pass are never rejected (except a set with under 4 tokens left), so
// their ratio is the weights' ratio 1 : w_pass: set share 1/(1 + w_pass).
TEST(Counting, SetToPassRatioFollowsEachSplitsPassWeight) {
  const auto task = make_task("counting");
  const std::map<std::string, double> pass_weight = {{"id", 50}, {"ood_pass100", 100}, {"ood_pass10", 10}};
  for (const auto& [split, weight] : pass_weight) {
    double sets = 0, passes = 0;
    for (const auto& example : sample_many(*task, split, 512, 200, 51)) {
      const auto run = run_counting_program(names_of(*task, example.tokens));
      sets += run.sets;
      passes += run.passes;
    }
    const double p = 1 / (1 + weight);
    SCOPED_TRACE(split);
    expect_mean_near(sets / (sets + passes), p, p * (1 - p), sets + passes);
  }
}

TEST(Counting, ShortestProgramSetsAndPrints) {
  const auto task = make_task("counting");
  EXPECT_EQ(task->min_length(), 6);
  Rng rng(3);
  const auto example = task->sample("id", 6, rng);
  EXPECT_EQ(names_of(*task, example.tokens), (std::vector<std::string>{"a", "=", "0", ";", "print", "a"}));
  EXPECT_EQ(target_names(*task, example).back(), "0");
}

TEST(Counting, VariablesOptionSetsTheVariableTokens) {
  const auto task = make_task("counting", json{{"variables", 3}});
  EXPECT_EQ(task->input_vocab(),
            (std::vector<std::string>{"=", "0", ";", "++;", "pass;", "print", "a", "b", "c"}));
  std::set<std::string> queried;
  for (const auto& example : sample_many(*task, "id", 512, 100, 61))
    queried.insert(task->input_vocab()[example.tokens.back()]);
  EXPECT_EQ(queried, (std::set<std::string>{"a", "b", "c"}));
}

TEST(Counting, SplitLengthsFollowTheLengthOptions) {
  const auto task = make_task("counting");
  const auto splits = task->splits();
  const auto& train = split_named(splits, "train").lengths;
  EXPECT_EQ(train.front(), 6);
  EXPECT_EQ(train.back(), 512);
  EXPECT_EQ(train.size(), 507u);
  EXPECT_EQ(split_named(splits, "id").lengths, (std::vector<int>{64, 128, 192, 256, 320, 384, 448, 512}));
  EXPECT_EQ(split_named(splits, "ood_pass100").lengths, split_named(splits, "id").lengths);
  EXPECT_EQ(split_named(splits, "ood_length").lengths, (std::vector<int>{640, 768, 896, 1024}));
  const auto small = make_task("counting", json{{"length", 32}, {"ood_length", 64}});
  EXPECT_EQ(split_named(small->splits(), "id").lengths, (std::vector<int>{6, 8, 12, 16, 20, 24, 28, 32}));
}

TEST(Counting, BadOptionsAreUsageErrors) {
  EXPECT_THROW(make_task("counting", json{{"variables", 0}}), UsageError);
  EXPECT_THROW(make_task("counting", json{{"variables", 27}}), UsageError);
  EXPECT_THROW(make_task("counting", json{{"length", 5}}), UsageError);
  EXPECT_THROW(make_task("counting", json{{"length", 64}, {"ood_length", 32}}), UsageError);
}

TEST(MemoryTasks, SegmentBoundariesEndStatementsPairsAndTheInput) {
  EXPECT_EQ(make_task("flip_flop")->segment_boundaries(), (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(make_task("selective_copy")->segment_boundaries(), std::vector<std::string>{"<sep>"});
  EXPECT_EQ(make_task("counting")->segment_boundaries(), (std::vector<std::string>{";", "++;", "pass;"}));
}

}  // namespace
