// Error kinds that map to the CLI's exit statuses (docs/architecture.md#exit-statuses):
//   UsageError   -> exit 2: a bad flag, name, value or config; one line on stderr.
//   RuntimeError -> exit 1: something failed while running valid input.
// Throw these from anywhere; only the CLI entry point turns them into exit codes.
#pragma once
#include <stdexcept>
#include <string>

namespace pebench {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct RuntimeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace pebench
