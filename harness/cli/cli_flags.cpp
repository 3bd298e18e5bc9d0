// Checks shared by every subcommand's flags (harness/cli/cli.hpp): an empty value
// is never "everything" or "the default", and an integer that does not fit is
// an error, never silently clamped.
#include <cerrno>
#include <climits>
#include <cstdlib>

#include "common/quote.hpp"
#include "harness/cli/cli.hpp"

namespace pebench {

void reject_empty_values(CLI::App& command) {
  const CLI::Validator non_empty(
      [](std::string& value) { return value.empty() ? std::string("must not be empty") : std::string(); }, "",
      "NON_EMPTY");
  for (CLI::Option* option : command.get_options())
    if (option->get_expected_min() > 0) option->check(non_empty);
}

CLI::Validator whole_number(long long lo, long long hi) {
  return CLI::Validator(
      [lo, hi](std::string& value) -> std::string {
        if (value.empty()) return std::string("must not be empty");
        const bool digits = !value.empty() && value.find_first_not_of("0123456789", value[0] == '-' ? 1 : 0) ==
                                                  std::string::npos && value != "-";
        errno = 0;
        char* end = nullptr;
        const long long parsed = digits ? std::strtoll(value.c_str(), &end, 10) : 0;
        if (!digits || errno == ERANGE || parsed < lo || parsed > hi)
          return quote_value(value) + " is not an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
        return std::string();
      },
      "", "WHOLE_NUMBER");
}

}  // namespace pebench
