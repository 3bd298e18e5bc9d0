// `pebench sample`: end to end through the binary (docs/tasks.md#sample-output).
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "tasks/task.hpp"
#include "tests/cli_runner.hpp"

using namespace pebench::testing;
using ordered_json = nlohmann::ordered_json;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Runs `pebench sample <args>`, expects success, and parses every line.
std::vector<ordered_json> sample_lines(const std::string& args) {
  const auto result = run_pebench("sample " + args);
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(result.err.empty()) << result.err;
  std::vector<ordered_json> parsed;
  for (const auto& line : lines_of(result.out)) parsed.push_back(ordered_json::parse(line));
  return parsed;
}

const char* kSmallFlipFlop = "flip_flop --options '{\"length\": 16, \"ood_length\": 32}'";

TEST(CliSample, PrintsOneJsonObjectPerLineWithTheDesignKeysInOrder) {
  const auto lines = sample_lines(std::string(kSmallFlipFlop) + " --count 3");
  ASSERT_EQ(lines.size(), 3u);
  const std::vector<std::string> keys = {"task", "split", "length", "tokens", "targets", "scored"};
  for (const auto& line : lines) {
    std::vector<std::string> line_keys;
    for (const auto& item : line.items()) line_keys.push_back(item.key());
    EXPECT_EQ(line_keys, keys);
    EXPECT_EQ(line["task"], "flip_flop");
    EXPECT_EQ(line["tokens"].size(), 16u);
    EXPECT_EQ(line["targets"].size(), 16u);
    EXPECT_EQ(line["scored"].size(), 16u);
  }
}

TEST(CliSample, DefaultsToTheFirstTrainSplitAtItsLargestLength) {
  const auto lines = sample_lines("counting");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["split"], "train");
  EXPECT_EQ(lines[0]["length"], 512);
}

TEST(CliSample, TokensAreNamesAndTargetsAreNullWhereThereIsNoLoss) {
  const auto line = sample_lines(std::string(kSmallFlipFlop) + " --split ood_dense").at(0);
  EXPECT_EQ(line["split"], "ood_dense");
  for (size_t t = 0; t < line["tokens"].size(); ++t) {
    const bool read = line["tokens"][t] == "r";
    EXPECT_EQ(line["targets"][t].is_null(), !read) << t;
    EXPECT_EQ(line["scored"][t], read ? 1 : 0) << t;
    if (read) {
      EXPECT_EQ(line["targets"][t], line["tokens"][t + 1]) << t;
    }
  }
}

TEST(CliSample, IdsPrintTheIdsOfTheSameTokens) {
  const auto named = sample_lines(std::string(kSmallFlipFlop) + " --seed 4").at(0);
  const auto ids = sample_lines(std::string(kSmallFlipFlop) + " --seed 4 --ids").at(0);
  const auto task = pebench::make_task("flip_flop");
  const auto input_vocab = task->input_vocab(), output_vocab = task->output_vocab();
  ASSERT_EQ(ids["tokens"].size(), named["tokens"].size());
  for (size_t t = 0; t < ids["tokens"].size(); ++t) {
    EXPECT_EQ(input_vocab.at(ids["tokens"][t].get<int>()), named["tokens"][t].get<std::string>());
    if (named["targets"][t].is_null()) {
      EXPECT_TRUE(ids["targets"][t].is_null()) << t;
    } else {
      EXPECT_EQ(output_vocab.at(ids["targets"][t].get<int>()), named["targets"][t].get<std::string>()) << t;
    }
  }
  EXPECT_EQ(ids["scored"], named["scored"]);
}

TEST(CliSample, ALongerCountOnlyAppendsLines) {
  const auto one = run_pebench(std::string("sample ") + kSmallFlipFlop + " --seed 7");
  const auto three = run_pebench(std::string("sample ") + kSmallFlipFlop + " --seed 7 --count 3");
  ASSERT_EQ(count_lines(three.out), 3);
  EXPECT_EQ(lines_of(three.out).at(0), lines_of(one.out).at(0));
}

