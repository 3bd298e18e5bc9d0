// Batch: B examples of one task length, flattened row-major, as the model eats
// them. Built from a Task by make_batch(); the model never sees a Task.
#pragma once
#include <cstdint>
#include <vector>

#include "tasks/task.hpp"

namespace pebench {

struct Batch {
  int batch_size = 0;             // B
  int seq_len = 0;                // T (model sequence length)
  bool causal = false;            // attention mode of the task
  std::vector<int> tokens;        // [B,T] input ids
  std::vector<int> targets;       // [B,T] output ids or Example::kNoTarget
  std::vector<uint8_t> scored;    // [B,T] 1 where accuracy counts
  std::vector<uint8_t> boundary;  // [B,T] 1 where the token ends a segment (BiPE); all 0 if none
};

// Samples `batch_size` examples of `split` at `length` from `rng`, in order.
Batch make_batch(const Task& task, const std::string& split, int length, int batch_size,
                 Rng& rng);

// Ids of the task's segment-boundary tokens in its input vocabulary.
std::vector<int> boundary_ids(const Task& task);

}  // namespace pebench
