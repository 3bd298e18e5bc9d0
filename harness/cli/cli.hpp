// The `pebench` subcommands (docs/architecture.md#command-line). Each add_*_command registers one
// CLI11 subcommand whose callback does the work; callbacks report bad input by
// throwing UsageError (exit 2) and runtime failures by RuntimeError (exit 1).
#pragma once
#include <CLI/CLI.hpp>

namespace pebench {

void add_list_command(CLI::App& app);    // harness/cli/cli_list.cpp
void add_sample_command(CLI::App& app);  // harness/cli/cli_sample.cpp
void add_run_command(CLI::App& app);     // harness/cli/cli_run.cpp
void add_report_command(CLI::App& app);  // harness/cli/cli_report.cpp
void add_compare_command(CLI::App& app); // harness/cli/cli_compare.cpp
void add_bench_command(CLI::App& app);   // harness/bench/cli_bench.cpp
void add_eval_command(CLI::App& app);    // harness/cli/cli_eval.cpp

// Adds a check to every option of `command` that takes a value: an empty
// value (--tasks "") is a usage error, never "all" or "the default".
void reject_empty_values(CLI::App& command);  // harness/cli/cli_flags.cpp
// A validator for a decimal integer in [lo, hi]: rejects what CLI11 would
// otherwise clamp (18446744073709551615 into a long long).
CLI::Validator whole_number(long long lo, long long hi);
void add_status_command(CLI::App& app);  // harness/cli/cli_status.cpp

// Rejects a flag value outside [lo, hi] with one line naming the flag.
void check_range(const char* flag, long long value, long long lo, long long hi);

}  // namespace pebench
