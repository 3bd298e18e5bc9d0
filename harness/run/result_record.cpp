#include "harness/run/result_record.hpp"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <ctime>

#include "common/build_info.hpp"
#include "harness/config/plugin_loader.hpp"

namespace pebench {

// ---- writing ---------------------------------------------------------------------

namespace {

const char* const kAggregationV1 = "split accuracy = mean over its lengths; id/ood accuracy = mean over splits of that kind";
const char* const kAggregation =
    "split accuracy = mean over its lengths; id/ood accuracy = mean over splits of that kind; "
    "id_upper accuracy = id accuracy over the lengths >= id_upper_from (upper half of the training range)";

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string host_name() {
  char name[256] = {0};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

// NaN (no such split, a non-finite loss) is written as null.
json number_or_null(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

// Schema 2: "sequences": {"correct": [...], "scored": [...] or one number
// when every sequence has the same count}, in evaluation order.
json sequences_json(const LengthScore& point) {
  const auto& scored = point.sequence_scored;
  const bool uniform = !scored.empty() && std::all_of(scored.begin(), scored.end(),
                                                      [&](int64_t s) { return s == scored.front(); });
  return {{"correct", point.sequence_correct}, {"scored", uniform ? json(scored.front()) : json(scored)}};
}

// The eval object of one schema version; `detailed`: the final evaluation
// (evaluations during training keep the schema-1 fields).
json scores_json_of_schema(const EvalScores& scores, bool detailed, int schema) {
  const bool per_sequence = detailed && schema >= 2;
  json splits = json::array();
  for (const auto& split : scores.splits) {
    json points = json::array();
    for (const auto& p : split.points) {
      json point = {{"length", p.length}, {"accuracy", p.accuracy}, {"sequence_accuracy", p.sequence_accuracy},
                    {"n", p.n}};
      if (per_sequence && !p.sequence_correct.empty()) point["sequences"] = sequences_json(p);
      points.push_back(point);
    }
    json entry = {{"name", split.name}, {"kind", to_string(split.kind)}, {"points", points},
                  {"accuracy", split.accuracy}, {"sequence_accuracy", split.sequence_accuracy}};
    if (per_sequence) {
      entry["predicted_classes"] = split.predicted_classes;
      entry["target_classes"] = split.target_classes;
    }
    splits.push_back(entry);
  }
  json eval = {{"splits", splits},
               {"id_accuracy", number_or_null(scores.id_accuracy)},
               {"ood_accuracy", number_or_null(scores.ood_accuracy)},
               {"aggregation", schema >= 2 ? kAggregation : kAggregationV1}};
  if (schema >= 2) {
    eval["id_upper_accuracy"] = number_or_null(scores.id_upper_accuracy);
    eval["id_upper_from"] = scores.id_upper_from;
  }
  return eval;
}

json train_json(const CellOutcome& outcome, int schema) {
  json curve = json::array();
  for (const auto& p : outcome.curve)
    curve.push_back({{"step", p.step}, {"loss", number_or_null(p.loss)}, {"accuracy", number_or_null(p.accuracy)}});
  json evals = json::array();
  for (const auto& e : outcome.training_evals) {
    json entry = scores_json_of_schema(e.scores, false, schema);
    entry["step"] = e.step;
    evals.push_back(entry);
  }
  return {{"steps", outcome.steps_done}, {"curve", curve}, {"evals", evals},
          {"wall_time_s", outcome.train_wall_s}, {"tokens_per_s", outcome.tokens_per_s},
          {"num_parameters", outcome.num_parameters}};
}

}  // namespace

CellStatus parse_cell_status(const std::string& name) {
  if (const auto status = enum_from_name<CellStatus>(name)) return *status;
  throw ResultFileError("unknown status '" + name + "'");
}

bool is_supported_schema(const json& version) {
  return version.is_number_integer() && version.get<int64_t>() >= 1 && version.get<int64_t>() <= kResultSchemaVersion;
}

json run_context(int threads) {
  json context = {{"date", utc_now_iso8601()}, {"host", host_name()},       {"threads", threads},
                  {"compiler", build_compiler()}, {"git", build_git()},     {"version", build_version()},
                  {"build_type", build_type()}};
  if (!loaded_plugins().empty()) context["plugins"] = loaded_plugins_json();
  return context;
}

json scores_json(const EvalScores& scores, bool detailed) {
  return scores_json_of_schema(scores, detailed, kResultSchemaVersion);
}

json model_config_json(const ModelConfig& model) {
  json out = {{"input_vocab", model.input_vocab}, {"output_vocab", model.output_vocab},
              {"d_model", model.d_model},         {"n_layers", model.n_layers},
              {"n_heads", model.n_heads},         {"d_ff", model.d_ff},
              {"norm", to_string(model.norm)},    {"activation", to_string(model.activation)},
              {"dropout", model.dropout},         {"embed_scale", model.embed_scale},
              {"max_seq_len", model.max_seq_len}};
  // Recorded where it is not the default, so that a float32 cell's record
  // (and the key resuming and sharding compare) is what it was before the option.
  if (model.precision != Precision::fp32) out["precision"] = to_string(model.precision);
  return out;
}

json cell_config(const Cell& cell) {
  const TrainConfig& train = cell.settings.train;
  const OptimizerConfig& opt = train.optimizer;
  const EvalConfig& eval = cell.settings.eval;
  json splits = json::array();
  for (const auto& split : cell.eval_splits)
    splits.push_back({{"name", split.name}, {"kind", to_string(split.kind)}, {"lengths", split.lengths}});
  return {
      {"model", model_config_json(cell.settings.model)},
      {"train", {{"steps", train.steps}, {"batch_size", train.batch_size}, {"lr", opt.lr},
                 {"schedule", to_string(opt.schedule)}, {"warmup_steps", opt.warmup_steps},
                 {"min_lr_ratio", opt.min_lr_ratio}, {"clip_norm", opt.clip_norm},
                 {"weight_decay", opt.weight_decay}, {"beta1", opt.beta1}, {"beta2", opt.beta2},
                 {"eps", opt.eps}, {"split", cell.train_split}, {"lengths", cell.train_lengths},
                 {"curve_points", train.curve_points}, {"eval_every", train.eval_every}}},
      {"eval", {{"seed", eval.seed}, {"sequences", eval.sequences}, {"sub_batch", eval.sub_batch}, {"splits", splits}}}};
}

json cell_identity(const Cell& cell) {
  return {{"task", {{"name", cell.task_name}, {"label", cell.task_label}, {"version", cell.task_version},
                    {"options", cell.task_options}}},
          {"encoding", {{"name", cell.encoding_name}, {"label", cell.encoding_label}, {"params", cell.encoding_params}}},
          {"seed", cell.seed},
          {"config", cell_config(cell)}};
}

ResultRecord ResultRecord::of(const Cell& cell, const CellOutcome& outcome, json context) {
  ResultRecord record;
  record.task_name = cell.task_name;
  record.task_label = cell.task_label;
  record.family = cell.family;
  record.task_version = cell.task_version;
  record.task_options = cell.task_options;
  record.encoding_name = cell.encoding_name;
  record.encoding_label = cell.encoding_label;
  record.encoding_params = cell.encoding_params;
  record.seed = cell.seed;
  record.config = cell_config(cell);
  record.outcome = outcome;
  record.outcome.weights.clear();
  if (!outcome.weights.empty())  // train.save_model: the weights file beside this one
    record.weights = "seed" + std::to_string(cell.seed) + ".weights";
  record.context = std::move(context);
  return record;
}

json ResultRecord::identity() const {
  return {{"task", {{"name", task_name}, {"label", task_label}, {"version", task_version}, {"options", task_options}}},
          {"encoding", {{"name", encoding_name}, {"label", encoding_label}, {"params", encoding_params}}},
          {"seed", seed},
          {"config", config}};
}

json ResultRecord::to_json() const {
  if (!is_supported_schema(schema_version)) throw std::logic_error("result schema " + std::to_string(schema_version));
  json task = {{"name", task_name}, {"label", task_label}, {"family", family}, {"version", task_version},
               {"options", task_options}};
  json document = {{"schema_version", schema_version},
                   {"task", task},
                   {"encoding", {{"name", encoding_name}, {"label", encoding_label}, {"params", encoding_params}}},
                   {"seed", seed},
                   {"config", config},
                   {"status", to_string(outcome.status)},
                   {"train", train_json(outcome, schema_version)},
                   {"eval", scores_json_of_schema(outcome.eval, true, schema_version)},
                   {"context", context}};
  document["eval"]["wall_time_s"] = outcome.eval_wall_s;
  if (outcome.status == CellStatus::not_applicable) document["reason"] = outcome.message;
  else if (outcome.status != CellStatus::ok)
    document["error"] = {{"message", outcome.message}, {"step", outcome.failed_step}};
  if (!weights.empty()) document["weights"] = weights;
  return document;
}

std::string ResultRecord::to_text() const { return to_json().dump(1) + "\n"; }

json ResultRecord::suite_sections() const {
  for (const char* section : {"model", "train", "eval"})
    if (!config.contains(section) || !config.at(section).is_object())
      throw ResultFileError(std::string("config has no \"") + section + "\" object");
  json model = config.at("model"), train = config.at("train");
  const json& recorded_eval = config.at("eval");
  if (model.contains("dropout")) train["dropout"] = model.at("dropout");  // a suite sets it in train
  for (const char* derived : {"dropout", "input_vocab", "output_vocab"}) model.erase(derived);
  train.erase("split");  // the task's training split
  train["save_model"] = !weights.empty();
  json eval = json::object();
  for (const char* key : {"seed", "sequences", "sub_batch"})
    if (recorded_eval.contains(key)) eval[key] = recorded_eval.at(key);
  const json splits = recorded_eval.value("splits", json());
  if (!splits.is_array()) throw ResultFileError("\"config.eval.splits\" is not a list");
  eval["splits"] = json::array();
  eval["lengths"] = json::object();
  for (size_t i = 0; i < splits.size(); ++i) {
    const json& split = splits[i];
    if (!split.is_object() || !split.value("name", json()).is_string() || !split.contains("lengths"))
      throw ResultFileError("\"config.eval.splits[" + std::to_string(i) + "]\" is not a {name, kind, lengths} object");
    const std::string name = split.at("name");
    eval["splits"].push_back(name);
    eval["lengths"][name] = split.at("lengths");
  }
  return {{"model", model}, {"train", train}, {"eval", eval}};
}

// ---- reading ---------------------------------------------------------------------

namespace {

[[noreturn]] void fail(const std::string& why) { throw ResultFileError(why); }

std::string in_quotes(const std::string& path) { return "\"" + path + "\""; }
std::string item_path(const std::string& path, size_t index) { return path + "[" + std::to_string(index) + "]"; }

// One JSON object of a result document read field by field; `path` names it
// in messages ("eval.splits[1]"; "" for the document itself).
class Fields {
 public:
  Fields(const json& object, std::string path) : object_(object), path_(std::move(path)) {
    if (!object_.is_object()) fail(path_.empty() ? std::string("not a JSON object") : in_quotes(path_) + " is not an object");
  }

  std::string path_of(const char* key) const { return path_.empty() ? key : path_ + "." + key; }
  const json* find(const char* key) const {
    const auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }
  const json& required(const char* key) const {
    if (const json* value = find(key)) return *value;
    fail("no " + in_quotes(path_of(key)));
  }

  const json& required_object(const char* key) const {
    const json& value = required(key);
    if (!value.is_object()) fail(in_quotes(path_of(key)) + " is not an object");
    return value;
  }
  Fields object(const char* key) const { return Fields(required_object(key), path_of(key)); }
  json object_or_empty(const char* key) const { return find(key) ? required_object(key) : json::object(); }
  // An absent list reads as empty.
  const json& list(const char* key) const {
    static const json empty = json::array();
    const json* value = find(key);
    if (!value) return empty;
    if (!value->is_array()) fail(in_quotes(path_of(key)) + " is not a list");
    return *value;
  }
  std::string string(const char* key) const { return as_string(required(key), key); }
  std::string string_or(const char* key, const std::string& fallback) const {
    const json* value = find(key);
    return value ? as_string(*value, key) : fallback;
  }
  int64_t integer(const char* key) const { return as_integer(required(key), path_of(key)); }
  int64_t integer_or(const char* key, int64_t fallback) const {
    const json* value = find(key);
    return value ? as_integer(*value, path_of(key)) : fallback;
  }
  int int_required(const char* key) const { return as_int(integer(key), key); }
  int int_or(const char* key, int fallback) const { return as_int(integer_or(key, fallback), key); }
  // A number, or null / absent for "none" (NaN).
  double number(const char* key) const {
    const json* value = find(key);
    if (!value || value->is_null()) return std::nan("");
    if (!value->is_number()) fail(in_quotes(path_of(key)) + " is not a number");
    return value->get<double>();
  }
  std::vector<int64_t> counts(const char* key) const { return as_counts(list(key), path_of(key)); }

  static int64_t as_integer(const json& value, const std::string& path) {
    if (!value.is_number_integer()) fail(in_quotes(path) + " is not an integer");
    if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      fail(in_quotes(path) + " is out of range");
    return value.get<int64_t>();
  }
  static std::vector<int64_t> as_counts(const json& list, const std::string& path) {
    std::vector<int64_t> counts;
    for (size_t i = 0; i < list.size(); ++i) counts.push_back(as_integer(list[i], item_path(path, i)));
    return counts;
  }

 private:
  int as_int(int64_t value, const char* key) const {
    if (value < INT_MIN || value > INT_MAX) fail(in_quotes(path_of(key)) + " is out of range");
    return static_cast<int>(value);
  }
  std::string as_string(const json& value, const char* key) const {
    if (!value.is_string()) fail(in_quotes(path_of(key)) + " is not a string");
    return value.get<std::string>();
  }

  const json& object_;
  std::string path_;
};

// Schema 2 "sequences": {"correct": [...], "scored": [...] | one number}.
void read_sequences(const Fields& point, LengthScore& out) {
  if (!point.find("sequences")) return;
  const Fields sequences = point.object("sequences");
  out.sequence_correct = sequences.counts("correct");
  const json& scored = sequences.required("scored");
  out.sequence_scored = scored.is_number_integer()
                            ? std::vector<int64_t>(out.sequence_correct.size(), scored.get<int64_t>())
                            : Fields::as_counts(sequences.list("scored"), sequences.path_of("scored"));
  if (out.sequence_scored.size() != out.sequence_correct.size())
    fail(in_quotes(sequences.path_of("scored")) + " and \"correct\" count different sequences");
}

LengthScore read_point(const json& value, const std::string& path) {
  const Fields point(value, path);
  LengthScore out;
  out.length = point.int_required("length");
  out.accuracy = point.number("accuracy");
  out.sequence_accuracy = point.number("sequence_accuracy");
  out.n = point.integer_or("n", 0);
  read_sequences(point, out);
  return out;
}

SplitScore read_split(const json& value, const std::string& path) {
  const Fields split(value, path);
  SplitScore out;
  out.name = split.string("name");
  const std::string kind = split.string("kind");
  if (kind != "id" && kind != "ood") fail(in_quotes(split.path_of("kind")) + " is '" + kind + "', not id or ood");
  out.kind = kind == "id" ? SplitKind::id : SplitKind::ood;
  const json& points = split.list("points");
  for (size_t i = 0; i < points.size(); ++i) out.points.push_back(read_point(points[i], item_path(split.path_of("points"), i)));
  out.accuracy = split.number("accuracy");
  out.sequence_accuracy = split.number("sequence_accuracy");
  out.predicted_classes = split.counts("predicted_classes");
  out.target_classes = split.counts("target_classes");
  return out;
}

EvalScores read_scores(const Fields& eval) {
  EvalScores scores;
  const json& splits = eval.list("splits");
  for (size_t i = 0; i < splits.size(); ++i) scores.splits.push_back(read_split(splits[i], item_path(eval.path_of("splits"), i)));
  scores.id_accuracy = eval.number("id_accuracy");
  scores.ood_accuracy = eval.number("ood_accuracy");
  scores.id_upper_accuracy = eval.number("id_upper_accuracy");
  scores.id_upper_from = eval.int_or("id_upper_from", 0);
  return scores;
}

void read_train(const Fields& train, CellOutcome& outcome) {
  outcome.steps_done = train.int_or("steps", 0);
  const json& curve = train.list("curve");
  for (size_t i = 0; i < curve.size(); ++i) {
    const Fields point(curve[i], item_path(train.path_of("curve"), i));
    outcome.curve.push_back({point.int_required("step"), point.number("loss"), point.number("accuracy")});
  }
  const json& evals = train.list("evals");
  for (size_t i = 0; i < evals.size(); ++i) {
    const Fields eval(evals[i], item_path(train.path_of("evals"), i));
    outcome.training_evals.push_back({eval.int_required("step"), read_scores(eval)});
  }
  outcome.train_wall_s = train.number("wall_time_s");
  outcome.tokens_per_s = train.number("tokens_per_s");
  const int64_t parameters = train.integer_or("num_parameters", 0);
  if (parameters < 0) fail(in_quotes(train.path_of("num_parameters")) + " is negative");
  outcome.num_parameters = static_cast<size_t>(parameters);
}

void read_status(const Fields& document, CellOutcome& outcome) {
  outcome.status = parse_cell_status(document.string("status"));
  if (outcome.status == CellStatus::not_applicable) {
    outcome.message = document.string_or("reason", "");
  } else if (outcome.status != CellStatus::ok && document.find("error")) {
    const Fields error = document.object("error");
    outcome.message = error.string_or("message", "");
    outcome.failed_step = error.int_or("step", 0);
  }
}

}  // namespace

ResultRecord ResultRecord::from_json(const json& document) {
  const Fields fields(document, "");
  const json& version = fields.required("schema_version");
  if (!is_supported_schema(version)) fail("unsupported schema_version " + version.dump());
  ResultRecord record;
  record.schema_version = version.get<int>();

  const Fields task = fields.object("task");
  record.task_name = task.string("name");
  record.task_label = task.string_or("label", record.task_name);
  record.family = task.string_or("family", "");
  record.task_version = task.int_required("version");
  record.task_options = task.object_or_empty("options");

  const Fields encoding = fields.object("encoding");
  record.encoding_name = encoding.string("name");
  record.encoding_label = encoding.string_or("label", record.encoding_name);
  record.encoding_params = encoding.object_or_empty("params");

  record.seed = fields.int_required("seed");
  record.config = fields.required_object("config");  // kept as written; suite_sections() reads it

  read_status(fields, record.outcome);
  // A cell the encoding cannot serve may be recorded without train/eval sections.
  const bool sections_required = record.outcome.status != CellStatus::not_applicable;
  if (sections_required || fields.find("train")) read_train(fields.object("train"), record.outcome);
  if (sections_required || fields.find("eval")) {
    const Fields eval = fields.object("eval");
    record.outcome.eval = read_scores(eval);
    record.outcome.eval_wall_s = eval.number("wall_time_s");
  }
  record.weights = fields.string_or("weights", "");
  record.context = fields.object_or_empty("context");
  return record;
}

}  // namespace pebench
