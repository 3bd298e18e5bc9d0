// Reading suite files strictly (common/strict_json.hpp): every problem of
// the file itself is a one-line UsageError naming the file and, where the
// parser knows it, the line and column, or the path of the bad key.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>

#include "common/errors.hpp"
#include "common/strict_json.hpp"
#include "harness/config/selection.hpp"
#include "tests/cli_runner.hpp"

using namespace pebench;
namespace fs = std::filesystem;

namespace {

std::string parse_error_of(const std::string& text) {
  try {
    parse_json_text(text, "suite t.json");
  } catch (const UsageError& error) {
    return error.what();
  }
  return "";
}

bool has_control_characters(const std::string& text) {
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

TEST(ConfigFile, ADuplicateKeyIsAnErrorNamingItsPath) {
  EXPECT_EQ(parse_error_of(R"({"train": {"steps": 1, "steps": 2}})"),
            "suite t.json: train.steps: duplicate key (each key may appear once in an object)");
}

TEST(ConfigFile, ADuplicateKeyInsideAListNamesTheIndex) {
  EXPECT_NE(parse_error_of(R"({"tasks": [{"name": "a"}, {"name": "a", "name": "b"}]})").find("tasks[1].name: duplicate key"),
            std::string::npos);
}

TEST(ConfigFile, TheSameKeyInTwoObjectsIsFine) {
  EXPECT_EQ(parse_error_of(R"({"model": {"d_model": 8}, "train": {"steps": 1}, "eval": {"x": {"d_model": 1}}})"), "");
}

TEST(ConfigFile, NestingDeeperThanTheLimitIsAnError) {
  const auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_EQ(parse_error_of(nested(kMaxConfigDepth + 1)), "");
  EXPECT_NE(parse_error_of(nested(kMaxConfigDepth + 2)).find("nested deeper than 64 levels"), std::string::npos);
  EXPECT_NE(parse_error_of(nested(100000)).find("nested deeper"), std::string::npos);
}

TEST(ConfigFile, ANumberADoubleCannotHoldNamesItsLineAndColumn) {
  EXPECT_EQ(parse_error_of("{\n  \"train\": {\"lr\": 1e400}}"),
            "suite t.json: malformed JSON: number overflow parsing '1e400' at line 2, column 19");
}

TEST(ConfigFile, ASyntaxErrorNamesItsLineAndColumn) {
  // nlohmann reports where it stopped: after the newline that ends "tru".
  EXPECT_NE(parse_error_of("{\n  \"seeds\": tru\n}").find("malformed JSON: parse error at line 3, column 0"),
            std::string::npos);
}

TEST(ConfigFile, InvalidUtf8AndControlCharactersGiveAOneLineMessage) {
  for (const std::string& text : {std::string("{\"a\": \"\xff\xfe\"}"), std::string("{\"a\": \"x\ny\"}"),
                                 std::string("{\"a\": \"\x1b[31m\"}"), std::string("{\"a\x01\": 1}")}) {
    const std::string message = parse_error_of(text);
    EXPECT_NE(message.find("malformed JSON"), std::string::npos) << message;
    EXPECT_FALSE(has_control_characters(message)) << message;
  }
}

TEST(ConfigFile, EmptyAndTruncatedFilesAreMalformed) {
  EXPECT_NE(parse_error_of("").find("malformed JSON"), std::string::npos);
  EXPECT_NE(parse_error_of("{\"tasks\": [").find("malformed JSON"), std::string::npos);
}

std::string read_error_of(const fs::path& path) {
  try {
    read_json_file(path.string(), "suite x");
  } catch (const UsageError& error) {
    return error.what();
  }
  return "";
}

TEST(ConfigFile, ADirectoryOrAFifoIsNotAConfigFile) {
  const fs::path dir = pebench::testing::fresh_temp_dir("config_file");
  EXPECT_NE(read_error_of(dir).find("is a directory, not a JSON file"), std::string::npos);
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0644), 0);
  EXPECT_NE(read_error_of(dir / "fifo").find("is not a regular file"), std::string::npos);  // never opened: no hang
  EXPECT_NE(read_error_of(dir / "absent.json").find("cannot read"), std::string::npos);
  std::ofstream(dir / "ok.json") << "{\"a\": 1}";
  EXPECT_EQ(read_error_of(dir / "ok.json"), "");
  fs::remove_all(dir);
}

TEST(Selection, ASeedListOverTheCapIsRejectedBeforeAnySeedIsListed) {
  EXPECT_THROW(parse_seed_list("0-2000000000", "--seeds"), UsageError);
  EXPECT_THROW(parse_seed_list("0-5000,6000-12000", "--seeds"), UsageError);
  EXPECT_EQ(parse_seed_list("0-9999", "--seeds").size(), 10000u);
}

}  // namespace
