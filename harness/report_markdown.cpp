// Markdown report: ranking, then per family an OOD and an ID table
// (task × encoding), best entries in bold, then warnings.
#include <fmt/core.h>

#include "harness/report_render.hpp"

namespace pebench {

static std::string table_header(const std::vector<std::string>& encodings) {
  std::string header = "| task |", rule = "|---|";
  for (const auto& encoding : encodings) {
    header += " " + encoding + " |";
    rule += "---|";
  }
  return header + "\n" + rule + "\n";
}

static std::string accuracy_table(const Report& report, const FamilyTable& family, bool ood) {
  std::string text = table_header(report.encodings);
  for (const auto& task : family.tasks) {
    text += "| " + task + " |";
    for (const auto& encoding : report.encodings) {
      const PairSummary& pair = report.pairs.at({task, encoding});
      const bool best = ood ? pair.best_ood : pair.best_id;
      const std::string entry = pair_text(pair, ood);
      text += " " + (best ? "**" + entry + "**" : entry) + " |";
    }
    text += "\n";
  }
  return text;
}

static std::string ranking_table(const Report& report) {
  std::string text =
      "| rank | encoding | mean OOD accuracy | tasks with a value | tasks won |\n|---:|---|---:|---:|---:|\n";
  int rank = 0;
  for (const auto& entry : report.ranking)
    text += fmt::format("| {} | {} | {} | {} of {} | {} |\n", ++rank, entry.encoding, format_accuracy(entry.mean_ood),
                        entry.tasks_with_value, report.total_tasks, entry.tasks_won);
  return text;
}

std::string render_markdown(const Report& report) {
  std::string text = "# pebench report\n\n";
  text += fmt::format("Source: `{}`: {} result files, {} tasks, {} encodings.\n\n", report.source, report.files,
                      report.total_tasks, report.encodings.size());
  text +=
      "Entries: accuracy mean ± sample std over seeds (n = seeds with status ok); **bold** = best encoding of the "
      "task. OOD accuracy = mean over a task's OOD splits of each split's mean over its lengths; ID likewise. "
      "`missing` = no result file, `diverged`/`failed` = no usable seed, `n/a` = the encoding does not apply to "
      "the task (not trained, not ranked).\n\n";
  text += "## Ranking of encodings (by tasks with a value, then mean OOD accuracy over them)\n\n" + ranking_table(report);
  for (const auto& family : report.families) {
    text += "\n## Family: " + family.family + "\n\n";
    text += "### OOD accuracy\n\n" + accuracy_table(report, family, true);
    text += "\n### ID accuracy\n\n" + accuracy_table(report, family, false);
  }
  if (!report.warnings.empty()) {
    text += "\n## Warnings\n\n";
    for (const auto& warning : report.warnings) text += "- " + warning + "\n";
  }
  return text;
}

}  // namespace pebench
