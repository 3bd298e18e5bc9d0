// `pebench eval RESULT.json [--lengths L] [--splits a,b] [--sequences N] [--out FILE] [--threads N]`
//
// Re-evaluates a finished cell from the weights its suite kept
// (train.save_model: seed<k>.weights beside seed<k>.json), without training:
// the cell's evaluation splits, at the cell's lengths or at --lengths, with
// the cell's eval seed, sequences and sub-batch (so without flags it
// reproduces the result file's numbers). Prints one line per split and length
// on stdout, then the id/ood means; --out FILE also writes them as JSON
// (atomically): the result file's "eval" object plus where it came from.
// The result file itself is never changed.
//
// --lengths: comma list of lengths and ranges, "100,200", "41-60", "100-500:100"
// (from 100 to 500 in steps of 100); every length is checked against the task's
// limits and the model's max_seq_len. --splits: split names or kinds (id, ood).
// The cell is the one the result records, resolved as `pebench run --config
// RESULT.json` resolves it (harness/run/rerun.hpp). Bad input (no such file,
// not an ok result, no weights, weights of another run, a cell this build
// resolves differently, a length the model cannot take): one line, exit 2,
// nothing written.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include <fmt/core.h>
#include <omp.h>

#include "common/errors.hpp"
#include "common/atomic_file.hpp"
#include "harness/run/checkpoint.hpp"
#include "harness/cli/cli.hpp"
#include "harness/run/evaluator.hpp"
#include "harness/config/grid.hpp"
#include "harness/run/rerun.hpp"
#include "harness/run/result_file.hpp"
#include "harness/config/selection.hpp"
#include "models/encoding.hpp"
#include "models/transformer.hpp"

