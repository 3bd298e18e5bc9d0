// Batch: B examples of one task length, flattened row-major, as the model eats
// them. Tasks fill it (make_batch() in tasks/task.hpp); the model reads only
// this, never a Task.
#pragma once
#include <cstdint>
#include <vector>

namespace pebench {

struct Batch {
  static constexpr int kNoTarget = -1;  // a target where there is no loss

  int batch_size = 0;             // B
  int seq_len = 0;                // T (model sequence length)
  bool causal = false;            // attention mode of the task
  std::vector<int> tokens;        // [B,T] input ids
  std::vector<int> targets;       // [B,T] output ids or kNoTarget
  std::vector<uint8_t> scored;    // [B,T] 1 where accuracy counts
  std::vector<uint8_t> boundary;  // [B,T] 1 where the token ends a segment (BiPE); all 0 if none
};

}  // namespace pebench
