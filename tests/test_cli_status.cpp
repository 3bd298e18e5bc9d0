// `pebench status` and the grid manifest end to end through the binary: a
// two-cell grid run shard by shard, each state a cell can be in, the exit
// status a job script gates on, and the grid line at the top of the report.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/cli_runner.hpp"

using namespace pebench::testing;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// parity_check × {nope, alibi} × seed 0, 3 steps of a 1-layer model.
json two_cell_suite() {
  return {{"model", {{"d_model", 16}, {"n_layers", 1}, {"n_heads", 2}, {"d_ff", 32}, {"max_seq_len", 64}}},
          {"train", {{"steps", 3}, {"batch_size", 4}, {"curve_points", 3}, {"lengths", {{"from", 1}, {"to", 8}}}}},
          {"eval", {{"sequences", 4}, {"sub_batch", 4}, {"lengths", {{"id", {{"count", 1}}}, {"ood", {12}}}}}},
          {"tasks", {"parity_check"}},
          {"encodings", {"nope", "alibi"}},
          {"seeds", {0}}};
}

class CliStatus : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_temp_dir("status");
    suite_ = (dir_ / "two.json").string();
    std::ofstream(suite_) << two_cell_suite().dump();
    out_ = dir_ / "out";
  }
  void TearDown() override { fs::remove_all(dir_); }

  CliResult run(const std::string& extra = "") {
    return run_pebench("run --config '" + suite_ + "' --threads 1 --out '" + out_.string() + "' " + extra);
  }
  CliResult status(const std::string& flags = "") { return run_pebench("status " + flags + " '" + out_.string() + "'"); }
  json status_json(const std::string& flags = "") { return json::parse(status("--json " + flags).out); }
  // Rewrites one field of a cell's result file.
  void set_result_field(const std::string& cell, const std::string& key, const json& value) {
    const fs::path file = out_ / (cell + ".json");
    json result = json::parse(read_text(file));
    result[key] = value;
    std::ofstream(file) << result.dump();
  }

  fs::path dir_, out_;
  std::string suite_;
};

}  // namespace

TEST_F(CliStatus, OneShardOfTwoIsIncompleteAndNamesTheMissingCell) {
  ASSERT_EQ(run("--shard 1/2").status, 0);
  const CliResult result = status();
  EXPECT_EQ(result.status, 1) << result.err;
  const json state = status_json();
  EXPECT_EQ(state["total"], 2);
  EXPECT_EQ(state["done"], 1);
  EXPECT_EQ(state["missing"].size(), 1u);
  EXPECT_FALSE(state["complete"]);
  EXPECT_NE(result.out.find("missing:\n  " + state["missing"][0].get<std::string>()), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("incomplete"), std::string::npos);
}

TEST_F(CliStatus, CountsTheCellsNotDoneOfEachEncoding) {
  ASSERT_EQ(run("--shard 1/2").status, 0);
  const json state = status_json();
  const std::string missing = state["missing"][0];  // "parity_check/<encoding>/seed0"
  const std::string unfinished = missing.substr(13, missing.rfind('/') - 13);
  const std::string finished = unfinished == "nope" ? "alibi" : "nope";
  EXPECT_EQ(state["by_encoding"][unfinished], json({{"cells", 1}, {"not_done", 1}}));
  EXPECT_EQ(state["by_encoding"][finished], json({{"cells", 1}, {"not_done", 0}}));
  const std::string text = status().out;
  const size_t section = text.find("not done, by encoding:\n");
  ASSERT_NE(section, std::string::npos) << text;
  EXPECT_NE(text.find("  " + unfinished, section), std::string::npos) << text;
  EXPECT_EQ(text.find("  " + finished + " ", section), std::string::npos) << text;  // done: not listed
}

TEST_F(CliStatus, EveryShardDoneIsCompleteWithExitZero) {
  ASSERT_EQ(run("--shard 1/2").status, 0);
  ASSERT_EQ(run("--shard 2/2").status, 0);
  const CliResult result = status();
  EXPECT_EQ(result.status, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("\ncomplete\n"), std::string::npos) << result.out;
  const json state = status_json();
  EXPECT_EQ(state["ok"], json({"parity_check/alibi/seed0", "parity_check/nope/seed0"}));
}

