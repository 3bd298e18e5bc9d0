// `pebench bench`: placeholder until its issue lands.
#include "common/errors.hpp"
#include "harness/cli.hpp"

namespace pebench {

void add_bench_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "(not implemented yet)");
  cmd->callback([] { throw RuntimeError("'pebench bench' is not implemented yet"); });
}

}  // namespace pebench
