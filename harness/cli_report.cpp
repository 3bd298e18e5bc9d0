// `pebench report [DIR] [--out PATH] [--format md|csv|html]`: reads every
// result file under DIR (default results/quick) and prints the report, or
// writes it to PATH (atomically). Without --format, the format follows PATH's
// extension (.html, .csv), else Markdown.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "common/errors.hpp"
#include "common/quote.hpp"
#include "harness/atomic_file.hpp"
#include "harness/cli.hpp"
#include "harness/grid_status.hpp"
#include "harness/report_render.hpp"

namespace pebench {

// Without --format, --out's extension must name a format: Markdown written
// into x.pdf would be a file no reader can open.
static ReportFormat format_for(const std::string& format, const std::string& out) {
  if (!format.empty()) return parse_report_format(format);
  const std::string extension = std::filesystem::path(out).extension().string();
  if (extension == ".html" || extension == ".htm") return ReportFormat::html;
  if (extension == ".csv") return ReportFormat::csv;
  if (out.empty() || extension == ".md" || extension == ".markdown" || extension == ".txt")
    return ReportFormat::markdown;
  throw UsageError("--out: cannot tell the report format from " + quote_value(out) +
                   " (use .md, .csv or .html, or give --format)");
}

void add_report_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("report", "Aggregate result files into tables (Markdown, CSV or HTML)");
  auto dir = std::make_shared<std::string>("results/quick");
  auto out = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>();
  cmd->add_option("dir", *dir, "Directory of result files (searched recursively)")->capture_default_str();
  cmd->add_option("--out", *out, "Write the report to this file instead of stdout");
  cmd->add_option("--format", *format, "md | csv | html (default: from --out's extension, else md)");
  reject_empty_values(*cmd);
  cmd->callback([dir, out, format] {
    const ReportFormat chosen = format_for(*format, *out);
    std::vector<std::string> warnings;
    const std::string text = with_grid_coverage(*dir, chosen, make_report(*dir, chosen, warnings), warnings);
    for (const auto& warning : warnings) std::fprintf(stderr, "pebench: %s\n", printable(warning).c_str());
    if (out->empty()) std::cout << text;
    else write_file_atomically(*out, text);
  });
}

}  // namespace pebench
