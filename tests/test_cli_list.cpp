// `pebench list`: end to end through the binary.
#include <gtest/gtest.h>

#include "tests/cli_runner.hpp"

using namespace pebench::testing;

TEST(CliList, EncodingsListsNope) {
  const auto result = run_pebench("list encodings");
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("nope"), std::string::npos);
}

TEST(CliList, UnknownWhatIsAUsageErrorWithOneLine) {
  const auto result = run_pebench("list encodingz");
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(count_lines(result.err), 1) << result.err;
  EXPECT_NE(result.err.find("closest: encodings"), std::string::npos) << result.err;
  EXPECT_TRUE(result.out.empty());
}

TEST(CliList, UnknownFlagIsAUsageError) {
  const auto result = run_pebench("list tasks --frobnicate");
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(count_lines(result.err), 1) << result.err;
}
