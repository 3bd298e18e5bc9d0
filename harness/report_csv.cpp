// CSV report: one row per task × encoding, for spreadsheets and scripts.
// status is ok | missing | not_applicable | diverged | failed | mixed (some seeds ok, some
// not); numbers without a value (and the std of a single seed) are "NA",
// never blank or 0.
#include <fmt/core.h>

#include "harness/report_render.hpp"

namespace pebench {

static std::string pair_status(const PairSummary& pair) {
  if (pair.missing()) return "missing";
  if (pair.inapplicable()) return "not_applicable";
  if (pair.diverged == 0 && pair.failed == 0) return "ok";
  if (pair.ok > 0) return "mixed";
  if (pair.failed == 0) return "diverged";
  return pair.diverged == 0 ? "failed" : "mixed";
}

static std::string stat_columns(const Stat& stat) {
  if (stat.n == 0) return "NA,NA";
  if (stat.n == 1) return fmt::format("{:.6f},NA", stat.mean);  // one seed: no spread
  return fmt::format("{:.6f},{:.6f}", stat.mean, stat.stddev);
}

std::string render_csv(const Report& report) {
  std::string text =
      "family,task,encoding,status,n_ok,n_diverged,n_failed,id_mean,id_std,ood_mean,ood_std,best_id,best_ood\n";
  for (const auto& family : report.families)
    for (const auto& task : family.tasks)
      for (const auto& encoding : report.encodings) {
        const PairSummary& pair = report.pairs.at({task, encoding});
        text += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", family.family, task, encoding, pair_status(pair),
                            pair.ok, pair.diverged, pair.failed, stat_columns(pair.id), stat_columns(pair.ood),
                            pair.best_id ? 1 : 0, pair.best_ood ? 1 : 0);
      }
  return text;
}

}  // namespace pebench
