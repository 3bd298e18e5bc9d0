// Where `--suite NAME` looks (harness/config/suites.hpp): --suite-dir, then
// PEBENCH_SUITES, then the installed share/pebench/suites beside the binary,
// then the source tree. Through the binary, since the search depends on its
// flags and environment.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/cli_runner.hpp"

using namespace pebench::testing;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// One cell of a 1-layer model, evaluated on a few short sequences.
json tiny_suite(const std::string& encoding) {
  return {{"model", {{"d_model", 16}, {"n_layers", 1}, {"n_heads", 2}, {"d_ff", 32}, {"max_seq_len", 64}}},
          {"train", {{"steps", 2}, {"batch_size", 4}, {"curve_points", 2}, {"lengths", {{"from", 1}, {"to", 8}}}}},
          {"eval", {{"sequences", 4}, {"sub_batch", 4}, {"lengths", {{"id", {{"count", 1}}}, {"ood", {12}}}}}},
          {"tasks", {"parity_check"}},
          {"encodings", {encoding}},
          {"seeds", {0}}};
}

class SuiteLookup : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_temp_dir("suites");
    fs::create_directories(dir_ / "mine");
    fs::create_directories(dir_ / "other");
    std::ofstream(dir_ / "mine" / "tiny.json") << tiny_suite("nope").dump();
    std::ofstream(dir_ / "other" / "tiny.json") << tiny_suite("rope").dump();
  }
  void TearDown() override { fs::remove_all(dir_); }
  // The path `list suites --json` reports for `name`.
  std::string listed_path(const CliResult& result, const std::string& name) {
    for (const auto& suite : json::parse(result.out))
      if (suite["name"] == name) return suite["path"];
    return "";
  }
  fs::path dir_;
};

}  // namespace

TEST_F(SuiteLookup, SuiteDirAddsSuitesBesideTheShippedOnes) {
  const CliResult result = run_pebench("list suites --json --suite-dir '" + (dir_ / "mine").string() + "'");
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(listed_path(result, "tiny"), (dir_ / "mine" / "tiny.json").string());
  EXPECT_NE(listed_path(result, "quick"), "");
}

TEST_F(SuiteLookup, FlagDirectoriesComeBeforeTheEnvironmentsInOrder) {
  const std::string env = "PEBENCH_SUITES='" + (dir_ / "other").string() + "'";
  EXPECT_EQ(listed_path(run_pebench("list suites --json", "", env), "tiny"), (dir_ / "other" / "tiny.json").string());
  EXPECT_EQ(listed_path(run_pebench("--suite-dir '" + (dir_ / "mine").string() + "' list suites --json", "", env),
                        "tiny"),
            (dir_ / "mine" / "tiny.json").string());
}

TEST_F(SuiteLookup, RunFindsASuiteInASuiteDir) {
  const CliResult result = run_pebench("run --suite tiny --threads 1 --suite-dir '" +
                                       (dir_ / "mine").string() + "' --out '" + (dir_ / "out").string() + "'");
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_TRUE(fs::exists(dir_ / "out" / "parity_check" / "nope" / "seed0.json"));
}

TEST_F(SuiteLookup, UnknownSuiteNamesTheDirectoriesSearched) {
  const CliResult result = run_pebench("run --suite tinyy --suite-dir '" + (dir_ / "mine").string() + "'");
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(count_lines(result.err), 1) << result.err;
  EXPECT_NE(result.err.find("unknown suite 'tinyy' (closest: tiny"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("searched: " + (dir_ / "mine").string()), std::string::npos) << result.err;
}

TEST_F(SuiteLookup, SuiteNameCannotBeAPath) {
  const CliResult result =
      run_pebench("run --suite ../mine/tiny --suite-dir '" + (dir_ / "other").string() + "'");
  EXPECT_EQ(result.status, 2) << result.err;
}

TEST_F(SuiteLookup, SuiteDirThatIsNotADirectoryIsExitTwo) {
  for (const auto& [args, env] :
       {std::pair<std::string, std::string>{"--suite-dir '" + (dir_ / "absent").string() + "' list suites", ""},
        {"list suites", "PEBENCH_SUITES='" + (dir_ / "absent").string() + "'"}}) {
    const CliResult result = run_pebench(args, "", env);
    EXPECT_EQ(result.status, 2) << args << env;
    EXPECT_EQ(count_lines(result.err), 1) << result.err;
    EXPECT_NE(result.err.find((dir_ / "absent").string()), std::string::npos) << result.err;
  }
}
