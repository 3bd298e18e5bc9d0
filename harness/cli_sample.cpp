// `pebench sample`: placeholder until its issue lands.
#include "common/errors.hpp"
#include "harness/cli.hpp"

namespace pebench {

void add_sample_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("sample", "(not implemented yet)");
  cmd->callback([] { throw RuntimeError("'pebench sample' is not implemented yet"); });
}

}  // namespace pebench
