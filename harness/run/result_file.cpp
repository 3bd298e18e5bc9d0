#include "harness/run/result_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "common/build_info.hpp"
#include "common/errors.hpp"

#include "harness/config/plugin_loader.hpp"

namespace pebench {

namespace fs = std::filesystem;

static std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

static std::string host_name() {
  char name[256] = {0};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

json run_context(int threads) {
  json context = {{"date", utc_now_iso8601()}, {"host", host_name()},       {"threads", threads},
                  {"compiler", build_compiler()}, {"git", build_git()},     {"version", build_version()},
                  {"build_type", build_type()}};
  if (!loaded_plugins().empty()) context["plugins"] = loaded_plugins_json();
  return context;
}

// NaN (no such split) is written as null.
static json number_or_null(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

// Schema 2: "sequences": {"correct": [...], "scored": [...] or one number
// when every sequence has the same count}, in evaluation order.
static json sequences_json(const LengthScore& point) {
  const auto& scored = point.sequence_scored;
  const bool uniform = !scored.empty() && std::all_of(scored.begin(), scored.end(),
                                                      [&](int64_t s) { return s == scored.front(); });
  return {{"correct", point.sequence_correct}, {"scored", uniform ? json(scored.front()) : json(scored)}};
}

// `detailed`: per-sequence counts and class histograms (the final evaluation
// only; evaluations during training keep the schema-1 fields).
json scores_json(const EvalScores& scores, bool detailed) {
  json splits = json::array();
  for (const auto& split : scores.splits) {
    json points = json::array();
    for (const auto& p : split.points) {
      json point = {{"length", p.length}, {"accuracy", p.accuracy}, {"sequence_accuracy", p.sequence_accuracy},
                    {"n", p.n}};
      if (detailed && !p.sequence_correct.empty()) point["sequences"] = sequences_json(p);
      points.push_back(point);
    }
    json entry = {{"name", split.name}, {"kind", to_string(split.kind)}, {"points", points},
                  {"accuracy", split.accuracy}, {"sequence_accuracy", split.sequence_accuracy}};
    if (detailed) {
      entry["predicted_classes"] = split.predicted_classes;
      entry["target_classes"] = split.target_classes;
    }
    splits.push_back(entry);
  }
  return {{"splits", splits},
          {"id_accuracy", number_or_null(scores.id_accuracy)},
          {"id_upper_accuracy", number_or_null(scores.id_upper_accuracy)},
          {"id_upper_from", scores.id_upper_from},
          {"ood_accuracy", number_or_null(scores.ood_accuracy)},
          {"aggregation", "split accuracy = mean over its lengths; id/ood accuracy = mean over splits of that kind; "
                          "id_upper accuracy = id accuracy over the lengths >= id_upper_from (upper half of the "
                          "training range)"}};
}

static json train_json(const CellOutcome& outcome) {
  json curve = json::array();
  for (const auto& p : outcome.curve)
    curve.push_back({{"step", p.step}, {"loss", number_or_null(p.loss)}, {"accuracy", number_or_null(p.accuracy)}});
  json evals = json::array();
  for (const auto& e : outcome.training_evals) {
    json entry = scores_json(e.scores, false);
    entry["step"] = e.step;
    evals.push_back(entry);
  }
  return {{"steps", outcome.steps_done}, {"curve", curve}, {"evals", evals},
          {"wall_time_s", outcome.train_wall_s}, {"tokens_per_s", outcome.tokens_per_s},
          {"num_parameters", outcome.num_parameters}};
}

json result_json(const Cell& cell, const CellOutcome& outcome, const json& context) {
  const json identity = cell.identity_json();
  json task = identity["task"];
  task["family"] = cell.family;
  json result = {{"schema_version", kResultSchemaVersion},
                 {"task", task},
                 {"encoding", identity["encoding"]},
                 {"seed", cell.seed},
                 {"config", identity["config"]},
                 {"status", to_string(outcome.status)}};
  if (outcome.status == CellStatus::not_applicable) result["reason"] = outcome.message;
  else if (outcome.status != CellStatus::ok)
    result["error"] = {{"message", outcome.message}, {"step", outcome.failed_step}};
  result["train"] = train_json(outcome);
  result["eval"] = scores_json(outcome.eval, true);
  result["eval"]["wall_time_s"] = outcome.eval_wall_s;
  if (!outcome.weights.empty())  // train.save_model: the weights file beside this one
    result["weights"] = "seed" + std::to_string(cell.seed) + ".weights";
  result["context"] = context;
  return result;
}

fs::path result_path(const fs::path& dir, const Cell& cell) {
  return dir / cell.task_label / cell.encoding_label / ("seed" + std::to_string(cell.seed) + ".json");
}

bool is_supported_schema(const json& version) {
  return version.is_number_integer() && version.get<int>() >= 1 && version.get<int>() <= kResultSchemaVersion;
}

json result_identity(const json& result) {
  const json& task = result.at("task");
  const json& encoding = result.at("encoding");
  return {{"task", {{"name", task.at("name")}, {"label", task.at("label")}, {"version", task.at("version")},
                    {"options", task.at("options")}}},
          {"encoding", {{"name", encoding.at("name")}, {"label", encoding.at("label")},
                        {"params", encoding.at("params")}}},
          {"seed", result.at("seed")},
          {"config", result.at("config")}};
}

// Reads a regular file of at most `limit` bytes; false with `why` otherwise.
static bool read_regular_file(const fs::path& path, std::string& text, std::string& why) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    why = std::string("cannot be read (") + std::strerror(errno) + ")";
    return false;
  }
  if (S_ISDIR(info.st_mode)) why = "a directory, not a result file (a run moves it aside to <name>.damaged)";
  else if (!S_ISREG(info.st_mode)) why = "not a regular file";
  else if (info.st_size > (off_t(256) << 20)) why = "larger than any result file";
  if (!why.empty()) return false;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (!in && !in.eof()) {
    why = "cannot be read";
    return false;
  }
  text = buffer.str();
  return true;
}

static std::string type_problem(const json& object, const char* key, bool (json::*is_type)() const,
                                const char* type) {
  if (!object.contains(key)) return std::string("no \"") + key + "\"";
  if (!(object.at(key).*is_type)()) return std::string("\"") + key + "\" is not " + type;
  return "";
}

std::string result_document_problem(const json& result) {
  if (!result.is_object()) return "not a JSON object";
  if (!result.contains("schema_version")) return "no \"schema_version\"";
  if (!is_supported_schema(result.at("schema_version")))
    return "unsupported schema_version " + result.at("schema_version").dump();
  const std::pair<const char*, bool (json::*)() const> required[] = {
      {"task", &json::is_object}, {"encoding", &json::is_object}, {"seed", &json::is_number_integer},
      {"config", &json::is_object}, {"status", &json::is_string}, {"train", &json::is_object},
      {"eval", &json::is_object}};
  // A cell the encoding cannot serve may be recorded without train/eval sections.
  const bool not_applicable = result.contains("status") && result.at("status") == "not_applicable";
  for (const auto& [key, is_type] : required) {
    if (not_applicable && (std::string(key) == "train" || std::string(key) == "eval")) continue;
    const char* type = is_type == &json::is_object ? "an object" : is_type == &json::is_string ? "a string" : "an integer";
    const std::string problem = type_problem(result, key, is_type, type);
    if (!problem.empty()) return problem;
  }
  for (const char* key : {"name", "label"})
    for (const char* owner : {"task", "encoding"})
      if (!result.at(owner).contains(key) || !result.at(owner).at(key).is_string())
        return std::string("\"") + owner + "." + key + "\" is missing or not a string";
  if (!result.contains("eval")) return "";
  const json& eval = result.at("eval");
  for (const char* key : {"id_accuracy", "ood_accuracy"})
    if (eval.contains(key) && !eval.at(key).is_number() && !eval.at(key).is_null())
      return std::string("\"eval.") + key + "\" is not a number";
  if (eval.contains("splits") && !eval.at("splits").is_array()) return "\"eval.splits\" is not a list";
  return "";
}

ExistingResult check_existing_result(const fs::path& path, const Cell& cell, std::string* damage) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0 && errno == ENOENT) return ExistingResult::none;
  std::string text, why;
  if (read_regular_file(path, text, why)) {
    try {
      const json result = json::parse(text);
      why = result_document_problem(result);
      if (why.empty()) {
        if (result_identity(result) != cell.identity_json()) return ExistingResult::different;
        return result.at("status") == "failed" ? ExistingResult::failed : ExistingResult::done;
      }
    } catch (const json::exception& error) {
      why = dynamic_cast<const json::parse_error*>(&error) ? "malformed JSON" : "not a complete result";
    }
  }
  if (damage) *damage = why;
  return ExistingResult::unreadable;
}

