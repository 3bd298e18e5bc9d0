#include "harness/report/report_render.hpp"

#include <cmath>

#include <fmt/core.h>

#include "common/errors.hpp"

namespace pebench {

Registry<ReportPrinter>& report_printers() {
  static Registry<ReportPrinter> registry("report format");
  return registry;
}

ReportPrinterRegistrar::ReportPrinterRegistrar(const std::string& name, ReportPrinter printer, const char* abi_tag) {
  report_printers().add(name, std::move(printer), abi_tag);
}

std::string choose_report_format(const std::string& format, const std::string& out) {
  auto& printers = report_printers();
  if (!format.empty()) {
    if (format == "markdown") return "md";
    printers.get(format);  // UsageError naming the closest formats
    return format;
  }
  if (out.empty()) return "md";
  const std::string extension = std::filesystem::path(out).extension().string();
  std::vector<std::string> known;
  for (const auto& name : printers.names())
    for (const auto& claimed : printers.get(name).extensions) {
      if (claimed == extension) return name;
      known.push_back(claimed);
    }
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  throw UsageError("--out: cannot tell the format of '" + out + "' from its extension (known: " + list +
                   "); give --format");
}

std::string make_report(const std::filesystem::path& dir, const std::string& format, const ReportOptions& options,
                        std::vector<std::string>& warnings) {
  const ReportPrinter& printer = report_printers().get(format);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw UsageError("report: no such directory '" + dir.string() + "'");
  LoadedResults loaded = load_results(dir);
  if (loaded.records.empty())
    throw UsageError(fmt::format("report: no pebench result files under '{}' ({} other .json files skipped)",
                                 dir.string(), loaded.warnings.size()));
  const Report report = build_report(std::move(loaded), dir.string(), options);
  warnings = report.warnings;
  return printer.render(report);
}

std::string format_number(double value, int digits) {
  return std::isfinite(value) ? fmt::format("{:.{}f}", value, digits) : "-";
}

std::string format_p(double p) {
  if (!std::isfinite(p)) return "-";
  if (p < 1e-4) return "<1e-4";
  return p < 0.01 ? fmt::format("{:.4f}", p) : fmt::format("{:.3f}", p);
}

std::string entry_status(const Entry& entry) {
  if (entry.missing()) return "missing";
  const int problems = entry.diverged + entry.failed;
  if (entry.ok > 0) return problems > 0 ? "mixed" : "ok";
  if (entry.not_applicable > 0 && problems == 0) return "not_applicable";
  if (entry.failed == 0) return "diverged";
  return entry.diverged == 0 ? "failed" : "mixed";
}

std::string entry_text(const Entry& entry, bool ood) {
  if (entry.missing()) return "missing";
  const double value = ood ? entry.ood_value : entry.id_value;
  if (!std::isfinite(value)) {
    if (entry.ok > 0 || (entry.not_applicable > 0 && entry.diverged + entry.failed == 0)) return "n/a";
    return entry.diverged > 0 ? "diverged" : "failed";
  }
  const double half = ood ? entry.ood_half_width : entry.id_half_width;
  if (!std::isfinite(half)) return fmt::format("{:.3f}", value);
  return fmt::format("{:.3f} ± {:.3f}", value, half);
}

std::string degenerate_text(const Entry& entry) {
  if (entry.collapsed && entry.not_learned) return "collapsed, not learned";
  if (entry.collapsed) return "collapsed";
  return entry.not_learned ? "not learned" : "";
}

const char* const kEncodingKinds[5] = {"absolute", "relative", "randomized", "adaptive", "other"};

std::string encoding_kind(const std::string& name) {
  auto starts = [&](const char* prefix) { return name.rfind(prefix, 0) == 0; };
  if (starts("rand_")) return "randomized";
  if (name == "nope" || name == "sinusoidal" || name == "learned") return "absolute";
  if (starts("cope") || starts("dape") || starts("bipe")) return "adaptive";
  if (name == "rope" || name == "alibi" || name == "t5" || name == "fire" || name == "xpos" || name == "txl" ||
      starts("kerple") || starts("mep"))
    return "relative";
  return "other";
}

std::string interval_explanation(const Report& report) {
  std::string text = fmt::format(
      "Values are the **{}** over seeds of each cell's accuracy. ± is a 95% interval: over seeds (Student t) for the "
      "mean of two or more seeds; otherwise over the evaluation sequences of the seed shown",
      to_string(report.options.aggregate));
  if (report.schema_max >= 2)
    text += " (schema-2 files: Wilson interval with the effective sample size of sequences clustered by position)";
  if (report.schema_min < 2)
    text += "; schema-1 files have no per-sequence counts, so their interval is Wilson's with one trial per "
            "sequence, which is (up to a factor √(n/(n−1))) at least as wide as the clustered one, and their paired tests can only pair "
            "lengths (little power)";
  return text + ". Split and ID/OOD intervals combine the per-length standard errors.";
}

std::string degenerate_explanation(const Report& report) {
  return fmt::format(
      "`c` = collapsed (every seed predicts one class on ≥ {:.0f}% of its ID scored positions; needs schema 2), "
      "`n` = not learned (ID accuracy below {:.2f}, over the upper ID lengths where recorded). They are {} the "
      "ranking and the best-encoding tests.",
      100 * report.options.collapse_share, report.options.learned_threshold,
      report.options.include_degenerate ? "kept in (--include-degenerate)" : "left out of");
}

}  // namespace pebench
