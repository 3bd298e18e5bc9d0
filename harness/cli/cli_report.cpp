// `pebench report [DIR] [--out PATH] [--format FMT] [--aggregate mean|median|max]
// [--learned-threshold X] [--include-degenerate]`: reads every result file
// under DIR (default results/quick) and prints the report, or writes it to
// PATH (atomically). Formats are the registered printers (harness/report/printers/);
// without --format the format follows PATH's extension, and an extension no
// printer claims is a usage error.
#include <cstdio>
#include <iostream>

#include "common/errors.hpp"
#include "common/quote.hpp"
#include "common/atomic_file.hpp"
#include "harness/cli/cli.hpp"
#include "harness/run/grid_status.hpp"
#include "harness/report/report_render.hpp"

namespace pebench {

void add_report_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("report", "Aggregate result files into tables and charts (md, csv, csv-long, csv-curves, json, html)");
  auto dir = std::make_shared<std::string>("results/quick");
  auto out = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>();
  auto aggregate = std::make_shared<std::string>("mean");
  auto options = std::make_shared<ReportOptions>();
  std::string formats;
  for (const auto& name : report_printers().names()) formats += (formats.empty() ? "" : " | ") + name;
  cmd->add_option("dir", *dir, "Directory of result files (searched recursively)")->capture_default_str();
  cmd->add_option("--out", *out, "Write the report to this file instead of stdout");
  cmd->add_option("--format", *format, formats + " (default: from --out's extension, else md)");
  cmd->add_option("--aggregate", *aggregate, "Aggregate over seeds: mean | median | max")->capture_default_str();
  cmd->add_option("--learned-threshold", options->learned_threshold,
                  "ID accuracy below which a cell is 'not learned'")
      ->capture_default_str();
  cmd->add_flag("--include-degenerate", options->include_degenerate,
                "Rank collapsed and not-learned cells by their numbers too");
  reject_empty_values(*cmd);
  cmd->callback([dir, out, format, aggregate, options] {
    const std::string chosen = choose_report_format(*format, *out);
    options->aggregate = parse_aggregate(*aggregate);
    if (!(options->learned_threshold >= 0.0 && options->learned_threshold <= 1.0))
      throw UsageError("--learned-threshold: must be between 0 and 1");
    std::vector<std::string> warnings;
    const std::string text = with_grid_coverage(*dir, chosen, make_report(*dir, chosen, *options, warnings), warnings);
    for (const auto& warning : warnings) std::fprintf(stderr, "pebench: %s\n", printable(warning).c_str());
    if (out->empty()) std::cout << text;
    else write_file_atomically(*out, text);
  });
}

}  // namespace pebench
