#include "harness/run/cell_cost.hpp"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>

#include <fmt/core.h>
#include <omp.h>

#include "common/rng.hpp"
#include "models/encoding.hpp"
#include "models/optimizer.hpp"
#include "models/params.hpp"
#include "models/transformer.hpp"
#include "models/batch.hpp"

namespace pebench {

namespace {

constexpr double kFloat = sizeof(float);
constexpr double kEvalActivationBudget = 256.0 * (1 << 20);  // Transformer's default evaluate() budget
constexpr double kTargetBlockRows = 256;                      // Transformer's GEMM block rows

// Parameters the transformer declares (models/transformer.cpp) plus the encoding's own.
double count_parameters(const Cell& cell) {
  const ModelConfig& m = cell.settings.model;
  const double D = m.d_model, F = m.d_ff, V = m.output_vocab;
  const double per_layer = 4 * D * D + 2 * D * F + F + D + 4 * D;
  double encoding_parameters = 0;
  try {
    ParamLayout layout;
    make_encoding<float>(cell.encoding_name, cell.encoding_params)->declare_parameters(layout, m);
    encoding_parameters = static_cast<double>(layout.total_size());
  } catch (const std::exception&) {
    // The grid checked the encoding already; an estimate without it is still useful.
  }
  const double final_norm = m.norm == NormPlacement::pre ? 2 * D : 0;  // pre-norm ends with a LayerNorm
  return m.input_vocab * D + m.n_layers * per_layer + final_norm + V * D + V + encoding_parameters;
}

// Floats a training step keeps per token at sequence length T: every layer's
// activations (BlockActivations, with an encoding's own [h,T,T] and dropout
// masks), the forward scratch, the gradient scratch, and the whole-batch
// buffers (embeddings, logits, losses, ids).
double training_floats_per_token(const ModelConfig& m, double T) {
  const double D = m.d_model, F = m.d_ff, h = m.n_heads, V = m.output_vocab;
  const double per_layer = 9 * D + F + 4 + 2 * h * T;
  const double forward_scratch = 6 * D + F + h * T;
  const double gradient_scratch = 15 * D + 2 * F + h * T + V;
  const double whole_batch = 2 * D + 2 * V + 6;
  return m.n_layers * per_layer + forward_scratch + gradient_scratch + whole_batch;
}

// evaluate()'s activation bytes at sequence length T for `count` sequences:
// the engine picks a sub-batch that keeps about kEvalActivationBudget, but
// never less than one GEMM block of sequences (Transformer::eval_sub_batch).
double evaluation_bytes(const ModelConfig& m, double T, double count) {
  const double D = m.d_model, F = m.d_ff, h = m.n_heads, V = m.output_vocab;
  const double block = T * (8 * D + F + 4) + h * T * T;
  const double shared = T * (6 * D + F) + h * T * T;
  const double per_sequence = kFloat * (2 * block + shared + T * (2 * D + V + 2));
  const double group = std::max(1.0, std::floor(kTargetBlockRows / T));
  const double groups = std::max(1.0, std::floor(std::floor(kEvalActivationBudget / per_sequence) / group));
  const double sub_batch = std::min(count, groups * group);
  const double whole_batch = count * T * (kFloat * (V + 2) + 2 * sizeof(int) + 2);  // logits, losses, ids
  return sub_batch * per_sequence + whole_batch;
}

// Batch buffers of the data: tokens, targets (int), scored, boundary (bytes); twice (examples, then the batch).
double batch_bytes(double batch, double T) { return 2 * batch * T * (2 * sizeof(int) + 2); }

double process_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return now.tv_sec + 1e-9 * now.tv_nsec;
}

double read_number_file(const char* path) {
  std::ifstream in(path);
  double value = 0;
  if (in >> value) return value;
  return 0;  // absent, or "max"
}

}  // namespace

double forward_flops(const ModelConfig& m, double batch, double seq_len, bool causal) {
  const double tokens = batch * seq_len, D = m.d_model, F = m.d_ff;
  const double keys_per_query = causal ? (seq_len + 1) / 2.0 : seq_len;
  const double per_token_layer = 2 * (4 * D * D + 2 * D * F) + 2 * 2 * keys_per_query * D;
  return tokens * (m.n_layers * per_token_layer + 2 * D * m.output_vocab);
}

