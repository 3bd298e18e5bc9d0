// Markdown report, readable at ~120 columns: a summary (mean rank per
// encoding with Nemenyi's critical difference, the Friedman test, tasks
// learned), then per family one OOD and one ID table with encodings as rows
// and tasks as columns (split into several tables when wider than 120
// characters), per-split tables for tasks with several OOD splits (the memory
// tasks), and the warnings.
#include <algorithm>

#include <fmt/core.h>

#include "harness/report/report_render.hpp"

namespace pebench {

namespace {

constexpr size_t kMaxWidth = 120;

std::string seeds_line(const Report& report, const std::vector<std::string>& tasks) {
  int lo = 1 << 30, hi = 0;
  for (const auto& task : tasks)
    for (const auto& encoding : report.encodings) {
      const Entry& entry = report.entry(task, encoding);
      if (entry.ok == 0) continue;
      lo = std::min(lo, entry.ok);
      hi = std::max(hi, entry.ok);
    }
  if (hi == 0) return "no seed with a value";
  return lo == hi ? fmt::format("n = {} seed{} per entry", lo, lo == 1 ? "" : "s")
                  : fmt::format("n = {}–{} seeds per entry", lo, hi);
}

std::string cell_text(const Entry& entry, bool ood) {
  std::string text = entry_text(entry, ood);
  if (ood && entry.best_ood) text = "**" + text + "**";
  std::string flags;
  if (entry.collapsed) flags += "c";
  if (entry.not_learned) flags += "n";
  if (entry.ok > 0 && entry.diverged + entry.failed > 0) flags += "!";
  return flags.empty() ? text : text + " " + flags;
}

std::string verdict_text(const Report& report, const std::string& task) {
  const TaskInfo& info = report.tasks.at(task);
  if (info.top.empty()) return "-";
  if (info.runner_up.empty()) return info.top;
  const Entry& top = report.entry(task, info.top);
  if (top.best_ood) return fmt::format("{} (p={})", info.top, format_p(info.best_p_holm));
  return "tie";
}

// Columns (tasks) split so that no table is wider than kMaxWidth.
std::vector<std::vector<std::string>> column_chunks(const Report& report, const std::vector<std::string>& tasks,
                                                     size_t label_width, bool ood) {
  std::vector<std::vector<std::string>> chunks(1);
  size_t width = label_width + 4;
  for (const auto& task : tasks) {
    size_t column = task.size();
    for (const auto& encoding : report.encodings)
      column = std::max(column, cell_text(report.entry(task, encoding), ood).size());
    if (ood) column = std::max(column, verdict_text(report, task).size() + 2);
    if (!chunks.back().empty() && width + column + 3 > kMaxWidth) {
      chunks.emplace_back();
      width = label_width + 4;
    }
    chunks.back().push_back(task);
    width += column + 3;
  }
  return chunks;
}

std::string accuracy_table(const Report& report, const std::vector<std::string>& tasks, bool ood) {
  size_t label = 8;
  for (const auto& encoding : report.encodings) label = std::max(label, encoding.size());
  std::string text;
  for (const auto& chunk : column_chunks(report, tasks, label, ood)) {
    text += "| encoding |";
    std::string rule = "|---|";
    for (const auto& task : chunk) {
      text += " " + task + " |";
      rule += "---:|";
    }
    text += "\n" + rule + "\n| *chance* |";
    for (const auto& task : chunk) {
      const TaskInfo& info = report.tasks.at(task);
      text += " *" + format_number(ood ? info.chance_ood : info.chance_id) + "* |";
    }
    text += "\n";
    for (const auto& encoding : report.encodings) {
      text += "| " + encoding + " |";
      for (const auto& task : chunk) text += " " + cell_text(report.entry(task, encoding), ood) + " |";
      text += "\n";
    }
    if (ood) {
      text += "| *best* |";
      for (const auto& task : chunk) text += " *" + verdict_text(report, task) + "* |";
      text += "\n";
    }
    text += "\n";
  }
  return text;
}

// Per-split accuracy (aggregate over seeds of the split's accuracy) of one task.
std::string split_table(const Report& report, const std::string& task) {
  const TaskInfo& info = report.tasks.at(task);
  std::string text = "| encoding |", rule = "|---|";
  for (const auto& split : info.split_names) {
    text += " " + split + " |";
    rule += "---:|";
  }
  text += "\n" + rule + "\n";
  for (const auto& encoding : report.encodings) {
    const Entry& entry = report.entry(task, encoding);
    text += "| " + encoding + " |";
    for (const auto& split : info.split_names) {
      std::vector<double> values;
      for (const auto* record : entry.seeds)
        for (const auto& s : record->splits)
          if (s.name == split && std::isfinite(s.accuracy)) values.push_back(s.accuracy);
      const stats::SeedSummary summary = stats::summarize_seeds(values);
      double value = summary.mean;
      if (report.options.aggregate == Aggregate::median) value = summary.median;
      if (report.options.aggregate == Aggregate::max) value = summary.max;
      text += " " + (values.empty() ? entry_text(entry, true) : format_number(value)) + " |";
    }
    text += "\n";
  }
  return text;
}

std::string ranking_section(const Report& report) {
  const RankComparison& ranking = report.ranking;
  const stats::FriedmanResult& f = ranking.friedman;
  std::string text = "## Summary\n\n";
  text += fmt::format("- Tasks learned (some encoding reaches ID accuracy ≥ {:.2f} without collapsing): **{} of {}**.\n",
                      report.options.learned_threshold, report.learned_tasks(), report.total_tasks);
  if (ranking.encodings.size() < 2 || ranking.tasks.size() < 2) {
    text += "- No rank comparison: it needs two encodings and two tasks with values.\n";
  } else {
    text += fmt::format(
        "- Friedman test over {} tasks × {} encodings: χ²_F = {:.2f}, Iman–Davenport F = {:.2f}, **p = {}**{}.\n",
        ranking.tasks.size(), ranking.encodings.size(), f.chi_square, f.iman_davenport_f, format_p(f.p_value),
        f.p_value < report.options.alpha ? "" : " (the encodings' ranks do not differ significantly)");
    text += fmt::format(
        "- Nemenyi critical difference (α = 0.05): **CD = {:.2f}** ranks. Encodings whose mean ranks differ by less "
        "than CD are not distinguishable; `=` marks those within CD of the best.\n",
        f.critical_difference);
  }
  for (const auto& note : ranking.notes) text += "- Rank comparison: " + note + ".\n";
  if (ranking.encodings.empty()) return text;
  text += "\n| rank | encoding | mean rank | within CD of best | tasks learned | best on |\n"
          "|---:|---|---:|:---:|---:|---:|\n";
  for (size_t i = 0; i < ranking.encodings.size(); ++i) {
    const std::string& encoding = ranking.encodings[i];
    int learned = 0, best = 0;
    for (const auto& [task, info] : report.tasks) {
      const Entry& entry = report.entry(task, encoding);
      learned += entry.has_value() && !entry.degenerate();
      best += entry.best_ood;
    }
    const bool within = ranking.mean_ranks[i] - ranking.mean_ranks[0] < f.critical_difference;
    text += fmt::format("| {} | {} | {:.2f} | {} | {} | {} |\n", i + 1, encoding, ranking.mean_ranks[i],
                        within ? "=" : "", learned, best);
  }
  return text;
}

std::string render_markdown(const Report& report) {
  std::string text = "# pebench report\n\n";
  text += fmt::format("Source: `{}`: {} result files (schema {}), {} tasks, {} encodings. Aggregate over seeds: "
                      "**{}**.\n\n",
                      report.source, report.files,
                      report.schema_min == report.schema_max ? std::to_string(report.schema_min)
                                                             : fmt::format("{}–{}", report.schema_min, report.schema_max),
                      report.total_tasks, report.encodings.size(), to_string(report.options.aggregate));
  text += ranking_section(report);
  text += "\n## How to read the tables\n\n" + interval_explanation(report) + "\n\n";
  text += "**Bold** = best encoding of the task: the top value beats the runner-up in a paired test over the same "
          "sequences and seeds after Holm's correction over tasks; the *best* row names it with its adjusted p, or "
          "says `tie`. " +
          degenerate_explanation(report) +
          " `!` = some seeds diverged or failed (pooled over the rest). *chance* = majority-class accuracy of the "
          "evaluation data (schema 2). OOD accuracy = mean over a task's OOD splits of each split's mean over its "
          "lengths; ID likewise.\n";
  for (const auto& family : report.families) {
    text += fmt::format("\n## Family: {} ({})\n\n", family.family, seeds_line(report, family.tasks));
    text += "### OOD accuracy\n\n" + accuracy_table(report, family.tasks, true);
    text += "### ID accuracy\n\n" + accuracy_table(report, family.tasks, false);
    for (const auto& task : family.tasks)
      if (report.tasks.at(task).split_names.size() > 2)
        text += "### " + task + ": accuracy per split\n\n" + split_table(report, task) + "\n";
  }
  if (!report.warnings.empty()) {
    text += "## Warnings\n\n";
    for (const auto& warning : report.warnings) text += "- " + warning + "\n";
  }
  return text;
}

}  // namespace

PEBENCH_REPORT_PRINTER("md", "Markdown: summary, ranking and per-family tables", {".md"}, render_markdown);

}  // namespace pebench