namespace pebench {

namespace fs = std::filesystem;

namespace {

constexpr int kUnset = INT_MIN;

struct EvalFlags {
  std::string result, lengths, splits, out;
  int sequences = kUnset;
  int threads = kUnset;
};

// A non-negative decimal integer, or nullopt.
std::optional<long long> parse_integer(const std::string& text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  long long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::vector<std::string> comma_items(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  for (size_t comma; (comma = text.find(',', start)) != std::string::npos; start = comma + 1)
    items.push_back(text.substr(start, comma - start));
  items.push_back(text.substr(start));
  return items;
}

// "100,200", "41-60", "100-500:100" -> sorted unique lengths.
std::vector<int> parse_lengths(const std::string& text) {
  auto bad = [&text](const std::string& why) {
    return UsageError("--lengths: " + why + " in '" + text + "' (expected lengths and ranges, e.g. 100,200 or 100-500:100)");
  };
  std::vector<int> lengths;
  for (const std::string& item : comma_items(text)) {
    const auto colon = item.find(':');
    const std::string range = item.substr(0, colon);
    const auto dash = range.find('-');
    const auto from = parse_integer(range.substr(0, dash));
    const auto to = dash == std::string::npos ? from : parse_integer(range.substr(dash + 1));
    const auto step = colon == std::string::npos ? std::optional<long long>(1) : parse_integer(item.substr(colon + 1));
    if (!from || !to || !step) throw bad("'" + item + "' is not a length or range");
    if (*from < 1) throw bad("lengths start at 1");
    if (*to < *from) throw bad("empty range '" + item + "'");
    if (*step < 1) throw bad("the step of '" + item + "' must be at least 1");
    if ((*to - *from) / *step >= 100000) throw bad("range '" + item + "' has more than 100000 lengths");
    for (long long length = *from; length <= *to; length += *step) lengths.push_back(static_cast<int>(length));
  }
  std::sort(lengths.begin(), lengths.end());
  lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
  return lengths;
}

// The record of an ok cell that kept its weights.
ResultRecord read_result(const fs::path& path) {
  std::error_code error;
  if (!fs::exists(path, error)) throw UsageError("eval: cannot read result file '" + path.string() + "'");
  ResultRecord record;
  try {
    record = read_result_record(path);
  } catch (const ResultFileError& problem) {
    throw UsageError("eval: '" + path.string() + "' is not a pebench result file (" + problem.what() + ")");
  }
  if (record.outcome.status != CellStatus::ok)
    throw UsageError("eval: '" + path.string() + "' has status \"" + to_string(record.outcome.status) +
                     "\": there is no trained model to evaluate");
  if (record.weights.empty())
    throw UsageError("eval: '" + path.string() +
                     "' has no saved weights (run its suite with \"train\": {\"save_model\": true})");
  return record;
}

// The weights beside the result, checked to come from this very run of the cell.
fs::path weights_of(const fs::path& result_path, const ResultRecord& record) {
  const fs::path path = result_path.parent_path() / record.weights;
  const json header = read_weights_header(path);
  const json source = header.value("source", json::object());
  if (!source.contains("identity") || source["identity"] != record.identity())
    throw UsageError("eval: weights file '" + path.string() + "' was written by another run of this cell than '" +
                     result_path.string() + "'");
  return path;
}

// The cell as the result file records it, with the evaluation the flags ask for.
Cell cell_of(const ResultRecord& record, const fs::path& result_path, const EvalFlags& flags) {
  Cell cell = cell_from_result(record, "eval: '" + result_path.string() + "'");
  if (flags.sequences != kUnset) cell.settings.eval.sequences = flags.sequences;
  const auto wanted = flags.splits.empty() ? std::vector<std::string>{} : parse_name_list(flags.splits, "--splits");
  const auto lengths = flags.lengths.empty() ? std::vector<int>{} : parse_lengths(flags.lengths);
  for (const std::string& selector : wanted)
    if (std::none_of(cell.eval_splits.begin(), cell.eval_splits.end(), [&](const SplitPlan& split) {
          return selector == split.name || selector == to_string(split.kind);
        }))
      throw UsageError("--splits: the cell was not evaluated on split '" + selector + "'");
  std::vector<SplitPlan> chosen;
  for (SplitPlan split : cell.eval_splits) {
    const bool selected = wanted.empty() || std::count(wanted.begin(), wanted.end(), split.name) ||
                          std::count(wanted.begin(), wanted.end(), to_string(split.kind));
    if (!selected) continue;
    if (!lengths.empty()) split.lengths = lengths;
    chosen.push_back(split);
  }
  cell.eval_splits = chosen;
  return cell;
}

// Every length must be one the task and the model can take.
void check_lengths(const Cell& cell, const Task& task) {
  for (const SplitPlan& split : cell.eval_splits)
    for (int length : split.lengths) {
      try {
        task.check_length(length);
      } catch (const UsageError& error) {
        throw UsageError(std::string("--lengths: ") + error.what());
      }
      const int sequence = task.sequence_length(length);
      if (sequence > cell.settings.model.max_seq_len)
        throw UsageError(fmt::format("--lengths: length {} needs a sequence of {} tokens, more than this model's "
                                     "max_seq_len {}", length, sequence, cell.settings.model.max_seq_len));
    }
}

void print_scores(const Cell& cell, const EvalScores& scores, const fs::path& weights) {
  std::printf("# %s/%s/seed%d from %s\n", cell.task_label.c_str(), cell.encoding_label.c_str(), cell.seed,
              weights.c_str());
  std::printf("%-14s %-4s %7s %9s %18s %7s\n", "split", "kind", "length", "accuracy", "sequence_accuracy", "n");
  for (const SplitScore& split : scores.splits)
    for (const LengthScore& p : split.points)
      std::printf("%-14s %-4s %7d %9.4f %18.4f %7lld\n", split.name.c_str(), to_string(split.kind), p.length,
                  p.accuracy, p.sequence_accuracy, static_cast<long long>(p.n));
  auto mean = [](double value) { return std::isnan(value) ? std::string("n/a") : fmt::format("{:.4f}", value); };
  std::printf("id_accuracy %s  ood_accuracy %s\n", mean(scores.id_accuracy).c_str(), mean(scores.ood_accuracy).c_str());
}

void eval_command(const EvalFlags& flags) {
  if (flags.threads != kUnset) check_range("--threads", flags.threads, 1, 4096);
  if (flags.sequences != kUnset) check_range("--sequences", flags.sequences, 1, INT_MAX);
  if (!flags.out.empty() && fs::is_directory(flags.out))
    throw UsageError("--out: '" + flags.out + "' is a directory; give a file name");
  const fs::path result_path = flags.result;
  const ResultRecord result = read_result(result_path);
  const Cell cell = cell_of(result, result_path, flags);
  const fs::path weights = weights_of(result_path, result);
  const std::unique_ptr<Task> task = make_task(cell.task_name, cell.task_options);
  check_lengths(cell, *task);

  if (flags.threads != kUnset) set_num_threads(flags.threads);
  Transformer<float> model(cell.settings.model, make_encoding<float>(cell.encoding_name, cell.encoding_params),
                           static_cast<uint64_t>(cell.seed));
  load_weights(weights, model);
  const auto start = std::chrono::steady_clock::now();
  const EvalScores scores = evaluate_model(model, *task, cell);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  print_scores(cell, scores, weights);
  if (flags.out.empty()) return;

  const json source_document = result.to_json();
  json document = {{"kind", "pebench-eval"},
                   {"result", result_path.string()},
                   {"weights", weights.string()},
                   {"task", source_document.at("task")},
                   {"encoding", source_document.at("encoding")},
                   {"seed", cell.seed},
                   {"eval_config", cell_config(cell).at("eval")},  // as a result file's config.eval
                   {"eval", scores_json(scores, true)},
                   {"context", run_context(omp_get_max_threads())}};
  document["eval"]["wall_time_s"] = seconds;
  write_file_atomically(flags.out, document.dump(1) + "\n");
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "Re-evaluate a finished cell from its saved weights (train.save_model)");
  auto flags = std::make_shared<EvalFlags>();
  cmd->add_option("result", flags->result, "The cell's result file (seed<k>.json)")->required();
  cmd->add_option("--lengths", flags->lengths, "Lengths to evaluate, e.g. 100,200 or 100-500:100 (default: the cell's)");
  cmd->add_option("--splits", flags->splits, "Comma list of split names or kinds (default: the cell's eval splits)");
  cmd->add_option("--sequences", flags->sequences, "Sequences per length (default: the cell's)");
  cmd->add_option("--out", flags->out, "Also write the scores as JSON to this file");
  cmd->add_option("--threads", flags->threads, "OpenMP threads (default: all cores)");
  cmd->callback([flags] { eval_command(*flags); });
}

}  // namespace pebench
