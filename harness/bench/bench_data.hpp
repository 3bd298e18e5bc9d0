// Data-generation benchmark of the task generators: the time to sample a
// batch of 512 sequences at length 500 for every registered task, printed as
// a table. Called by `pebench bench --data`.
#pragma once
#include <nlohmann/json.hpp>

namespace pebench {

// One row per registered task (sorted by name): {task, split, length,
// sequence_length, sequences, seconds, sequences_per_s, tokens_per_s}. Each
// task samples `count` sequences with make_batch() from its first train split
// at `length`, clamped to the task's [min_length, max_length]; single thread,
// fixed seed.
nlohmann::json data_benchmark(int count, int length);

// data_benchmark(512, 500) as a table on stdout.
void run_data_benchmark();

}  // namespace pebench