TEST(CliSample, SameSeedSameOutputOtherSeedOtherOutput) {
  const std::string args = "sample selective_copy --length 40 --count 2 --seed ";
  EXPECT_EQ(run_pebench(args + "1").out, run_pebench(args + "1").out);
  EXPECT_NE(run_pebench(args + "1").out, run_pebench(args + "2").out);
}

TEST(CliSample, LengthAndOptionsReachTheTask) {
  const auto line = sample_lines("counting --length 30 --options '{\"variables\": 3}'").at(0);
  EXPECT_EQ(line["length"], 30);
  EXPECT_EQ(line["tokens"].size(), 30u);
  EXPECT_EQ(line["tokens"][28], "print");
}

TEST(CliSample, HelpExitsZero) {
  const auto result = run_pebench("sample --help");
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.out.find("--length"), std::string::npos);
}

// Bad input: exit 2, one line on stderr naming the problem, nothing on stdout.
struct BadSample {
  std::string name;  // the test's name
  std::string args;
  std::string message;  // a part of the one stderr line
};

class CliSampleBadInput : public ::testing::TestWithParam<BadSample> {};

TEST_P(CliSampleBadInput, ExitsTwoWithOneLineAndNoOutput) {
  const auto result = run_pebench("sample " + GetParam().args);
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(count_lines(result.err), 1) << result.err;
  EXPECT_NE(result.err.find(GetParam().message), std::string::npos) << result.err;
  EXPECT_TRUE(result.out.empty()) << result.out.substr(0, 200);
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, CliSampleBadInput,
    ::testing::Values(BadSample{"UnknownTask", "flip_flp", "unknown task 'flip_flp' (closest: flip_flop"},
                      BadSample{"MissingTask", "", "task is required"},
                      BadSample{"UnknownSplit", "flip_flop --split idd", "unknown split 'idd' (closest: id"},
                      BadSample{"ZeroLength", "flip_flop --length 0", "--length 0"},
                      BadSample{"LengthBelowMin", "flip_flop --length 2", "--length 2"},
                      BadSample{"NegativeLength", "flip_flop --length -3", "--length -3"},
                      BadSample{"HugeLength", "flip_flop --length 99999999999", "--length 99999999999"},
                      BadSample{"OverflowingLength", "flip_flop --length 999999999999999999999", "--length"},
                      BadSample{"NonNumericLength", "flip_flop --length abc", "--length"},
                      BadSample{"ZeroCount", "flip_flop --count 0", "--count 0"},
                      BadSample{"NegativeCount", "flip_flop --count -2", "--count -2"},
                      BadSample{"NonNumericCount", "flip_flop --count many", "--count"},
                      BadSample{"HugeCount", "flip_flop --count 100001", "--count 100001"},
                      BadSample{"TooManyTokens", "flip_flop --count 100000 --length 100000", "tokens"},
                      BadSample{"NegativeSeed", "flip_flop --seed -1", "--seed: '-1' is not an integer in [0, "},
                      BadSample{"MalformedOptions", "flip_flop --options '{bad'", "--options: malformed JSON: parse error at line 1, column 2"},
                      BadSample{"DuplicateOptionKey", "flip_flop --options '{\"length\": 8, \"length\": 9}'",
                                "--options: length: duplicate key"},
                      BadSample{"NonObjectOptions", "flip_flop --options '[1]'",
                                "task 'flip_flop': options: must be a JSON object, got an array"},
                      BadSample{"UnknownOption", "flip_flop --options '{\"lenght\": 8}'",
                                "task 'flip_flop': options.lenght: unknown key (closest: length)"},
                      BadSample{"BadOptionValue", "flip_flop --options '{\"length\": 1}'",
                                "task 'flip_flop': options.length: must be an integer in [3, 100000], got 1"},
                      BadSample{"UnknownFlag", "flip_flop --frobnicate", "frobnicate"}),
    [](const ::testing::TestParamInfo<BadSample>& info) { return info.param.name; });

}  // namespace
