#include "harness/bench/bench_data.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/core.h>

#include "harness/cli/task_listing.hpp"
#include "models/batch.hpp"
#include "tasks/task.hpp"

namespace pebench {

static nlohmann::json benchmark_task(const std::string& name, int count, int requested_length) {
  const auto task = make_task(name);
  const Split split = default_split(*task);
  const int length = std::clamp(requested_length, task->min_length(), task->max_length());
  Rng rng(0, "bench_data");
  const auto start = std::chrono::steady_clock::now();
  const Batch batch = make_batch(*task, split.name, length, count, rng);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double tokens = static_cast<double>(batch.tokens.size());
  // A clock too coarse to see the batch reports 0 s; rates are then left out (null).
  const auto rate = [seconds](double amount) { return seconds > 0 ? nlohmann::json(amount / seconds) : nullptr; };
  return {{"task", name},
          {"split", split.name},
          {"length", length},
          {"sequence_length", batch.seq_len},
          {"sequences", count},
          {"seconds", seconds},
          {"sequences_per_s", rate(count)},
          {"tokens_per_s", rate(tokens)}};
}

nlohmann::json data_benchmark(int count, int length) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& name : task_registry().names()) rows.push_back(benchmark_task(name, count, length));
  return rows;
}

void run_data_benchmark() {
  constexpr int kSequences = 512, kLength = 500;
  fmt::print("data generation: {} sequences per task, length {} (clamped to the task's range), 1 thread\n",
             kSequences, kLength);
  fmt::print("{:<28} {:>7} {:>8} {:>10} {:>12} {:>14}\n", "task", "length", "seq_len", "ms", "seq/s", "tokens/s");
  for (const auto& row : data_benchmark(kSequences, kLength)) {
    const double seconds = row["seconds"].get<double>();
    const double tokens_per_s = row["tokens_per_s"].is_null() ? 0.0 : row["tokens_per_s"].get<double>();
    const double sequences_per_s = row["sequences_per_s"].is_null() ? 0.0 : row["sequences_per_s"].get<double>();
    fmt::print("{:<28} {:>7} {:>8} {:>10.2f} {:>12.0f} {:>14.3g}\n", row["task"].get<std::string>(),
               row["length"].get<int>(), row["sequence_length"].get<int>(), seconds * 1e3, sequences_per_s,
               tokens_per_s);
  }
}

}  // namespace pebench
