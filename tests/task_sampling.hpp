// Test helpers shared by the task suites: draw many examples and compare them.
#pragma once
#include <string>
#include <vector>

#include "common/rng.hpp"
#include "tasks/task.hpp"

namespace pebench::testing {

// `count` examples of `split` at `length`, drawn in order from Rng(seed).
inline std::vector<Example> sample_many(const Task& task, const std::string& split, int length, int count,
                                        uint64_t seed) {
  Rng rng(seed);
  std::vector<Example> examples;
  for (int i = 0; i < count; ++i) examples.push_back(task.sample(split, length, rng));
  return examples;
}

inline bool same_example(const Example& a, const Example& b) {
  return a.tokens == b.tokens && a.targets == b.targets && a.scored == b.scored;
}

}  // namespace pebench::testing
