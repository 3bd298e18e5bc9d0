// `pebench run`: placeholder until its issue lands.
#include "common/errors.hpp"
#include "harness/cli.hpp"

namespace pebench {

void add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "(not implemented yet)");
  cmd->callback([] { throw RuntimeError("'pebench run' is not implemented yet"); });
}

}  // namespace pebench
