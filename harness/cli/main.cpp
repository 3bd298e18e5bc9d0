// pebench: command-line entry point. Turns errors into exit statuses:
// 0 success, 2 usage/input error (one line on stderr), 1 runtime failure.
// Messages are printed with control characters escaped: they quote user
// input, and a newline in a value must not split the line.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/build_info.hpp"
#include "common/errors.hpp"
#include "common/quote.hpp"
#include "harness/cli/cli.hpp"
#include "harness/config/plugin_loader.hpp"
#include "harness/config/suites.hpp"

int main(int argc, char** argv) {
  CLI::App app{"pebench: a CPU benchmark suite for positional encodings and length generalization"};
  app.require_subcommand(1);
  app.set_version_flag("--version", pebench::build_version());
  // Options of every subcommand (given before or after it): fallthrough lets a
  // subcommand pass them up, and they take effect before its callback runs.
  app.fallthrough();
  auto plugins = std::make_shared<std::vector<std::string>>();
  auto suite_dirs = std::make_shared<std::vector<std::string>>();
  app.add_option("--plugin", *plugins, "Load an out-of-tree task/encoding library (repeatable; also PEBENCH_PLUGIN_PATH)")
      ->type_name("PATH")
      ->allow_extra_args(false);  // one value per flag: `--plugin P DIR` leaves DIR to the subcommand
  app.add_option("--suite-dir", *suite_dirs, "Also look for suites (NAME.json) here (repeatable; also PEBENCH_SUITES)")
      ->type_name("DIR")
      ->allow_extra_args(false);
  app.parse_complete_callback([plugins, suite_dirs] {
    pebench::set_suite_dirs(*suite_dirs);
    const char* plugin_path = std::getenv("PEBENCH_PLUGIN_PATH");
    pebench::load_plugins(*plugins, plugin_path ? plugin_path : "");
  });
  pebench::add_list_command(app);
  pebench::add_sample_command(app);
  pebench::add_run_command(app);
  pebench::add_report_command(app);
  pebench::add_compare_command(app);
  pebench::add_bench_command(app);
  pebench::add_eval_command(app);
  pebench::add_status_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "pebench: %s (see --help)\n", pebench::printable(e.what()).c_str());
    return 2;
  } catch (const pebench::UsageError& e) {
    std::fprintf(stderr, "pebench: %s\n", pebench::printable(e.what()).c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pebench: error: %s\n", pebench::printable(e.what()).c_str());
    return 1;
  }
  return 0;
}
