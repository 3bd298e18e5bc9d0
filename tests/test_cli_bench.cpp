// `pebench bench`: bad input is refused before any timing starts (exit 2, one
// line on stderr, nothing on stdout). The timing itself is not run here: it
// takes seconds to minutes by design.
#include <gtest/gtest.h>

#include "tests/cli_runner.hpp"

using namespace pebench::testing;

namespace {

void expect_usage_error(const std::string& args, const std::string& mentioned) {
  const auto result = run_pebench(args);
  EXPECT_EQ(result.status, 2) << args;
  EXPECT_EQ(count_lines(result.err), 1) << result.err;
  EXPECT_NE(result.err.find(mentioned), std::string::npos) << result.err;
  EXPECT_TRUE(result.out.empty()) << result.out;
}

TEST(CliBench, UnknownShapeIsAUsageError) { expect_usage_error("bench --shape huge", "--shape"); }

TEST(CliBench, StepsOutOfRangeIsAUsageError) { expect_usage_error("bench --steps 0", "--steps"); }

TEST(CliBench, ThreadsOutOfRangeIsAUsageError) { expect_usage_error("bench --threads 0", "--threads"); }

TEST(CliBench, UnknownEncodingIsAUsageErrorWithSuggestions) {
  expect_usage_error("bench --encoding rope,alibbi", "closest: alibi");
}

TEST(CliBench, EmptyNameInTheEncodingListIsAUsageError) { expect_usage_error("bench --encoding rope,", "empty"); }

TEST(CliBench, UnknownFlagIsAUsageError) { expect_usage_error("bench --fast", "--fast"); }

TEST(CliBench, HelpDescribesEveryOption) {
  const auto result = run_pebench("bench --help");
  EXPECT_EQ(result.status, 0);
  for (const char* option : {"--encoding", "--shape", "--steps", "--threads", "--data"})
    EXPECT_NE(result.out.find(option), std::string::npos) << option;
}

}  // namespace

namespace {

// xPos has a bidirectional extension (docs/encodings.md#xpos), so a
// bidirectional shape measures it like any other encoding (a causal-only
// encoding would be listed as "causal only" instead of aborting the table).
// The quick shape is bidirectional like CHE's and a fraction of its cost.
TEST(CliBench, XposIsMeasuredOnABidirectionalShape) {
  const auto result = run_pebench("bench --shape quick --steps 1 --threads 1 --encoding xpos");
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("xpos"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("causal only"), std::string::npos) << result.out;
}

}  // namespace
