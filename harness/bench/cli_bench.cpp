// `pebench bench`: throughput of the training engine on two reference shapes.
//
//   pebench bench [--encoding NAME[,NAME...]] [--shape che|flipflop|quick|all] [--steps N]
//                 [--rounds N] [--threads N] [--data]
//
// Shapes (random data of the right vocabulary; the numbers do not depend on it):
//   che       5 layers, d_model 64, 8 heads, d_ff 256, post-norm, ReLU, dropout 0.1,
//             batch 128 × (40 input + 40 placeholder tokens), bidirectional
//             (the CHE reference model, docs/tasks.md#the-reference-model);
//   flipflop  4 layers, d_model 256, 4 heads, d_ff 1024, pre-norm, GELU, no dropout,
//             batch 16 × 512 tokens, causal (Liu et al.'s flip-flop setting);
//   quick     2 layers, d_model 32, 4 heads, d_ff 64, pre-norm, ReLU, no dropout,
//             batch 32 × (40 + 40), bidirectional (a CHE cell of the default
//             `quick` suite: small enough that per-step overhead shows).
// For each: training tokens/s (forward + backward + AdamW step) and achieved
// GFLOP/s, evaluation tokens/s at the training length, and evaluation at
// length 1000 with the peak resident memory (RSS) of that evaluation.
// With --encoding, each listed encoding's training tokens/s is shown next to
// nope's; with --rounds N, nope and the encodings are measured in N
// alternating rounds and each ratio is the median over the rounds, with its
// range. Timings are the median over --steps steps after one warm-up step;
// "cpu share" is the CPU time the process got over wall time × threads (on a
// shared machine, well below 100% means the timings are inflated by others;
// with several threads it also drops while threads wait), and "tokens per
// CPU-second" divides by the CPU time actually used, which other processes
// barely affect.
// `--data` runs the task generators' benchmark (harness/bench/bench_data.hpp).
// bench/torch_reference.py measures the same shapes in PyTorch eager.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <omp.h>

#include "common/errors.hpp"
#include "harness/bench/bench_data.hpp"
#include "harness/cli/cli.hpp"
#include "harness/config/selection.hpp"
#include "models/optimizer.hpp"
#include "models/transformer.hpp"

namespace pebench {

namespace {

struct BenchShape {
  std::string name;
  std::string description;
  ModelConfig model;
  int batch = 0;
  int seq_len = 0;
  bool causal = false;
};

BenchShape che_shape() {
  BenchShape shape;
  shape.name = "che";
  shape.description = "5 layers, d_model 64, 8 heads, d_ff 256, post-norm, batch 128 x (40 + 40), bidirectional";
  shape.model.input_vocab = 4;  // three symbols and the placeholder
  shape.model.output_vocab = 3;
  shape.model.d_model = 64;
  shape.model.n_layers = 5;
  shape.model.n_heads = 8;
  shape.model.d_ff = 256;
  shape.model.norm = NormPlacement::post;
  shape.model.activation = Activation::relu;
  shape.model.dropout = 0.1;
  shape.batch = 128;
  shape.seq_len = 80;
  shape.causal = false;
  return shape;
}

BenchShape flipflop_shape() {
  BenchShape shape;
  shape.name = "flipflop";
  shape.description = "4 layers, d_model 256, 4 heads, d_ff 1024, pre-norm, batch 16 x 512, causal";
  shape.model.input_vocab = 5;  // w r i 0 1
  shape.model.output_vocab = 2;
  shape.model.d_model = 256;
  shape.model.n_layers = 4;
  shape.model.n_heads = 4;
  shape.model.d_ff = 1024;
  shape.model.norm = NormPlacement::pre;
  shape.model.activation = Activation::gelu;
  shape.model.dropout = 0.0;
  shape.batch = 16;
  shape.seq_len = 512;
  shape.causal = true;
  return shape;
}

BenchShape quick_shape() {
  BenchShape shape;
  shape.name = "quick";
  shape.description = "2 layers, d_model 32, 4 heads, d_ff 64, pre-norm, batch 32 x (40 + 40), bidirectional";
  shape.model.input_vocab = 4;
  shape.model.output_vocab = 3;
  shape.model.d_model = 32;
  shape.model.n_layers = 2;
  shape.model.n_heads = 4;
  shape.model.d_ff = 64;
  shape.model.norm = NormPlacement::pre;
  shape.model.activation = Activation::relu;
  shape.model.dropout = 0.0;
  shape.batch = 32;
  shape.seq_len = 80;
  shape.causal = false;
  return shape;
}

// Random tokens; every position targeted and scored.
Batch random_batch(const BenchShape& shape, int batch_size, int seq_len, uint64_t seed) {
  Rng rng(seed, "bench");
  Batch batch;
  batch.batch_size = batch_size;
  batch.seq_len = seq_len;
  batch.causal = shape.causal;
  const size_t n = static_cast<size_t>(batch_size) * seq_len;
  for (size_t i = 0; i < n; ++i) {
    batch.tokens.push_back(static_cast<int>(rng.below(shape.model.input_vocab)));
    batch.targets.push_back(static_cast<int>(rng.below(shape.model.output_vocab)));
  }
  batch.scored.assign(n, 1);
  batch.boundary.assign(n, 0);
  return batch;
}

// Useful floating-point operations of one forward pass (multiply-adds count
// two): projections, feed-forward, head, and the attention products over the
// key positions the mask allows (half of them, plus the diagonal, when causal).
double forward_flops(const ModelConfig& m, int batch, int seq_len, bool causal) {
  const double tokens = static_cast<double>(batch) * seq_len, D = m.d_model, F = m.d_ff;
  const double keys_per_query = causal ? (seq_len + 1) / 2.0 : seq_len;
  const double per_token_layer = 2 * (4 * D * D + 2 * D * F) + 2 * 2 * keys_per_query * D;
  return tokens * (m.n_layers * per_token_layer + 2 * D * m.output_vocab);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

double process_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return now.tv_sec + 1e-9 * now.tv_nsec;
}

// Times `step` (after one untimed warm-up call): the median wall time, and
// the CPU time the process got as a share of wall time × threads, which
// shows how busy the machine was (a shared machine gives well under 100%).
struct Timing {
  double median_seconds = 0;
  double cpu_share = 0;
  double cpu_seconds = 0;  // process CPU time per step (all threads)
};
template <typename Step>
Timing time_steps(int repeats, Step step) {
  step(0);
  std::vector<double> times;
  const double cpu_start = process_cpu_seconds();
  const auto wall_start = std::chrono::steady_clock::now();
  for (int r = 1; r <= repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    step(r);
    times.push_back(seconds_since(start));
  }
  const double cpu = process_cpu_seconds() - cpu_start, wall = seconds_since(wall_start);
  return {median(times), cpu / (wall * omp_get_max_threads()), cpu / repeats};
}

// Peak resident memory since the last reset_peak_memory(), in MiB (Linux).
bool reset_peak_memory() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  return static_cast<bool>(clear);
}
double peak_memory_mib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      double kib = 0;
      status >> kib;
      return kib / 1024.0;
    }
  }
  return 0.0;
}

