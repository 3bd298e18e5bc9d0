// Helpers for the CHE task tests: tasks by name, examples split into their
// input and output halves by token name, and an expression oracle.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tasks/che_task.hpp"

namespace pebench::testing {

using Strings = std::vector<std::string>;

// The registered CHE task `name` (fails the test if it is not a CheTask).
inline std::unique_ptr<CheTask> make_che_task(const std::string& name) {
  std::unique_ptr<Task> task = make_task(name);
  auto* che = dynamic_cast<CheTask*>(task.get());
  EXPECT_NE(che, nullptr) << name << " is not a CheTask";
  if (!che) return nullptr;
  task.release();
  return std::unique_ptr<CheTask>(che);
}

inline std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

inline std::string join_words(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& word : words) text += (text.empty() ? "" : " ") + word;
  return text;
}

inline std::vector<int> names_to_ids(const std::vector<std::string>& names,
                                     const std::vector<std::string>& vocab) {
  std::vector<int> ids;
  for (const auto& name : names) {
    const auto it = std::find(vocab.begin(), vocab.end(), name);
    EXPECT_NE(it, vocab.end()) << "'" << name << "' is not in the vocabulary";
    ids.push_back(static_cast<int>(it - vocab.begin()));
  }
  return ids;
}

inline std::vector<std::string> ids_to_names(const std::vector<int>& ids,
                                             const std::vector<std::string>& vocab) {
  std::vector<std::string> names;
  for (int id : ids) names.push_back(id >= 0 && id < static_cast<int>(vocab.size()) ? vocab[id] : "<bad id>");
  return names;
}

// The task's answer to a spelled-out input: "0 1 1 0 PUSH1 POP POP" -> "1 1 0 <end> 0 0 0 0".
inline std::string solve_text(const CheTask& task, const std::string& input) {
  const auto ids = names_to_ids(split_words(input), task.input_vocab());
  return join_words(ids_to_names(task.solve(ids), task.output_vocab()));
}

// One example seen by token name: the input symbols, the answer, and which
// answer positions are scored. Checks the placeholder layout on the way.
struct CheSample {
  std::vector<std::string> input;   // [n]
  std::vector<std::string> output;  // [m]
  std::vector<uint8_t> scored;      // [m]
};

inline CheSample read_sample(const CheTask& task, const Example& example, int length) {
  const size_t n = task.input_length(length), m = task.output_length(length);
  CheSample sample;
  EXPECT_EQ(example.tokens.size(), n + m);
  EXPECT_EQ(example.targets.size(), n + m);
  EXPECT_EQ(example.scored.size(), n + m);
  if (example.tokens.size() != n + m || example.targets.size() != n + m || example.scored.size() != n + m)
    return sample;
  const auto input_vocab = task.input_vocab();
  for (size_t i = 0; i < n; ++i) sample.input.push_back(input_vocab.at(example.tokens[i]));
  for (size_t i = n; i < n + m; ++i) {
    sample.output.push_back(task.output_vocab().at(example.targets[i]));
    sample.scored.push_back(example.scored[i]);
  }
  return sample;
}

// Draws `count` examples of the train split at `length` from a fixed seed.
inline std::vector<CheSample> draw(const CheTask& task, int length, int count, uint64_t seed = 7) {
  Rng rng(seed, "che-test");
  std::vector<CheSample> samples;
  for (int i = 0; i < count; ++i)
    samples.push_back(read_sample(task, task.sample("train", length, rng), length));
  return samples;
}

// Lengths every oracle test covers: the degenerate ones, the training range
// edge, the first test length, and the longest published test length.
inline const std::vector<int>& oracle_lengths() {
  static const std::vector<int> lengths = {1, 2, 3, 4, 5, 6, 7, 8, 13, 40, 41, 100, 500};
  return lengths;
}

// Samples per length: many for short strings, fewer for long ones (speed).
inline int oracle_count(int length) { return length <= 41 ? 300 : 40; }

// Expression oracle, by a different method than the task's recursive descent:
// shunting-yard to reverse Polish notation, then a value stack. Unary minus is
// a '-' at the start, after an operator or after '('. Values mod `modulus`.
inline int shunting_yard_mod(const std::vector<std::string>& symbols, int modulus) {
  auto precedence = [](char op) { return op == '~' ? 3 : op == '*' ? 2 : 1; };  // '~' = unary minus
  std::vector<char> operators;
  std::vector<std::string> rpn;
  bool expect_operand = true;
  auto pop_to_output = [&] {
    rpn.push_back(std::string(1, operators.back()));
    operators.pop_back();
  };
  for (const auto& symbol : symbols) {
    const char c = symbol[0];
    if (c >= '0' && c <= '9') {
      rpn.push_back(symbol);
      expect_operand = false;
    } else if (c == '(') {
      operators.push_back(c);
      expect_operand = true;
    } else if (c == ')') {
      while (!operators.empty() && operators.back() != '(') pop_to_output();
      EXPECT_FALSE(operators.empty()) << "unbalanced ')'";
      if (!operators.empty()) operators.pop_back();
      expect_operand = false;
    } else {
      const char op = (c == '-' && expect_operand) ? '~' : c;
      // Binary operators are left-associative; unary minus is right-associative.
      while (!operators.empty() && operators.back() != '(' && op != '~' &&
             precedence(operators.back()) >= precedence(op))
        pop_to_output();
      operators.push_back(op);
      expect_operand = true;
    }
  }
  while (!operators.empty()) pop_to_output();
  std::vector<int> values;
  for (const auto& item : rpn) {
    const char c = item[0];
    if (c >= '0' && c <= '9') {
      values.push_back((c - '0') % modulus);
      continue;
    }
    if (c == '~') {
      values.back() = (modulus - values.back()) % modulus;
      continue;
    }
    const int right = values.back();
    values.pop_back();
    int& left = values.back();
    left = c == '+'   ? (left + right) % modulus
           : c == '-' ? (left + modulus - right) % modulus
                      : (left * right) % modulus;
  }
  EXPECT_EQ(values.size(), 1u) << "malformed expression " << join_words(symbols);
  return values.empty() ? -1 : values.back();
}

}  // namespace pebench::testing
