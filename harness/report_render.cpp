#include "harness/report_render.hpp"

#include <cmath>

#include <fmt/core.h>

#include "common/errors.hpp"
#include "common/registry.hpp"

namespace pebench {

ReportFormat parse_report_format(const std::string& text) {
  if (text == "md" || text == "markdown") return ReportFormat::markdown;
  if (text == "csv") return ReportFormat::csv;
  if (text == "html") return ReportFormat::html;
  throw UsageError("--format: " + unknown_name_message("format", text, {"md", "csv", "html"}));
}

std::string render_report(const Report& report, ReportFormat format) {
  switch (format) {
    case ReportFormat::markdown: return render_markdown(report);
    case ReportFormat::csv: return render_csv(report);
    case ReportFormat::html: return render_html(report);
  }
  return render_markdown(report);
}

std::string make_report(const std::filesystem::path& dir, ReportFormat format, std::vector<std::string>& warnings) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw UsageError("report: no such directory '" + dir.string() + "'");
  const LoadedResults loaded = load_results(dir);
  const Report report = build_report(loaded, dir.string());
  warnings = report.warnings;
  if (loaded.records.empty())
    throw UsageError(fmt::format("report: no pebench result files under '{}' ({} other .json files skipped)",
                                 dir.string(), loaded.warnings.size()));
  return render_report(report, format);
}

std::string format_accuracy(double value) { return std::isfinite(value) ? fmt::format("{:.3f}", value) : "-"; }

std::string problem_counts(const PairSummary& pair) {
  std::string text;
  if (pair.diverged > 0) text = fmt::format("{} diverged", pair.diverged);
  if (pair.failed > 0) text += fmt::format("{}{} failed", text.empty() ? "" : ", ", pair.failed);
  return text;
}

std::string pair_text(const PairSummary& pair, bool ood) {
  if (pair.missing()) return "missing";
  if (pair.inapplicable()) return "n/a";
  const Stat& stat = ood ? pair.ood : pair.id;
  if (stat.n == 0) {
    if (pair.ok > 0) return "n/a";
    std::string text;
    if (pair.diverged > 0) text = fmt::format("diverged ({})", pair.diverged);
    if (pair.failed > 0) text += fmt::format("{}failed ({})", text.empty() ? "" : ", ", pair.failed);
    return text;
  }
  const std::string problems = problem_counts(pair);
  // One seed has no spread to show: "± 0.000" would claim one.
  const std::string spread = stat.n > 1 ? fmt::format(" ± {:.3f}", stat.stddev) : "";
  return fmt::format("{:.3f}{} (n={}{})", stat.mean, spread, stat.n, problems.empty() ? "" : "; " + problems);
}

}  // namespace pebench
