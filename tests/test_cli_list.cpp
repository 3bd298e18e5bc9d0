// `pebench list`: end to end through the binary.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/cli_runner.hpp"

using namespace pebench::testing;

namespace {

// The line of `text` that starts with `name` followed by a space; empty if none.
std::string line_of(const std::string& text, const std::string& name) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(name + " ", 0) == 0) return line;
  return "";
}

}  // namespace

TEST(CliList, EncodingsListsNope) {
  const auto result = run_pebench("list encodings");
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("nope"), std::string::npos);
}

TEST(CliList, EncodingsShowKindCitationAndParametersWithDefaults) {
  const auto result = run_pebench("list encodings");
  ASSERT_EQ(result.status, 0) << result.err;
  const std::string rope = line_of(result.out, "rope");
  EXPECT_NE(rope.find(" rotary "), std::string::npos) << rope;
  EXPECT_NE(rope.find("Su et al. 2021 (RoFormer)"), std::string::npos) << rope;
  EXPECT_NE(rope.find("base=10000"), std::string::npos) << rope;
  const std::string fire = line_of(result.out, "fire");
  EXPECT_NE(fire.find(" additive_bias "), std::string::npos) << fire;
  EXPECT_NE(fire.find("L0=64.0 eps=1e-06 init_c=0.1 mlp_width=32"), std::string::npos) << fire;
  const std::string alibi = line_of(result.out, "alibi");
  EXPECT_NE(alibi.find("Press et al. 2022 (ALiBi)"), std::string::npos) << alibi;
  EXPECT_EQ(alibi.substr(alibi.size() - 2), " -") << "no options: " << alibi;
  EXPECT_NE(line_of(result.out, "cope").find("npos=max_seq_len"), std::string::npos) << "strings unquoted";
}

TEST(CliList, EncodingsJsonHasKindCitationSummaryAndParamsForEach) {
  const auto result = run_pebench("list encodings --json");
  ASSERT_EQ(result.status, 0) << result.err;
  const auto all = nlohmann::json::parse(result.out);
  ASSERT_FALSE(all.empty());
  for (const auto& encoding : all) {
    for (const char* key : {"kind", "citation", "summary"}) {
      ASSERT_TRUE(encoding.at(key).is_string()) << encoding.dump();
      EXPECT_FALSE(encoding.at(key).get<std::string>().empty()) << key << " of " << encoding.dump();
    }
    EXPECT_TRUE(encoding.at("params").is_object()) << encoding.dump();
  }
  EXPECT_EQ(all[0]["name"], "alibi");
  EXPECT_EQ(all[0]["kind"], "additive_bias");
  EXPECT_EQ(all[0]["params"], nlohmann::json::object());
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
