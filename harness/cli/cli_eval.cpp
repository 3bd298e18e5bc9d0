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
// Bad input (no such file, not an ok result, no weights, weights of another
// run, a length the model cannot take): one line, exit 2, nothing written.
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
#include "harness/config/cell_settings.hpp"
#include "harness/run/checkpoint.hpp"
#include "harness/cli/cli.hpp"
#include "harness/run/evaluator.hpp"
#include "harness/config/grid.hpp"
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

json read_result(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw UsageError("eval: cannot read result file '" + path.string() + "'");
  json result = json::parse(in, nullptr, false);
  const bool is_result = result.is_object() && result.contains("schema_version") && result.contains("task") &&
                         result.contains("encoding") && result.contains("config") && result.contains("status");
  if (!is_result) throw UsageError("eval: '" + path.string() + "' is not a pebench result file");
  if (result["schema_version"] != kResultSchemaVersion)
    throw UsageError("eval: '" + path.string() + "' has result schema " + result["schema_version"].dump() +
                     "; this build reads " + std::to_string(kResultSchemaVersion));
  if (result["status"] != "ok")
    throw UsageError("eval: '" + path.string() + "' has status " + result["status"].dump() +
                     ": there is no trained model to evaluate");
  if (!result.contains("weights") || !result["weights"].is_string())
    throw UsageError("eval: '" + path.string() +
                     "' has no saved weights (run its suite with \"train\": {\"save_model\": true})");
  return result;
}

// The weights beside the result, checked to come from this very run of the cell.
fs::path weights_of(const fs::path& result_path, const json& result) {
  const fs::path path = result_path.parent_path() / result["weights"].get<std::string>();
  const json header = read_weights_header(path);
  const json source = header.value("source", json::object());
  if (!source.contains("identity") || source["identity"] != result_identity(result))
    throw UsageError("eval: weights file '" + path.string() + "' was written by another run of this cell than '" +
                     result_path.string() + "'");
  return path;
}

ModelConfig model_config_of(const json& result, const Task& task) {
  json section = result.at("config").at("model");
  ModelConfig model;
  model.dropout = section.value("dropout", 0.0);
  for (const char* key : {"dropout", "input_vocab", "output_vocab"}) section.erase(key);
  apply_model_section(section, "eval: result file", "config.model", model);
  model.input_vocab = static_cast<int>(task.input_vocab().size());
  model.output_vocab = static_cast<int>(task.output_vocab().size());
  return model;
}

// The cell as the result file describes it, with the evaluation the flags ask for.
Cell cell_of(const json& result, const Task& task, const EvalFlags& flags) {
  Cell cell;
  cell.task_name = result["task"].at("name").get<std::string>();
  cell.task_label = result["task"].value("label", cell.task_name);
  cell.task_options = result["task"].value("options", json::object());
  cell.encoding_name = result["encoding"].at("name").get<std::string>();
  cell.encoding_label = result["encoding"].value("label", cell.encoding_name);
  cell.encoding_params = result["encoding"].value("params", json::object());
  cell.seed = result.at("seed");
  cell.settings.model = model_config_of(result, task);
  const json& eval = result["config"].at("eval");
  cell.settings.eval.seed = eval.at("seed");
  cell.settings.eval.sequences = flags.sequences != kUnset ? flags.sequences : eval.at("sequences").get<int>();
  cell.settings.eval.sub_batch = eval.at("sub_batch");

  const auto wanted = flags.splits.empty() ? std::vector<std::string>{} : parse_name_list(flags.splits, "--splits");
  const auto lengths = flags.lengths.empty() ? std::vector<int>{} : parse_lengths(flags.lengths);
  std::vector<std::string> unmatched = wanted;
  for (const json& split : eval.at("splits")) {
    SplitPlan plan{split.at("name").get<std::string>(), split.at("kind") == "ood" ? SplitKind::ood : SplitKind::id,
                   split.at("lengths").get<std::vector<int>>()};
    const std::string kind = split.at("kind").get<std::string>();
    const bool chosen = wanted.empty() || std::count(wanted.begin(), wanted.end(), plan.name) ||
                        std::count(wanted.begin(), wanted.end(), kind);
    unmatched.erase(std::remove_if(unmatched.begin(), unmatched.end(),
                                   [&](const std::string& w) { return w == plan.name || w == kind; }),
                    unmatched.end());
    if (!chosen) continue;
    if (!lengths.empty()) plan.lengths = lengths;
    cell.eval_splits.push_back(plan);
  }
  if (!unmatched.empty())
    throw UsageError("--splits: the cell was not evaluated on split '" + unmatched.front() + "'");
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
  const json result = read_result(result_path);
  std::unique_ptr<Task> task;
  Cell cell;
  fs::path weights;
  try {
    task = make_task(result["task"].at("name").get<std::string>(), result["task"].value("options", json::object()));
    cell = cell_of(result, *task, flags);
    weights = weights_of(result_path, result);
  } catch (const json::exception& error) {  // a hand-edited or truncated result
    throw UsageError("eval: '" + result_path.string() + "' is not a complete pebench result file (" +
                     error.what() + ")");
  }
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

  json splits = json::array();
  for (const SplitPlan& split : cell.eval_splits)
    splits.push_back({{"name", split.name}, {"kind", to_string(split.kind)}, {"lengths", split.lengths}});
  json document = {{"kind", "pebench-eval"},
                   {"result", result_path.string()},
                   {"weights", weights.string()},
                   {"task", result["task"]},
                   {"encoding", result["encoding"]},
                   {"seed", cell.seed},
                   {"eval_config", {{"seed", cell.settings.eval.seed}, {"sequences", cell.settings.eval.sequences},
                                    {"sub_batch", cell.settings.eval.sub_batch}, {"splits", splits}}},
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