struct Throughput {
  double tokens_per_s = 0;
  double gflops = 0;
  double cpu_share = 0;
  double tokens_per_cpu_s = 0;  // robust to other processes on a shared machine
};

Throughput measure_training(const BenchShape& shape, const std::string& encoding, int steps) {
  Transformer<float> model(shape.model, make_encoding<float>(encoding), 1);
  OptimizerConfig optimizer_config;
  optimizer_config.lr = 1e-4;
  AdamW<float> optimizer(optimizer_config, model.layout());
  const Batch batch = random_batch(shape, shape.batch, shape.seq_len, 1);
  const Timing timing = time_steps(steps, [&](int step) {
    model.train_step(batch, step, step);
    model.apply_update(optimizer);
  });
  const double seconds = timing.median_seconds;
  return {shape.batch * shape.seq_len / seconds,
          3 * forward_flops(shape.model, shape.batch, shape.seq_len, shape.causal) / seconds * 1e-9, timing.cpu_share,
          shape.batch * shape.seq_len / timing.cpu_seconds};
}

struct EvalMeasurement {
  Throughput throughput;
  double peak_mib = 0;
  int sub_batch = 0;
};

EvalMeasurement measure_evaluation(const BenchShape& shape, const std::string& encoding, int batch_size,
                                   int seq_len, int repeats) {
  ModelConfig config = shape.model;
  config.max_seq_len = std::max(config.max_seq_len, seq_len);
  const Batch batch = random_batch(shape, batch_size, seq_len, 2);
  EvalMeasurement result;
  reset_peak_memory();
  Transformer<float> model(config, make_encoding<float>(encoding), 1);
  const Timing timing = time_steps(repeats, [&](int) { model.evaluate(batch, 0); });
  const double seconds = timing.median_seconds;
  result.throughput = {batch_size * seq_len / seconds,
                       forward_flops(config, batch_size, seq_len, shape.causal) / seconds * 1e-9, timing.cpu_share,
                       batch_size * seq_len / timing.cpu_seconds};
  result.peak_mib = peak_memory_mib();
  result.sub_batch = model.eval_sub_batch_size(seq_len);
  return result;
}