fs::path move_damaged_result_aside(const fs::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) return {};  // rename replaces anything else
  for (int k = 0; k < 1000; ++k) {
    const fs::path aside = path.string() + ".damaged" + (k ? "." + std::to_string(k) : "");
    if (::lstat(aside.c_str(), &info) == 0) continue;
    if (::rename(path.c_str(), aside.c_str()) == 0) return aside;
    break;
  }
  throw RuntimeError("cannot move the directory '" + path.string() + "' out of the way of its result file: " +
                     std::strerror(errno));
}

bool is_result_file_name(const std::string& name) {
  const std::string prefix = "seed", suffix = ".json";
  if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return false;
  const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  return digits.size() <= 10 && digits.find_first_not_of("0123456789") == std::string::npos &&
         (digits.size() == 1 || digits[0] != '0');
}

std::vector<fs::path> find_result_files(const fs::path& dir, std::vector<std::string>& warnings) {
  std::vector<fs::path> files;
  std::error_code ec;
  auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& path = it->path();
    const std::string name = path.filename().string();
    const bool json_name = path.extension() == ".json";
    if (!json_name) continue;
    if (!is_result_file_name(name)) {
      warnings.push_back("warning: skipping " + path.string() + ": not a pebench result (results are named seed<k>.json)");
      continue;
    }
    std::error_code status_error;
    const fs::file_status status = fs::status(path, status_error);
    if (status_error)
      warnings.push_back("warning: skipping " + path.string() + ": cannot be read (" + status_error.message() + ")");
    else if (status.type() != fs::file_type::regular)
      warnings.push_back("warning: skipping " + path.string() + ": " +
                         (status.type() == fs::file_type::directory ? "a directory" : "not a regular file") +
                         ", not a result file");
    else
      files.push_back(path);
  }
  if (ec) warnings.push_back("warning: stopped reading " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace pebench
