// `pebench compare DIR [--baseline ENC] [--encodings a,b] [--tasks x,y]
//  [--format md|csv|json] [--aggregate mean|median|max]` and
// `pebench compare DIR_A DIR_B [--encodings ..] [--tasks ..] [--format ..]`:
// paired comparisons (harness/report/compare.hpp) printed on stdout. Exit status 0
// whatever the verdict; 2 on bad input.
#include <iostream>

#include "common/errors.hpp"
#include "harness/cli/cli.hpp"
#include "harness/report/compare.hpp"
#include "harness/config/selection.hpp"

namespace pebench {

void add_compare_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "compare", "Paired comparison: encodings against a baseline in DIR, or the same cells in DIR_A and DIR_B");
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto baseline = std::make_shared<std::string>();
  auto encodings = std::make_shared<std::string>();
  auto tasks = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("md");
  auto aggregate = std::make_shared<std::string>("mean");
  cmd->add_option("dirs", *dirs, "DIR (baseline mode) or DIR_A DIR_B (two directories)")->required()->expected(1, 2);
  cmd->add_option("--baseline", *baseline, "Baseline encoding (default: the best mean rank); one directory only");
  cmd->add_option("--encodings", *encodings, "Comma list of encodings to compare (default: all)");
  cmd->add_option("--tasks", *tasks, "Comma list of tasks (default: all)");
  cmd->add_option("--format", *format, "md | csv | json")->capture_default_str();
  cmd->add_option("--aggregate", *aggregate, "Value shown per entry: mean | median | max over seeds")
      ->capture_default_str();
  cmd->callback([dirs, baseline, encodings, tasks, format, aggregate] {
    if (*format != "md" && *format != "markdown" && *format != "csv" && *format != "json")
      render_comparison(Comparison{}, *format);  // UsageError naming the formats
    CompareOptions options;
    options.baseline = *baseline;
    options.aggregate = parse_aggregate(*aggregate);
    if (!encodings->empty()) options.encodings = parse_name_list(*encodings, "--encodings");
    if (!tasks->empty()) options.tasks = parse_name_list(*tasks, "--tasks");
    Comparison comparison;
    if (dirs->size() == 2) {
      if (!baseline->empty()) throw UsageError("--baseline: only with one directory (two directories compare A and B)");
      comparison = compare_directories((*dirs)[0], (*dirs)[1], options);
    } else {
      comparison = compare_to_baseline((*dirs)[0], options);
    }
    for (const auto& warning : comparison.warnings) std::cerr << "pebench: " << warning << "\n";
    std::cout << render_comparison(comparison, *format);
  });
}

}  // namespace pebench
