// JSON report for scripts and CI gates. A stable schema ("report_schema": 1,
// documented in README.md, "pebench report --format json"): fields are only
// ever added; NaN (no value) is written as null.
#include "harness/report/report_render.hpp"

namespace pebench {

namespace {

json number(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

json accuracy_json(const stats::SeedSummary& s, double value, const stats::Interval& interval) {
  return {{"value", number(value)}, {"lo", number(interval.lo)}, {"hi", number(interval.hi)}, {"n", s.n},
          {"mean", number(s.mean)}, {"std", s.n >= 2 ? number(s.stddev) : json(nullptr)},
          {"median", number(s.median)}, {"max", number(s.max)}};
}

json entry_json(const Report& report, const std::string& task, const std::string& encoding) {
  const Entry& e = report.entry(task, encoding);
  json seeds = json::array();
  for (const auto* record : e.seeds) seeds.push_back(record->seed);
  return {{"task", task},
          {"encoding", encoding},
          {"status", entry_status(e)},
          {"seeds", {{"ok", e.ok}, {"diverged", e.diverged}, {"failed", e.failed},
                     {"not_applicable", e.not_applicable}, {"left_out", e.left_out}, {"pooled", seeds}}},
          {"id", accuracy_json(e.id, e.id_value, e.id_interval)},
          {"ood", accuracy_json(e.ood, e.ood_value, e.ood_interval)},
          {"ood_normalized", number(chance_normalized(e.ood_value, report.tasks.at(task).chance_ood))},
          {"collapsed", e.collapsed},
          {"not_learned", e.not_learned},
          {"best", e.best_ood},
          {"tie", e.tie_ood}};
}

json task_json(const TaskInfo& info) {
  json best = nullptr;
  if (!info.top.empty())
    best = {{"top", info.top}, {"runner_up", info.runner_up.empty() ? json(nullptr) : json(info.runner_up)},
            {"difference", info.runner_up.empty() ? json(nullptr) : number(info.best_difference)},
            {"p", info.runner_up.empty() ? json(nullptr) : number(info.best_p)},
            {"p_holm", info.runner_up.empty() ? json(nullptr) : number(info.best_p_holm)}};
  return {{"name", info.name},           {"family", info.family},          {"chance_id", number(info.chance_id)},
          {"chance_ood", number(info.chance_ood)}, {"learned_entries", info.learned_entries},
          {"splits", info.split_names},  {"best", best}};
}

std::string render_json(const Report& report) {
  json tasks = json::array(), entries = json::array();
  for (const auto& family : report.families)
    for (const auto& task : family.tasks) {
      tasks.push_back(task_json(report.tasks.at(task)));
      for (const auto& encoding : report.encodings) entries.push_back(entry_json(report, task, encoding));
    }
  const RankComparison& r = report.ranking;
  json ranked = json::array();
  for (size_t i = 0; i < r.encodings.size(); ++i)
    ranked.push_back({{"encoding", r.encodings[i]}, {"mean_rank", r.mean_ranks[i]}});
  const json ranking = {{"tasks", r.tasks},
                        {"encodings", ranked},
                        {"friedman", {{"chi_square", number(r.friedman.chi_square)},
                                      {"chi_square_p", number(r.friedman.chi_square_p)},
                                      {"iman_davenport_f", number(r.friedman.iman_davenport_f)},
                                      {"p", number(r.friedman.p_value)}}},
                        {"critical_difference", number(r.friedman.critical_difference)},
                        {"notes", r.notes}};
  const ReportOptions& o = report.options;
  json document = {{"report_schema", 1},
                   {"source", report.source},
                   {"files", report.files},
                   {"result_schemas", {report.schema_min, report.schema_max}},
                   {"options", {{"aggregate", to_string(o.aggregate)}, {"learned_threshold", o.learned_threshold},
                                {"collapse_share", o.collapse_share}, {"include_degenerate", o.include_degenerate},
                                {"alpha", o.alpha}}},
                   {"learned_tasks", report.learned_tasks()},
                   {"tasks", tasks},
                   {"entries", entries},
                   {"ranking", ranking},
                   {"warnings", report.warnings}};
  return document.dump(2) + "\n";
}

}  // namespace

PEBENCH_REPORT_PRINTER("json", "JSON (stable schema, see README)", {".json"}, render_json);

}  // namespace pebench
