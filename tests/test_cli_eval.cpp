// train.save_model and `pebench eval` end to end through the binary, on
// parity_check with a tiny model: weights are kept beside each result file
// (and only then), turning the option on later redoes exactly the cells
// without weights, eval reproduces a result file's scores from its weights
// and evaluates at new lengths, and bad input exits 2 with one line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/cli_runner.hpp"
#include "tests/harness_fixtures.hpp"

using namespace pebench::testing;
namespace fs = std::filesystem;

namespace {

// parity_check × rope × seeds 0, 1 with a one-layer model.
json saving_suite(bool save_model) {
  json train = {{"steps", 20}, {"batch_size", 8}, {"lr", 0.003}, {"curve_points", 5},
                {"lengths", {{"from", 1}, {"to", 8}}}};
  if (save_model) train["save_model"] = true;
  return {{"model", {{"d_model", 16}, {"n_layers", 1}, {"n_heads", 2}, {"d_ff", 32}, {"max_seq_len", 64}}},
          {"train", train},
          {"eval", {{"sequences", 16}, {"sub_batch", 8}, {"lengths", {{"id", {{"count", 2}}}, {"ood", {12, 16}}}}}},
          {"tasks", {"parity_check"}},
          {"encodings", {"rope"}},
          {"seeds", {0, 1}}};
}

class CliEval : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    dir_ = fresh_temp_dir("cli_eval");
  }
  void TearDown() override { fs::remove_all(dir_); }
  CliResult run_suite(bool save_model) {
    const fs::path suite = write_suite(dir_, save_model ? "save.json" : "plain.json", saving_suite(save_model));
    return run_pebench("run --threads 1 --config " + suite.string() + " --out " + out().string());
  }
  fs::path out() const { return dir_ / "out"; }
  fs::path cell(int seed, const std::string& ext = ".json") const {
    return out() / "parity_check" / "rope" / ("seed" + std::to_string(seed) + ext);
  }
  fs::path dir_;
};

TEST_F(CliEval, SaveModelKeepsEachCellsWeightsBesideItsResult) {
  const CliResult result = run_suite(true);
  ASSERT_EQ(result.status, 0) << result.err;
  for (int seed : {0, 1}) {
    EXPECT_TRUE(fs::exists(cell(seed, ".weights")));
    EXPECT_EQ(read_json(cell(seed))["weights"], "seed" + std::to_string(seed) + ".weights");
    std::ifstream in(cell(seed, ".weights"));
    std::string line;
    std::getline(in, line);
    const json header = json::parse(line);
    EXPECT_EQ(header["format"], "pebench-weights");
    EXPECT_EQ(header["encoding"]["name"], "rope");
    EXPECT_EQ(header["source"]["cell"], "parity_check/rope/seed" + std::to_string(seed));
  }
}

TEST_F(CliEval, WithoutSaveModelNoWeightsAreWritten) {
  ASSERT_EQ(run_suite(false).status, 0);
  EXPECT_FALSE(fs::exists(cell(0, ".weights")));
  EXPECT_FALSE(read_json(cell(0)).contains("weights"));
}

TEST_F(CliEval, TurningSaveModelOnRedoesOnlyCellsWithoutWeights) {
  ASSERT_EQ(run_suite(false).status, 0);
  const CliResult with = run_suite(true);
  ASSERT_EQ(with.status, 0) << with.err;
  EXPECT_NE(with.err.find("2 ran, 0 kept"), std::string::npos) << with.err;
  EXPECT_TRUE(fs::exists(cell(1, ".weights")));
  fs::remove(cell(1, ".weights"));
  const CliResult again = run_suite(true);
  EXPECT_NE(again.err.find("1 ran, 1 kept"), std::string::npos) << again.err;
  EXPECT_TRUE(fs::exists(cell(1, ".weights")));
}

