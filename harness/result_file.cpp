#include "harness/result_file.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>

namespace pebench {

namespace fs = std::filesystem;

const char* status_name(CellStatus status) {
  switch (status) {
    case CellStatus::ok: return "ok";
    case CellStatus::diverged: return "diverged";
    case CellStatus::failed: return "failed";
  }
  return "?";
}

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
  return {{"date", utc_now_iso8601()}, {"host", host_name()},       {"threads", threads},
          {"compiler", PEBENCH_COMPILER}, {"git", PEBENCH_GIT},     {"version", PEBENCH_VERSION},
          {"build_type", PEBENCH_BUILD_TYPE}};
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
static json scores_json(const EvalScores& scores, bool detailed) {
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
          {"ood_accuracy", number_or_null(scores.ood_accuracy)},
          {"aggregation", "split accuracy = mean over its lengths; id/ood accuracy = mean over splits of that kind"}};
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
                 {"status", status_name(outcome.status)}};
  if (outcome.status != CellStatus::ok) result["error"] = {{"message", outcome.message}, {"step", outcome.failed_step}};
  result["train"] = train_json(outcome);
  result["eval"] = scores_json(outcome.eval, true);
  result["eval"]["wall_time_s"] = outcome.eval_wall_s;
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

ExistingResult check_existing_result(const fs::path& path, const Cell& cell) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return ExistingResult::none;
  std::ifstream in(path);
  try {
    const json result = json::parse(in);
    if (!is_supported_schema(result.at("schema_version"))) return ExistingResult::unreadable;
    if (result_identity(result) != cell.identity_json()) return ExistingResult::different;
    return result.at("status") == "failed" ? ExistingResult::failed : ExistingResult::done;
  } catch (const json::exception&) {
    return ExistingResult::unreadable;
  }
}

}  // namespace pebench
