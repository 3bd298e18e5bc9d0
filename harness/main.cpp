// pebench: command-line entry point. Turns errors into exit statuses:
// 0 success, 2 usage/input error (one line on stderr), 1 runtime failure.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "common/errors.hpp"
#include "harness/cli.hpp"

int main(int argc, char** argv) {
  CLI::App app{"pebench: a CPU benchmark suite for positional encodings and length generalization"};
  app.require_subcommand(1);
  app.set_version_flag("--version", PEBENCH_VERSION);
  pebench::add_list_command(app);
  pebench::add_sample_command(app);
  pebench::add_run_command(app);
  pebench::add_report_command(app);
  pebench::add_compare_command(app);
  pebench::add_bench_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "pebench: %s (see --help)\n", e.what());
    return 2;
  } catch (const pebench::UsageError& e) {
    std::fprintf(stderr, "pebench: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pebench: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
