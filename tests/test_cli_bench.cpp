// `pebench bench`: bad input is refused before any timing starts (exit 2, one
// line on stderr, nothing on stdout), and one short timing run on the smallest
// bidirectional shape shows that an encoding is measured there. The full
// benchmark is not run here: it takes minutes by design.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

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

TEST(CliBench, RoundsOutOfRangeIsAUsageError) { expect_usage_error("bench --rounds 0", "--rounds"); }

TEST(CliBench, ThreadsOutOfRangeIsAUsageError) { expect_usage_error("bench --threads 0", "--threads"); }

TEST(CliBench, UnknownPrecisionIsAUsageError) { expect_usage_error("bench --precision fp16", "--precision"); }

TEST(CliBench, UnknownEncodingIsAUsageErrorWithSuggestions) {
  expect_usage_error("bench --encoding rope,alibbi", "closest: alibi");
}

TEST(CliBench, EmptyNameInTheEncodingListIsAUsageError) {
  expect_usage_error("bench --encoding rope,", "--encoding: empty name in 'rope,'");
}

TEST(CliBench, UnknownFlagIsAUsageError) { expect_usage_error("bench --fast", "--fast"); }

TEST(CliBench, HelpDescribesEveryOption) {
  const auto result = run_pebench("bench --help");
  EXPECT_EQ(result.status, 0);
  for (const char* option : {"--encoding", "--shape", "--steps", "--rounds", "--threads", "--precision", "--data"})
    EXPECT_NE(result.out.find(option), std::string::npos) << option;
}

// Every encoding serves both attention modes, so the bidirectional shapes
// measure any of them; xPos's bidirectional form has its own hook-3 path
// (docs/encodings.md#xpos), which this runs end to end.
TEST(CliBench, XposIsMeasuredOnABidirectionalShape) {
  const auto result = run_pebench("bench --shape quick --steps 1 --threads 1 --encoding xpos");
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("\n  xpos "), std::string::npos) << result.out;
}

// The header says which precision was measured.
TEST(CliBench, Bf16PrecisionIsMeasuredAndNamed) {
  const auto result = run_pebench("bench --shape quick --steps 1 --threads 1 --precision bf16");
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find(", linear layers in bf16\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("train  nope"), std::string::npos) << result.out;
}

}  // namespace

namespace {
// The encoding's row of the comparison table ("\n  NAME  tok/s  ratio..."), or "".
std::string comparison_row(const std::string& out, const std::string& name) {
  const size_t at = out.find("\n  " + name + " ");
  return at == std::string::npos ? "" : out.substr(at + 1, out.find('\n', at + 1) - at - 1);
}
}  // namespace

TEST(CliBench, RoundsGiveEachRatioItsRangeOverTheRounds) {
  const auto result = run_pebench("bench --shape quick --steps 1 --threads 1 --encoding alibi --rounds 2");
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("(min-max over 2 rounds)"), std::string::npos) << result.out;
  const std::string row = comparison_row(result.out, "alibi");
  ASSERT_FALSE(row.empty()) << result.out;
  double speed = 0, ratio = 0, low = 0, high = 0;
  ASSERT_EQ(std::sscanf(row.c_str(), " alibi %lf %lf (%lf-%lf)", &speed, &ratio, &low, &high), 4) << row;
  EXPECT_GT(speed, 0);
  EXPECT_LE(low, ratio);
  EXPECT_LE(ratio, high);
}

TEST(CliBench, OneRoundShowsNoRange) {
  const auto result = run_pebench("bench --shape quick --steps 1 --threads 1 --encoding alibi");
  EXPECT_EQ(result.status, 0) << result.err;
  const std::string row = comparison_row(result.out, "alibi");
  ASSERT_FALSE(row.empty()) << result.out;
  EXPECT_EQ(row.find('('), std::string::npos) << row;
}
