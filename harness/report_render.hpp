// Renderers of a Report (report_data.hpp): Markdown (report_markdown.cpp),
// CSV (report_csv.cpp) and a self-contained HTML page with inline SVG charts
// (report_html.cpp). Every renderer shows missing, diverged and failed
// entries as such, never as blanks or zeros.
#pragma once
#include <filesystem>
#include <string>

#include "harness/report_data.hpp"

namespace pebench {

enum class ReportFormat { markdown, csv, html };
// "md" | "csv" | "html" (UsageError otherwise).
ReportFormat parse_report_format(const std::string& text);

std::string render_report(const Report& report, ReportFormat format);
std::string render_markdown(const Report& report);
std::string render_csv(const Report& report);
std::string render_html(const Report& report);

// Reads every result under `dir` and renders the report. Warnings (files
// skipped, mixed configurations) go to `warnings`. UsageError if `dir` does
// not exist or holds no result file.
std::string make_report(const std::filesystem::path& dir, ReportFormat format, std::vector<std::string>& warnings);

// The text of one table entry:
//   "0.812 ± 0.034 (n=3)", "0.812 ± 0.034 (n=2; 1 diverged)", "0.812 (n=1)",
//   "diverged (3)", "failed (1)", "missing", "n/a" (ok seeds, no such split kind; or
//   every seed not_applicable).
std::string pair_text(const PairSummary& pair, bool ood);
// "3 diverged, 1 failed" (empty when all seeds are ok).
std::string problem_counts(const PairSummary& pair);
// "0.812" or "-" for NaN.
std::string format_accuracy(double value);

}  // namespace pebench