CellCost estimate_cell_cost(const Cell& cell, const Task& task) {
  const ModelConfig& m = cell.settings.model;
  const bool causal = task.attention() == Attention::causal;
  const double B = cell.settings.train.batch_size;
  CellCost cost;
  cost.parameters = count_parameters(cell);
  // params, gradients, AdamW first and second moments
  const double state_bytes = 4 * kFloat * cost.parameters;
  double longest_train = 1, train_forward = 0;
  for (int length : cell.train_lengths) {
    const double T = task.sequence_length(length);
    longest_train = std::max(longest_train, T);
    train_forward += forward_flops(m, B, T, causal);
  }
  cost.train_bytes = state_bytes + kFloat * B * longest_train * training_floats_per_token(m, longest_train) +
                     batch_bytes(B, longest_train);
  // Each step draws one training length uniformly.
  cost.train_flops = cell.settings.train.steps * 3 * train_forward / std::max<size_t>(1, cell.train_lengths.size());

  const EvalConfig& eval = cell.settings.eval;
  const double count = std::min(eval.sub_batch, eval.sequences);
  double final_eval = 0;
  for (const auto& split : cell.eval_splits)
    for (int length : split.lengths) {
      const double T = task.sequence_length(length);
      cost.eval_bytes = std::max(cost.eval_bytes, evaluation_bytes(m, T, count) + batch_bytes(count, T));
      final_eval += forward_flops(m, eval.sequences, T, causal);
    }
  const int every = cell.settings.train.eval_every;
  const double evaluations = 1 + (every > 0 ? (cell.settings.train.steps - 1) / every : 0);
  cost.eval_flops = evaluations * final_eval;
  return cost;
}

double machine_memory_bytes() {
  double bytes = static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<double>(::sysconf(_SC_PAGE_SIZE));
  for (const char* limit : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    const double value = read_number_file(limit);
    if (value > 0 && value < bytes) bytes = value;
  }
  return bytes;
}

double measure_flops_per_second(const Cell& cell, const Task& task) {
  constexpr int kProbeTokens = 512, kProbeLength = 64;
  const bool causal = task.attention() == Attention::causal;
  // The longest training length of at most kProbeLength positions (else the
  // shortest): FLOPs carry the estimate to the other lengths.
  int length = *std::min_element(cell.train_lengths.begin(), cell.train_lengths.end());
  for (int candidate : cell.train_lengths)
    if (task.sequence_length(candidate) <= kProbeLength) length = std::max(length, candidate);
  const int T = task.sequence_length(length);
  const int batch = std::max(1, std::min(cell.settings.train.batch_size, kProbeTokens / std::max(1, T)));
  std::unique_ptr<Encoding<float>> encoding;
  try {
    encoding = make_encoding<float>(cell.encoding_name, cell.encoding_params);
  } catch (const std::exception&) {
    encoding = make_encoding<float>("nope");
  }
  Transformer<float> model(cell.settings.model, std::move(encoding), 1);
  AdamW<float> optimizer(cell.settings.train.optimizer, model.layout());
  Rng rng(1, "dry-run");
  const Batch data = make_batch(task, cell.train_split, length, batch, rng);
  auto step = [&](int k) {
    model.train_step(data, k, k);
    model.apply_update(optimizer);
  };
  step(0);  // warm-up: buffers are allocated on the first step
  // CPU time over the threads, not wall time: on a busy machine wall time
  // would measure the other jobs, and the estimate is for this run alone.
  const double start = process_cpu_seconds();
  step(1);
  const double seconds = (process_cpu_seconds() - start) / std::max(1, omp_get_max_threads());
  return 3 * forward_flops(cell.settings.model, batch, T, causal) / std::max(seconds, 1e-9);
}

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 6) {
    bytes /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.1f} {}", bytes, units[unit]);
}

}  // namespace pebench
