// CSV reports for spreadsheets and pandas. Numbers without a value are "NA",
// never blank or 0.
// - "csv" (wide): one row per task × encoding with the aggregate, interval
//   and seed statistics of ID and OOD accuracy, the flags and the verdict.
// - "csv-long" (tidy): one row per task × encoding × seed × split × length
//   with accuracy, sequence accuracy, n, the 95% interval over sequences and
//   the configuration fields that matter (d_model, n_layers, steps, lr), the
//   cell's parameter count and training tokens/s.
// - "csv-curves" (tidy): the learning curves, one row per task × encoding ×
//   seed × evaluation (every train.eval_every steps, then the final one)
//   with ID, upper-half ID and OOD accuracy: what a training budget is
//   calibrated from (docs/calibration.md).
#include <fmt/core.h>

#include "harness/report/report_render.hpp"

namespace pebench {

namespace {

std::string num(double value) { return std::isfinite(value) ? fmt::format("{:.6g}", value) : "NA"; }

std::string stat_columns(const Entry& entry, const stats::SeedSummary& s, double value,
                         const stats::Interval& interval) {
  return fmt::format("{},{},{},{},{},{},{}", num(value), num(interval.lo), num(interval.hi), num(s.mean),
                     s.n >= 2 ? num(s.stddev) : "NA", num(s.median), num(s.max));
}

std::string render_wide(const Report& report) {
  std::string text =
      "family,task,encoding,kind,status,aggregate,n_ok,n_diverged,n_failed,n_not_applicable,"
      "id,id_lo,id_hi,id_mean,id_std,id_median,id_max,ood,ood_lo,ood_hi,ood_mean,ood_std,ood_median,ood_max,"
      "ood_normalized,chance_ood,collapsed,not_learned,best_ood,tie_ood\n";
  for (const auto& family : report.families)
    for (const auto& task : family.tasks)
      for (const auto& encoding : report.encodings) {
        const Entry& e = report.entry(task, encoding);
        const TaskInfo& info = report.tasks.at(task);
        text += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", family.family, task, encoding,
                            encoding_kind(report.encoding_names.at(encoding)), entry_status(e),
                            to_string(report.options.aggregate), e.ok, e.diverged, e.failed, e.not_applicable,
                            stat_columns(e, e.id, e.id_value, e.id_interval),
                            stat_columns(e, e.ood, e.ood_value, e.ood_interval),
                            num(chance_normalized(e.ood_value, info.chance_ood)), num(info.chance_ood),
                            e.collapsed ? 1 : 0, e.not_learned ? 1 : 0, e.best_ood ? 1 : 0, e.tie_ood ? 1 : 0);
      }
  return text;
}

std::string config_number(const json& config, const char* section, const char* key) {
  if (!config.is_object() || !config.contains(section) || !config.at(section).is_object()) return "NA";
  const json value = config.at(section).value(key, json());
  return value.is_number() ? value.dump() : "NA";
}

std::string render_long(const Report& report) {
  std::string text =
      "family,task,encoding,seed,status,split,kind,length,accuracy,sequence_accuracy,n,lo,hi,per_sequence,"
      "chance,collapsed,not_learned,d_model,n_layers,steps,lr,num_parameters,tokens_per_s,schema,file\n";
  for (const auto& family : report.families)
    for (const auto& task : family.tasks)
      for (const auto& encoding : report.encodings)
        for (const auto* r : report.entry(task, encoding).seeds) {
          const std::string config = fmt::format(
              "{},{},{},{},{},{}", config_number(r->config, "model", "d_model"),
              config_number(r->config, "model", "n_layers"), config_number(r->config, "train", "steps"),
              config_number(r->config, "train", "lr"), r->num_parameters > 0 ? std::to_string(r->num_parameters) : "NA",
              num(r->tokens_per_s));
          const bool collapsed = is_collapsed(*r, report.options.collapse_share);
          const bool not_learned = r->learned_accuracy() < report.options.learned_threshold;
          for (const auto& split : r->splits)
            for (const auto& p : split.points)
              text += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", family.family, task,
                                  encoding, r->seed, r->status, split.name, split.kind, p.length, num(p.accuracy),
                                  num(p.sequence_accuracy), p.n, num(p.interval.lo), num(p.interval.hi),
                                  p.correct.empty() ? 0 : 1, num(split.chance), collapsed ? 1 : 0,
                                  not_learned ? 1 : 0, config, r->schema, r->file);
        }
  return text;
}

std::string render_curves(const Report& report) {
  std::string text = "family,task,encoding,seed,step,id_accuracy,id_upper_accuracy,ood_accuracy\n";
  for (const auto& family : report.families)
    for (const auto& task : family.tasks)
      for (const auto& encoding : report.encodings)
        for (const auto* r : report.entry(task, encoding).seeds)
          for (const auto& point : r->learning_curve)
            text += fmt::format("{},{},{},{},{},{},{},{}\n", family.family, task, encoding, r->seed, point.step,
                                num(point.id_accuracy), num(point.id_upper_accuracy), num(point.ood_accuracy));
  return text;
}

}  // namespace

PEBENCH_REPORT_PRINTER("csv", "CSV, one row per task × encoding", {".csv"}, render_wide);
PEBENCH_REPORT_PRINTER("csv-long", "tidy CSV, one row per task × encoding × seed × split × length", {}, render_long);
PEBENCH_REPORT_PRINTER("csv-curves", "tidy CSV of learning curves, one row per task × encoding × seed × evaluation", {},
                       render_curves);

}  // namespace pebench