TEST_F(CliEval, WithoutFlagsReproducesTheResultFilesScores) {
  ASSERT_EQ(run_suite(true).status, 0);
  const CliResult result = run_pebench("eval --threads 1 " + cell(0).string() + " --out " + (dir_ / "e.json").string());
  ASSERT_EQ(result.status, 0) << result.err;
  const json original = read_json(cell(0))["eval"];
  const json again = read_json(dir_ / "e.json")["eval"];
  EXPECT_EQ(again["splits"], original["splits"]);
  EXPECT_EQ(again["id_accuracy"], original["id_accuracy"]);
  EXPECT_EQ(again["ood_accuracy"], original["ood_accuracy"]);
}

TEST_F(CliEval, EvaluatesAtNewLengthsAndPrintsThem) {
  ASSERT_EQ(run_suite(true).status, 0);
  const std::string before = read_text(cell(0));
  const CliResult result = run_pebench("eval " + cell(0).string() + " --lengths 20-30:10,40 --splits ood --out " +
                                       (dir_ / "e.json").string());
  ASSERT_EQ(result.status, 0) << result.err;
  const json written = read_json(dir_ / "e.json");
  ASSERT_EQ(written["eval"]["splits"].size(), 1u);
  const json& points = written["eval"]["splits"][0]["points"];
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[0]["length"], 20);
  EXPECT_EQ(points[1]["length"], 30);
  EXPECT_EQ(points[2]["length"], 40);
  EXPECT_EQ(points[2]["n"], 16);
  EXPECT_EQ(written["eval_config"]["splits"][0]["lengths"], json({20, 30, 40}));
  EXPECT_NE(result.out.find("ood"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("     40 "), std::string::npos) << result.out;
  EXPECT_EQ(read_text(cell(0)), before) << "the result file is never changed";
}

TEST_F(CliEval, BadInputExitsTwoWithOneLineAndWritesNothing) {
  ASSERT_EQ(run_suite(true).status, 0);
  std::ofstream(dir_ / "not_result.json") << R"({"hello": 1})" << "\n";
  json no_weights = read_json(cell(0));
  no_weights.erase("weights");
  std::ofstream(dir_ / "no_weights.json") << no_weights.dump();
  json incomplete = read_json(cell(0));
  incomplete["config"].erase("eval");
  std::ofstream(cell(0).parent_path() / "incomplete.json") << incomplete.dump();
  fs::create_directories(dir_ / "swapped");
  fs::copy_file(cell(0), dir_ / "swapped" / "seed0.json");
  fs::copy_file(cell(1, ".weights"), dir_ / "swapped" / "seed0.weights");  // another run's weights
  const std::string ok = cell(0).string();
  const struct {
    std::string args, expected;
  } bad[] = {
      {(dir_ / "absent.json").string(), "cannot read result file"},
      {(dir_ / "not_result.json").string(), "is not a pebench result file"},
      {(dir_ / "no_weights.json").string(), "has no saved weights"},
      {(cell(0).parent_path() / "incomplete.json").string(), "is not a complete pebench result file"},
      {(dir_ / "swapped" / "seed0.json").string(), "was written by another run of this cell"},
      {ok + " --lengths abc", "--lengths: 'abc' is not a length or range"},
      {ok + " --lengths 30-20", "--lengths: empty range"},
      {ok + " --lengths 0", "--lengths: lengths start at 1"},
      {ok + " --lengths 500", "more than this model's max_seq_len 64"},
      {ok + " --splits nowhere", "--splits: the cell was not evaluated on split 'nowhere'"},
      {ok + " --sequences 0", "--sequences"},
      {ok + " --out " + dir_.string(), "is a directory"},
  };
  for (const auto& b : bad) {
    const CliResult result = run_pebench("eval " + b.args + (b.args.find("--out") == std::string::npos
                                                                  ? " --out " + (dir_ / "never.json").string()
                                                                  : ""));
    EXPECT_EQ(result.status, 2) << b.args << ": " << result.err;
    EXPECT_EQ(count_lines(result.err), 1) << b.args << ": " << result.err;
    EXPECT_NE(result.err.find(b.expected), std::string::npos) << b.args << "\n  got: " << result.err;
    EXPECT_FALSE(fs::exists(dir_ / "never.json")) << b.args;
    EXPECT_TRUE(result.out.empty()) << b.args << ": " << result.out;
  }
}

}  // namespace
