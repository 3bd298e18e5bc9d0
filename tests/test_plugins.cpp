// Out-of-tree plugins end to end through the binary: the example plugin
// (examples/plugin/, built beside the tests) adds a task and an encoding that
// list, sample and run like built-in ones, and its file and digest are
// recorded in each result; every broken plugin is exit 2 with one line naming
// the file, before anything runs.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/sha256.hpp"
#include "tests/cli_runner.hpp"

using namespace pebench::testing;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kExample = PEBENCH_EXAMPLE_PLUGIN;

std::string plugin_flag(const std::string& file) { return "--plugin '" + file + "'"; }

// A suite of one cell: the plugin's task with the plugin's encoding, 2 steps.
json plugin_suite() {
  return {{"model", {{"d_model", 16}, {"n_layers", 1}, {"n_heads", 2}, {"d_ff", 32}, {"max_seq_len", 256}}},
          {"train", {{"steps", 2}, {"batch_size", 4}, {"curve_points", 2}, {"lengths", {{"from", 1}, {"to", 8}}}}},
          {"eval", {{"sequences", 4}, {"sub_batch", 4}, {"lengths", {{"ood", {100}}}}}},
          {"tasks", {"majority"}},
          {"encodings", {"sqrt_alibi"}},
          {"seeds", {0}}};
}

class Plugins : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = fresh_temp_dir("plugins"); }
  void TearDown() override { fs::remove_all(dir_); }

  void expect_refused(const std::string& args, const std::string& file, const std::string& why) {
    const CliResult result = run_pebench(args);
    EXPECT_EQ(result.status, 2) << result.err;
    EXPECT_EQ(count_lines(result.err), 1) << result.err;
    EXPECT_NE(result.err.find("plugin " + file + ": "), std::string::npos) << result.err;
    EXPECT_NE(result.err.find(why), std::string::npos) << result.err;
    EXPECT_TRUE(result.out.empty()) << result.out;
  }

  fs::path dir_;
};

}  // namespace

TEST_F(Plugins, ListShowsThePluginTaskAndEncoding) {
  const CliResult tasks = run_pebench(plugin_flag(kExample) + " list tasks");
  ASSERT_EQ(tasks.status, 0) << tasks.err;
  EXPECT_NE(tasks.out.find("majority"), std::string::npos);
  const CliResult encodings = run_pebench("list encodings " + plugin_flag(kExample));  // after the subcommand too
  ASSERT_EQ(encodings.status, 0) << encodings.err;
  EXPECT_NE(encodings.out.find("sqrt_alibi"), std::string::npos);
  // with the kind and citation its registration gives
  EXPECT_NE(encodings.out.find("Chi et al. 2022 (KERPLE power kernel)"), std::string::npos)
      << encodings.out;
  const CliResult without = run_pebench("list tasks");
  EXPECT_EQ(without.out.find("majority"), std::string::npos);
}

TEST_F(Plugins, SampleDrawsFromThePluginTask) {
  const CliResult result = run_pebench(plugin_flag(kExample) + " sample majority --length 7 --count 5");
  ASSERT_EQ(result.status, 0) << result.err;
  ASSERT_EQ(count_lines(result.out), 5);
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    const json example = json::parse(line);
    int ones = 0;
    for (int i = 0; i < 7; ++i) ones += example["tokens"][i] == "1";
    EXPECT_EQ(example["targets"][7], 2 * ones > 7 ? "yes" : "no") << line;
  }
}

TEST_F(Plugins, PluginFlagTakesOneValueAnywhereOnTheLine) {
  const CliResult result = run_pebench("sample majority " + plugin_flag(kExample) + " --count 2 --length 3");
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(count_lines(result.out), 2);
  // Followed by a positional argument of the subcommand, which it must not swallow.
  const CliResult status = run_pebench("status --tasks majority " + plugin_flag(kExample) + " '" + dir_.string() + "'");
  EXPECT_EQ(status.status, 1) << status.err;  // an empty directory: incomplete, not a usage error
}

TEST_F(Plugins, PluginPathLoadsEverySharedLibraryInItsDirectories) {
  fs::create_directories(dir_ / "plugins");
  fs::copy_file(kExample, dir_ / "plugins" / "libexample.so");
  std::ofstream(dir_ / "plugins" / "README.txt") << "not a library, and not loaded: only *.so are\n";
  const CliResult with_path =
      run_pebench("list encodings", "", "PEBENCH_PLUGIN_PATH='::" + (dir_ / "plugins").string() + ":'");  // empty entries skipped
  ASSERT_EQ(with_path.status, 0) << with_path.err;
  EXPECT_NE(with_path.out.find("sqrt_alibi"), std::string::npos);
}

