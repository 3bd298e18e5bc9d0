// What a cell will cost before it runs: its peak memory, counted in the
// engine's own terms (the buffers models/transformer.cpp allocates), and its
// floating-point work; the memory this machine offers; and a short measured
// probe of the engine's speed on a cell's model.
//
// `pebench run` refuses a grid whose largest cell cannot fit in memory before
// anything is written, and `pebench run --dry-run` prints every cell's
// estimates (harness/cli/cli_run.cpp).
#pragma once
#include <string>

#include "harness/config/grid.hpp"
#include "models/model_config.hpp"
#include "tasks/task.hpp"

namespace pebench {

struct CellCost {
  double parameters = 0;   // model + encoding parameters
  double train_bytes = 0;  // parameters, gradients, AdamW state and a training step's
                           // activations at the longest training length
  double eval_bytes = 0;   // evaluation's own buffers at the longest evaluation length
  double train_flops = 0;  // every training step (forward + backward ≈ 3 forwards)
  double eval_flops = 0;   // the final evaluation and those during training
  // Training buffers are never shrunk, so evaluation adds to them.
  double peak_bytes() const { return train_bytes + eval_bytes; }
};

// `task` is the cell's task (make_task(cell.task_name, cell.task_options)).
CellCost estimate_cell_cost(const Cell& cell, const Task& task);

// Useful floating-point operations of one forward pass (multiply-adds count
// two): projections, feed-forward, head, and attention over the key positions
// the mask allows.
double forward_flops(const ModelConfig& model, double batch, double seq_len, bool causal);

// Physical memory, or the cgroup's limit where that is smaller (bytes).
double machine_memory_bytes();

// Training FLOP/s of the cell's model and encoding on this machine: one
// timed step (after a warm-up step) of about 512 tokens at a training length
// of at most 64 positions, timed in CPU seconds per thread, so the figure is
// what the cell gets on an otherwise idle machine. Milliseconds for
// quick-sized models, a fraction of a second for the full suite's largest.
double measure_flops_per_second(const Cell& cell, const Task& task);

// "12.3 MiB", "4.0 GiB", ...
std::string format_bytes(double bytes);

}  // namespace pebench
