// Report printers: each format of `pebench report` is one file in
// harness/report/printers/ that registers itself with PEBENCH_REPORT_PRINTER (like
// tasks and encodings do), so a new format is one new file. A printer only
// formats a Report (report_data.hpp); the helpers below keep the wording of
// entries the same in every format.
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/registry.hpp"
#include "harness/report/report_data.hpp"

namespace pebench {

struct ReportPrinter {
  std::string description;
  std::vector<std::string> extensions;  // e.g. {".md"}: --out with one of them selects this printer
  std::function<std::string(const Report&)> render;
};

Registry<ReportPrinter>& report_printers();

struct ReportPrinterRegistrar {
  // abi_tag: see common/plugin_abi.hpp (checked only while a plugin loads).
  ReportPrinterRegistrar(const std::string& name, ReportPrinter printer, const char* abi_tag = PEBENCH_PLUGIN_ABI_TAG);
};

#define PEBENCH_REPORT_PRINTER_CONCAT_INNER(a, b) a##b
#define PEBENCH_REPORT_PRINTER_CONCAT(a, b) PEBENCH_REPORT_PRINTER_CONCAT_INNER(a, b)
#define PEBENCH_REPORT_PRINTER(name, ...)                                                                 \
  static ::pebench::ReportPrinterRegistrar PEBENCH_REPORT_PRINTER_CONCAT(pebench_report_printer_, __LINE__)( \
      name, ::pebench::ReportPrinter{__VA_ARGS__})

// The printer name for --format (if given) or --out's extension; "md" when
// both are empty. UsageError for an unknown format, or for an --out whose
// extension no printer claims when --format is not given.
std::string choose_report_format(const std::string& format, const std::string& out);

// Reads every result under `dir` and renders it with printer `format`.
// Warnings (files skipped, mixed configurations) go to `warnings`. UsageError
// if `dir` does not exist or holds no result file.
std::string make_report(const std::filesystem::path& dir, const std::string& format, const ReportOptions& options,
                        std::vector<std::string>& warnings);

// ---- Wording shared by the printers ----
// "0.812 ± 0.034" (value and 95% half-width), "0.812" when there is no
// interval; "missing", "n/a" (not applicable, or no split of that kind),
// "diverged", "failed" when no seed has a value.
std::string entry_text(const Entry& entry, bool ood);
// ok | missing | not_applicable | diverged | failed | mixed (some seeds ok, some not)
std::string entry_status(const Entry& entry);
// "collapsed", "not learned", "collapsed, not learned" or "".
std::string degenerate_text(const Entry& entry);
// "0.812" or "-" for NaN; with `digits` decimals.
std::string format_number(double value, int digits = 3);
std::string format_p(double p);  // "0.003", "<1e-4", "-"
// The kind of an encoding for grouping charts: absolute | relative |
// randomized | adaptive (contextual / data-dependent) | other.
std::string encoding_kind(const std::string& encoding_name);
extern const char* const kEncodingKinds[5];
// One paragraph saying what the intervals are for this report's schemas.
std::string interval_explanation(const Report& report);
// "collapsed (c): ..., not learned (n): ..." thresholds, one sentence.
std::string degenerate_explanation(const Report& report);

}  // namespace pebench
