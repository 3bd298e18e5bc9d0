// ResultRecord: the content of one result file as typed data, and the only
// code that writes or reads the result-file schema
// (docs/architecture.md#result-file-schema). The runner writes records, and
// every reader goes through ResultRecord::from_json: the runner's resume
// check and summary, `pebench status`, `pebench report` / `compare`,
// `pebench eval`, and `pebench run --config RESULT.json` (harness/run/rerun.hpp).
//
// Versions: records are written in schema 2; schema 1 and 2 are read. Schema 2
// adds to the final evaluation, per length, "sequences": {"correct":
// [c_1..c_n], "scored": [s_1..s_n] or s} (per sequence, in evaluation order),
// per split the class histograms "predicted_classes" and "target_classes",
// and "id_upper_accuracy" / "id_upper_from". A record read from a schema-1
// file has none of these (empty vectors, NaN, 0).
//
// Reading is strict about what identifies a cell and about the type of every
// field present (a damaged file is named, never half read), and lenient about
// fields that are absent (numbers NaN, counts 0) and about fields it does not
// know (ignored), so that later versions stay readable.
#pragma once
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/config/grid.hpp"
#include "harness/run/cell_outcome.hpp"

namespace pebench {

using json = nlohmann::json;

constexpr int kResultSchemaVersion = 2;
// Versions this build reads: 1 and 2.
bool is_supported_schema(const json& version);

// A document or file that is not a result of a supported schema; what() says
// why in a few words, e.g. "no \"seed\"", "\"eval.splits[1].points[0].length\"
// is not an integer", "malformed JSON".
class ResultFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ResultRecord {
  int schema_version = kResultSchemaVersion;

  // Which cell: with `config`, everything needed to run it again.
  std::string task_name, task_label, family;  // family "" when the file has none
  int task_version = 1;
  json task_options = json::object();  // resolved: Task::options()
  std::string encoding_name, encoding_label;
  json encoding_params = json::object();  // resolved: Encoding::options()
  int seed = 0;
  // The resolved settings as written (cell_config()): {"model", "train", "eval"}.
  // Kept as written so that identity() compares exactly what the file says.
  json config = json::object();

  // What happened: status, message (the reason of a not_applicable cell),
  // failed step, training curve and evaluations, timings, final scores.
  // outcome.weights (the weights' bytes) is never part of a record.
  CellOutcome outcome;
  std::string weights;  // the weights file beside the result ("seed<k>.weights"), "" when none was kept
  json context = json::object();  // run_context() of the run that wrote it

  // The record of a cell that has just run (`context`: run_context()).
  static ResultRecord of(const Cell& cell, const CellOutcome& outcome, json context);
  // ResultFileError if `document` is not a result of schema 1 or 2.
  static ResultRecord from_json(const json& document);
  // The schema-2 document; std::logic_error for a record read from an older schema.
  json to_json() const;
  // The bytes of a result file: to_json() indented by one space, and a newline.
  std::string to_text() const;

  // Task, encoding, seed and config: what a rerun compares to keep a finished
  // cell; equal to cell_identity() of the cell this record was made from.
  json identity() const;
  // `config` as the "model", "train" and "eval" sections of a suite, which
  // resolve to exactly this config for the recorded task (the model's dropout
  // goes back to train.dropout, vocabularies are the task's, eval.splits
  // becomes split names with their lengths, train.save_model is on when the
  // record names weights). ResultFileError if config lacks a section.
  json suite_sections() const;
};

// The resolved configuration a result records: {"model", "train", "eval"},
// every length listed (train.lengths; eval.splits as {name, kind, lengths}).
json cell_config(const Cell& cell);
// {"task", "encoding", "seed", "config"}: what must match for a rerun to keep
// the cell's result (and what a weights file records as its source).
json cell_identity(const Cell& cell);
// Every ModelConfig field, vocabularies included (result files, weights headers).
json model_config_json(const ModelConfig& model);
// The "eval" object of a result (without wall_time_s); `detailed` adds the
// per-sequence counts and class histograms of schema 2 (final evaluations).
json scores_json(const EvalScores& scores, bool detailed);
// date (UTC, ISO 8601), host, threads, compiler, git, version, build_type, and
// "plugins" (name, file, sha256, what each registered) when plugins are loaded.
json run_context(int threads);

CellStatus parse_cell_status(const std::string& name);  // ResultFileError if unknown

}  // namespace pebench