TEST_F(Plugins, TwoStepRunRecordsEachPluginInTheResultContext) {
  std::ofstream(dir_ / "suite.json") << plugin_suite().dump();
  const fs::path out = dir_ / "out";
  const CliResult result = run_pebench(plugin_flag(kExample) + " run --config '" + (dir_ / "suite.json").string() +
                                       "' --threads 1 --out '" + out.string() + "'");
  ASSERT_EQ(result.status, 0) << result.err;
  const json cell = json::parse(read_text(out / "majority" / "sqrt_alibi" / "seed0.json"));
  EXPECT_EQ(cell["status"], "ok");
  EXPECT_EQ(cell["train"]["steps"], 2);
  ASSERT_EQ(cell["context"]["plugins"].size(), 1u);
  const json& plugin = cell["context"]["plugins"][0];
  EXPECT_EQ(plugin["file"], fs::canonical(kExample).string());
  EXPECT_EQ(plugin["sha256"], pebench::sha256_file_hex(kExample));
  EXPECT_EQ(plugin["name"], "pebench_example_plugin");
  EXPECT_EQ(plugin["tasks"], json({"majority"}));
  EXPECT_EQ(plugin["encodings"], json({"sqrt_alibi"}));
}

TEST_F(Plugins, ResultsWithoutPluginsRecordNone) {
  json suite = plugin_suite();
  suite["tasks"] = {"parity_check"};
  suite["encodings"] = {"alibi"};
  std::ofstream(dir_ / "builtin.json") << suite.dump();
  const fs::path out = dir_ / "out";
  ASSERT_EQ(run_pebench("run --config '" + (dir_ / "builtin.json").string() + "' --threads 1 --out '" + out.string() +
                        "'").status, 0);
  const json cell = json::parse(read_text(out / "parity_check" / "alibi" / "seed0.json"));
  EXPECT_FALSE(cell["context"].contains("plugins"));
}

TEST_F(Plugins, TheSameFileNamedTwiceIsLoadedOnce) {
  const CliResult result = run_pebench(plugin_flag(kExample) + " " + plugin_flag(kExample) + " list tasks", "",
                                       "PEBENCH_PLUGIN_PATH='" + fs::path(kExample).parent_path().string() + "'");
  // The build directory also holds the foreign-ABI and not-a-plugin libraries:
  // loading the whole directory must fail on one of those, not on the example.
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(result.err.find(kExample), std::string::npos) << result.err;
  const CliResult twice = run_pebench(plugin_flag(kExample) + " " + plugin_flag(kExample) + " list tasks");
  EXPECT_EQ(twice.status, 0) << twice.err;
}

TEST_F(Plugins, MissingFileIsRefused) {
  const std::string missing = (dir_ / "libnothing.so").string();
  expect_refused(plugin_flag(missing) + " list tasks", missing, "no such file");
}

TEST_F(Plugins, FileThatIsNotALibraryIsRefused) {
  const std::string text = (dir_ / "libtext.so").string();
  std::ofstream(text) << "hello\n";
  expect_refused(plugin_flag(text) + " list tasks", text, "cannot load it");
}

TEST_F(Plugins, LibraryThatRegistersNothingIsRefused) {
  expect_refused(plugin_flag(PEBENCH_NOT_A_PLUGIN) + " list tasks", PEBENCH_NOT_A_PLUGIN, "not a pebench plugin");
}

TEST_F(Plugins, PluginBuiltAgainstAnotherPebenchIsRefused) {
  expect_refused(plugin_flag(PEBENCH_FOREIGN_ABI_PLUGIN) + " list tasks", PEBENCH_FOREIGN_ABI_PLUGIN,
                 "built against another pebench");
}

TEST_F(Plugins, PluginRegisteringAnExistingNameIsRefused) {
  const std::string copy = (dir_ / "libcopy.so").string();
  fs::copy_file(kExample, copy);
  expect_refused(plugin_flag(kExample) + " " + plugin_flag(copy) + " list tasks", copy,
                 "registers task 'majority', which already exists");
}

TEST_F(Plugins, RefusedPluginRunsNothingAndWritesNothing) {
  std::ofstream(dir_ / "suite.json") << plugin_suite().dump();
  const fs::path out = dir_ / "out";
  const CliResult result = run_pebench(plugin_flag(PEBENCH_NOT_A_PLUGIN) + " " + plugin_flag(kExample) +
                                       " run --config '" + (dir_ / "suite.json").string() + "' --out '" +
                                       out.string() + "'");
  EXPECT_EQ(result.status, 2) << result.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(Plugins, PluginPathDirectoryThatDoesNotExistIsRefused) {
  const CliResult result = run_pebench("list tasks", "", "PEBENCH_PLUGIN_PATH='" + (dir_ / "absent").string() + "'");
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(count_lines(result.err), 1) << result.err;
  EXPECT_NE(result.err.find("PEBENCH_PLUGIN_PATH"), std::string::npos) << result.err;
}