// Each encoding's training tokens/s against nope's, in `rounds` rounds: a
// round measures nope (the first reuses `first_nope`) and then every
// encoding, and a ratio divides by its own round's nope. On a machine whose
// speed drifts over minutes, one round's ratio can be off by a tenth; the
// median over rounds, with its range, is what to quote.
void compare_encodings(const BenchShape& shape, const std::vector<std::string>& encodings, int steps, int rounds,
                       const Throughput& first_nope) {
  std::vector<std::string> others;
  for (const auto& encoding : encodings)
    if (encoding != "nope") others.push_back(encoding);
  std::vector<double> nope_speeds;
  std::vector<std::vector<double>> speeds(others.size()), ratios(others.size());
  for (int round = 0; round < rounds; ++round) {
    const double nope = round == 0 ? first_nope.tokens_per_s : measure_training(shape, "nope", steps).tokens_per_s;
    nope_speeds.push_back(nope);
    for (size_t e = 0; e < others.size(); ++e) {
      speeds[e].push_back(measure_training(shape, others[e], steps).tokens_per_s);
      ratios[e].push_back(speeds[e].back() / nope);
    }
  }
  const bool ranges = rounds > 1;
  fmt::print("  {:<16} {:>14} {:>10}{}\n", "encoding", "train tok/s", "vs nope",
             ranges ? fmt::format("   (min-max over {} rounds)", rounds) : "");
  fmt::print("  {:<16} {:>14.0f} {:>10.2f}\n", "nope", median(nope_speeds), 1.0);
  for (size_t e = 0; e < others.size(); ++e) {
    const auto [low, high] = std::minmax_element(ratios[e].begin(), ratios[e].end());
    fmt::print("  {:<16} {:>14.0f} {:>10.2f}{}\n", others[e], median(speeds[e]), median(ratios[e]),
               ranges ? fmt::format("   ({:.2f}-{:.2f})", *low, *high) : "");
  }
}

void bench_shape(const BenchShape& shape, const std::vector<std::string>& encodings, int steps, int rounds) {
  constexpr int kLongLength = 1000, kLongBatch = 16;
  fmt::print("\n{}: {}\n", shape.name, shape.description);
  const Throughput nope = measure_training(shape, "nope", steps);
  fmt::print("  train  nope       {:>10.0f} tokens/s  {:>7.1f} GFLOP/s   ({:.0f} tokens per CPU-second, cpu share {:.0f}%)\n",
             nope.tokens_per_s, nope.gflops, nope.tokens_per_cpu_s, 100 * nope.cpu_share);
  const EvalMeasurement eval = measure_evaluation(shape, "nope", shape.batch, shape.seq_len, steps);
  fmt::print("  eval   nope       {:>10.0f} tokens/s  {:>7.1f} GFLOP/s   ({:.0f} tokens per CPU-second, cpu share {:.0f}%, "
             "length {})\n",
             eval.throughput.tokens_per_s, eval.throughput.gflops, eval.throughput.tokens_per_cpu_s,
             100 * eval.throughput.cpu_share, shape.seq_len);
  const EvalMeasurement long_eval = measure_evaluation(shape, "nope", kLongBatch, kLongLength, 1);
  fmt::print("  eval   nope       {:>10.0f} tokens/s  {:>7.1f} GFLOP/s   (length {}, {} sequences, sub-batch {}, "
             "peak RSS {:.0f} MiB)\n",
             long_eval.throughput.tokens_per_s, long_eval.throughput.gflops, kLongLength, kLongBatch,
             long_eval.sub_batch, long_eval.peak_mib);
  if (!encodings.empty()) compare_encodings(shape, encodings, steps, rounds, nope);
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Measure training and evaluation throughput of the engine");
  struct Options {
    std::string encodings;
    std::string shape = "all";
    int steps = 5;
    int threads = 0;
    int rounds = 1;
    std::string precision = "fp32";
    bool data = false;
  };
  auto options = std::make_shared<Options>();
  cmd->add_option("--encoding", options->encodings, "Encodings to compare with nope (comma list)");
  cmd->add_option("--shape", options->shape, "Model shape: che, flipflop, quick or all")
      ->check(CLI::IsMember({"che", "flipflop", "quick", "all"}));
  cmd->add_option("--steps", options->steps, "Timed steps per measurement (median reported)");
  cmd->add_option("--rounds", options->rounds,
                  "With --encoding: rounds of nope and the encodings, alternated (median ratio and range)");
  auto* threads = cmd->add_option("--threads", options->threads,
                                  "OpenMP threads (default: OMP_NUM_THREADS or all cores)");
  cmd->add_option("--precision", options->precision,
                  "Inputs of the linear layers' products: fp32 or bf16 (model.precision)")
      ->check(CLI::IsMember({"fp32", "bf16"}));
  cmd->add_flag("--data", options->data, "Benchmark the task generators instead");
  reject_empty_values(*cmd);
  cmd->callback([options, threads] {
    check_range("--steps", options->steps, 1, 100000);
    check_range("--rounds", options->rounds, 1, 100);
    if (threads->count() > 0) check_range("--threads", options->threads, 1, 1024);
    const std::vector<std::string> encodings =
        options->encodings.empty() ? std::vector<std::string>{} : parse_name_list(options->encodings, "--encoding");
    for (const auto& name : encodings) make_encoding<float>(name);  // UsageError before any timing
    if (options->data) {
      run_data_benchmark();
      return;
    }
    set_num_threads(options->threads);
    const Precision precision = *enum_from_name<Precision>(options->precision);
    fmt::print("pebench bench: {} thread(s), median of {} step(s){}\n", omp_get_max_threads(), options->steps,
               precision == Precision::fp32 ? "" : ", linear layers in " + options->precision);
    for (BenchShape shape : {che_shape(), flipflop_shape(), quick_shape()}) {
      shape.model.precision = precision;
      if (options->shape == "all" || options->shape == shape.name) bench_shape(shape, encodings, options->steps, options->rounds);
    }
  });
}

}  // namespace pebench
