// `pebench report`: placeholder until its issue lands.
#include "common/errors.hpp"
#include "harness/cli.hpp"

namespace pebench {

void add_report_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("report", "(not implemented yet)");
  cmd->callback([] { throw RuntimeError("'pebench report' is not implemented yet"); });
}

}  // namespace pebench