TEST_F(CliStatus, SelectionFlagsNameTheGridLikeRun) {
  ASSERT_EQ(run().status, 0);
  EXPECT_EQ(status("--config '" + suite_ + "'").status, 0);
  EXPECT_EQ(status("--config '" + suite_ + "' --encodings alibi").status, 0);
  // Another training budget is another configuration: a rerun would redo both.
  const json other = status_json("--config '" + suite_ + "' --steps 4");
  EXPECT_EQ(other["differs"].size(), 2u);
  EXPECT_EQ(status("--config '" + suite_ + "' --steps 4").status, 1);
  // A seed never run is missing.
  EXPECT_EQ(status_json("--config '" + suite_ + "' --seeds 0-1")["missing"],
            json({"parity_check/alibi/seed1", "parity_check/nope/seed1"}));
}

TEST_F(CliStatus, DivergedCellsAreDoneButFailedAndUnreadableOnesAreNot) {
  ASSERT_EQ(run().status, 0);
  set_result_field("parity_check/nope/seed0", "status", "diverged");
  EXPECT_EQ(status().status, 0);
  EXPECT_EQ(status_json()["diverged"], json({"parity_check/nope/seed0"}));
  set_result_field("parity_check/alibi/seed0", "status", "failed");
  EXPECT_EQ(status().status, 1);
  EXPECT_EQ(status_json()["failed"], json({"parity_check/alibi/seed0"}));
  std::ofstream(out_ / "parity_check" / "alibi" / "seed0.json") << "{not json";
  EXPECT_EQ(status_json()["unreadable"], json({"parity_check/alibi/seed0"}));
}

TEST_F(CliStatus, ManifestIsAUnionOfTheGridsRunIntoTheDirectory) {
  ASSERT_EQ(run("--encodings nope").status, 0);
  EXPECT_EQ(status_json()["total"], 1);
  ASSERT_EQ(run("--encodings alibi").status, 0);
  EXPECT_EQ(status_json()["total"], 2);
  EXPECT_EQ(status().status, 0);
}

TEST_F(CliStatus, ReportStatesHowManyCellsOfTheGridItFound) {
  ASSERT_EQ(run("--shard 2/2").status, 0);
  const CliResult partial = run_pebench("report '" + out_.string() + "'");
  ASSERT_EQ(partial.status, 0) << partial.err;
  EXPECT_EQ(partial.out.rfind("> Grid: 1 of 2 cells done (suite two); 1 missing.", 0), 0u) << partial.out;
  EXPECT_NE(read_text(out_ / "report.md").find("> Grid: 1 of 2 cells done"), std::string::npos);
  ASSERT_EQ(run("--shard 1/2").status, 0);
  const CliResult full = run_pebench("report '" + out_.string() + "'");
  EXPECT_EQ(full.out.rfind("> Grid: 2 of 2 cells done (suite two); complete.", 0), 0u) << full.out;
  // CSV stays pure data; the line goes to stderr.
  const CliResult csv = run_pebench("report --format csv '" + out_.string() + "'");
  EXPECT_EQ(csv.out.find("Grid:"), std::string::npos);
  EXPECT_NE(csv.err.find("Grid: 2 of 2 cells done"), std::string::npos) << csv.err;
}

TEST_F(CliStatus, DirectoryWithoutManifestNeedsTheGridNamed) {
  fs::create_directories(out_);
  const CliResult result = status();
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(count_lines(result.err), 1) << result.err;
  EXPECT_NE(result.err.find("grid.manifest"), std::string::npos) << result.err;
  // Named explicitly, an empty directory is simply incomplete.
  EXPECT_EQ(status("--config '" + suite_ + "'").status, 1);
}

TEST_F(CliStatus, BadInputIsExitTwoWithOneLine) {
  for (const std::string& args :
       {"status '" + (dir_ / "absent").string() + "'", "status --suite nosuch '" + dir_.string() + "'",
        "status --config '" + suite_ + "' --shard 3/2 '" + dir_.string() + "'", std::string("status")}) {
    const CliResult result = run_pebench(args);
    EXPECT_EQ(result.status, 2) << args;
    EXPECT_EQ(count_lines(result.err), 1) << args << ": " << result.err;
  }
}
