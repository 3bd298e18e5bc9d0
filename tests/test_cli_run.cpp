// `pebench run` and `pebench report` end to end through the binary, on real
// tasks (parity_check, flip_flop) with a tiny model so that every run takes
// about a second: result files and report, resume after SIGKILL, shards,
// determinism across runs and thread counts, and the bad-input table.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include "tests/cli_runner.hpp"
#include "tests/harness_fixtures.hpp"

using namespace pebench::testing;
namespace fs = std::filesystem;

namespace {

// 2 tasks × nope × 2 seeds = 4 cells of a 1-layer model.
json tiny_suite() {
  return {{"model", {{"d_model", 16}, {"n_layers", 1}, {"n_heads", 2}, {"d_ff", 32}, {"max_seq_len", 64}}},
          {"train", {{"steps", 30}, {"batch_size", 8}, {"lr", 0.003}, {"curve_points", 10},
                     {"lengths", {{"from", 1}, {"to", 8}}}}},
          {"eval", {{"sequences", 16}, {"sub_batch", 8}, {"lengths", {{"id", {{"count", 2}}}, {"ood", {12, 16}}}}}},
          {"tasks", {"parity_check", {{"name", "flip_flop"}, {"options", {{"length", 12}, {"ood_length", 16}}},
                                      {"train", {{"lengths", "default"}}}}}},
          {"encodings", {"nope"}},
          {"seeds", {0, 1}}};
}

const std::vector<std::string> kCells = {"flip_flop/nope/seed0.json", "flip_flop/nope/seed1.json",
                                         "parity_check/nope/seed0.json", "parity_check/nope/seed1.json"};

// Result files under `dir`, relative, sorted (the report is not one).
std::vector<std::string> result_files(const fs::path& dir) {
  std::vector<std::string> files;
  if (!fs::exists(dir)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().extension() == ".json")
      files.push_back(fs::relative(entry.path(), dir).string());
  std::sort(files.begin(), files.end());
  return files;
}

// Everything in a result that must be reproducible (not timings or context).
json reproducible_part(const json& result) {
  return {{"config", result["config"]}, {"status", result["status"]}, {"eval_splits", result["eval"]["splits"]},
          {"id", result["eval"]["id_accuracy"]}, {"ood", result["eval"]["ood_accuracy"]},
          {"curve", result["train"]["curve"]}};
}

class CliRun : public ::testing::Test {
 protected:
  void SetUp() override {
    // Sleeping, not spinning, OpenMP workers: a loaded test machine (ctest -j)
    // makes spinning threads of a tiny model many times slower (see run.sh).
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    dir_ = fresh_temp_dir("cli_run");
    suite_ = write_suite(dir_, "tiny.json", tiny_suite());
  }
  void TearDown() override { fs::remove_all(dir_); }
  CliResult run(const std::string& out, const std::string& extra = "") {
    return run_pebench("run --config " + suite_.string() + " --out " + (dir_ / out).string() + " " + extra);
  }
  fs::path dir_, suite_;
};

TEST_F(CliRun, WritesOneValidResultFilePerCellAndAReport) {
  const CliResult result = run("out");
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result_files(dir_ / "out"), kCells);
  for (const auto& file : kCells) {
    const json cell = read_json(dir_ / "out" / file);
    EXPECT_EQ(cell["schema_version"], 2);
    const json& point = cell["eval"]["splits"][0]["points"][0];
    EXPECT_EQ(point["sequences"]["correct"].size(), 16u);  // one count per evaluated sequence
    EXPECT_TRUE(cell["eval"]["splits"][0]["predicted_classes"].is_array());
    EXPECT_EQ(cell["status"], "ok") << cell["error"];
    EXPECT_TRUE(cell["eval"]["id_accuracy"].is_number());
    EXPECT_TRUE(cell["eval"]["ood_accuracy"].is_number());
    EXPECT_GE(cell["eval"]["ood_accuracy"].get<double>(), 0.0);
    EXPECT_LE(cell["eval"]["ood_accuracy"].get<double>(), 1.0);
    EXPECT_EQ(cell["train"]["steps"], 30);
    EXPECT_EQ(cell["train"]["curve"].size(), 10u);
    EXPECT_GT(cell["train"]["tokens_per_s"].get<double>(), 0.0);
    EXPECT_EQ(cell["eval"]["splits"][0]["points"][0]["n"], 16);
  }
  const json flip_flop = read_json(dir_ / "out" / kCells[0]);
  EXPECT_EQ(flip_flop["config"]["train"]["lengths"], json({12}));
  EXPECT_EQ(flip_flop["eval"]["splits"].size(), 4u);  // id, ood_dense, ood_length, ood_sparse
  const std::string report = read_text(dir_ / "out" / "report.md");
  EXPECT_NE(report.find("## Family: regular"), std::string::npos) << report;
  EXPECT_NE(report.find("| parity_check |"), std::string::npos) << report;
  EXPECT_NE(result.err.find("4 ran, 0 kept"), std::string::npos) << result.err;
}

TEST_F(CliRun, SmokeSuiteRunsEveryRegisteredEncodingToAnOkResult) {
  const CliResult list = run_pebench("list encodings --json");
  ASSERT_EQ(list.status, 0);
  // Two tasks (flip_flop causal, parity_check bidirectional), each with every encoding.
  const size_t cells = 2 * json::parse(list.out).size();
  const CliResult result = run_pebench("run --suite smoke --out " + (dir_ / "smoke").string());
  ASSERT_EQ(result.status, 0) << result.err;
  const auto files = result_files(dir_ / "smoke");
  EXPECT_EQ(files.size(), cells);
  // parity_check has no segment boundaries: the BiPE cells end as not_applicable.
  for (const auto& file : files) {
    const bool bipe_on_parity = file.rfind("parity_check/bipe_", 0) == 0;
    EXPECT_EQ(read_json(dir_ / "smoke" / file)["status"], bipe_on_parity ? "not_applicable" : "ok") << file;
  }
}

TEST_F(CliRun, RerunKeepsEveryFinishedCellUntouched) {
  ASSERT_EQ(run("out").status, 0);
  std::map<std::string, fs::file_time_type> mtimes;
  for (const auto& file : kCells) mtimes[file] = fs::last_write_time(dir_ / "out" / file);
  const CliResult rerun = run("out");
  ASSERT_EQ(rerun.status, 0) << rerun.err;
  EXPECT_NE(rerun.err.find("0 ran, 4 kept"), std::string::npos) << rerun.err;
  for (const auto& file : kCells) EXPECT_EQ(fs::last_write_time(dir_ / "out" / file), mtimes[file]) << file;
}

TEST_F(CliRun, ForceRedoesEveryCell) {
  ASSERT_EQ(run("out").status, 0);
  const CliResult rerun = run("out", "--force");
  EXPECT_NE(rerun.err.find("4 ran, 0 kept"), std::string::npos) << rerun.err;
}

TEST_F(CliRun, ChangedStepsRedoTheCellsTheyChange) {
  ASSERT_EQ(run("out").status, 0);
  const CliResult rerun = run("out", "--steps 20 --tasks parity_check");
  EXPECT_NE(rerun.err.find("2 ran, 0 kept"), std::string::npos) << rerun.err;
  EXPECT_EQ(read_json(dir_ / "out" / kCells[2])["train"]["steps"], 20);
  EXPECT_EQ(read_json(dir_ / "out" / kCells[0])["train"]["steps"], 30);  // flip_flop untouched
}

TEST_F(CliRun, SameCellTwiceGivesIdenticalNumbers) {
  ASSERT_EQ(run("a").status, 0);
  ASSERT_EQ(run("b").status, 0);
  for (const auto& file : kCells)
    EXPECT_EQ(reproducible_part(read_json(dir_ / "a" / file)), reproducible_part(read_json(dir_ / "b" / file)))
        << file;
}

TEST_F(CliRun, OneAndTwoThreadsGiveIdenticalNumbers) {
  ASSERT_EQ(run("one", "--threads 1").status, 0);
  ASSERT_EQ(run("two", "--threads 2").status, 0);
  for (const auto& file : kCells) {
    EXPECT_EQ(reproducible_part(read_json(dir_ / "one" / file)), reproducible_part(read_json(dir_ / "two" / file)))
        << file;
    EXPECT_EQ(read_json(dir_ / "two" / file)["context"]["threads"], 2);
  }
}

TEST_F(CliRun, TwoJobsGiveTheNumbersOfOne) {
  ASSERT_EQ(run("one", "--jobs 1").status, 0);
  const CliResult two = run("two", "--jobs 2 --threads 1");
  ASSERT_EQ(two.status, 0) << two.err;
  EXPECT_NE(two.err.find("2 at a time with 1 threads each"), std::string::npos) << two.err;
  for (const auto& file : kCells)
    EXPECT_EQ(reproducible_part(read_json(dir_ / "one" / file)), reproducible_part(read_json(dir_ / "two" / file)))
        << file;
}

TEST_F(CliRun, ShardsPartitionTheGridWithoutOverlap) {
  std::set<std::string> seen;
  size_t total = 0;
  for (int shard = 1; shard <= 3; ++shard) {
    const auto before = result_files(dir_ / "out");
    ASSERT_EQ(run("out", "--shard " + std::to_string(shard) + "/3").status, 0);
    const auto after = result_files(dir_ / "out");
    total += after.size() - before.size();
    for (const auto& file : after) seen.insert(file);
  }
  EXPECT_EQ(total, kCells.size());  // every shard wrote only new cells: no overlap
  EXPECT_EQ(std::vector<std::string>(seen.begin(), seen.end()), kCells);
}

// Starts the binary in the background; returns its pid.
pid_t spawn_pebench(const std::vector<std::string>& args) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv = {const_cast<char*>(PEBENCH_BINARY)};
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execv(PEBENCH_BINARY, argv.data());
    ::_exit(127);
  }
  return pid;
}

TEST_F(CliRun, KilledRunResumesToTheSameResultsWithoutRedoingFinishedCells) {
  json slower = tiny_suite();
  slower["train"]["steps"] = 400;  // each cell takes a while, so the kill lands mid-suite
  const fs::path suite = write_suite(dir_, "slower.json", slower);
  const fs::path out = dir_ / "killed";
  const pid_t pid = spawn_pebench({"run", "--config", suite.string(), "--out", out.string(), "--threads", "1"});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (result_files(out).empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const auto finished = result_files(out);
  ASSERT_FALSE(finished.empty());
  ASSERT_LT(finished.size(), kCells.size()) << "the run ended before the kill; make the cells slower";
  std::map<std::string, fs::file_time_type> mtimes;
  for (const auto& file : finished) {
    EXPECT_NO_THROW(read_json(out / file)) << "partial result file " << file;
    mtimes[file] = fs::last_write_time(out / file);
  }

  const CliResult resumed = run_pebench("run --config " + suite.string() + " --out " + out.string());
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_NE(resumed.err.find(std::to_string(finished.size()) + " kept"), std::string::npos) << resumed.err;
  for (const auto& [file, mtime] : mtimes) EXPECT_EQ(fs::last_write_time(out / file), mtime) << file << " was redone";
  for (const auto& entry : fs::recursive_directory_iterator(out))
    EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();

  const CliResult clean = run_pebench("run --config " + suite.string() + " --out " + (dir_ / "clean").string());
  ASSERT_EQ(clean.status, 0) << clean.err;
  ASSERT_EQ(result_files(out), kCells);
  for (const auto& file : kCells)
    EXPECT_EQ(reproducible_part(read_json(out / file)), reproducible_part(read_json(dir_ / "clean" / file))) << file;
}

struct BadRunCase {
  const char* what;
  std::function<void(json&)> edit;  // applied to the suite file
  const char* flags;                // extra command-line flags
  const char* expected;             // stderr must contain this
};

const BadRunCase kBadRuns[] = {
    {"negative steps", [](json& s) { s["train"]["steps"] = -5; }, "",
     "suite bad.json: train.steps: must be a positive integer, got -5"},
    {"zero batch", [](json& s) { s["train"]["batch_size"] = 0; }, "", "train.batch_size: must be an integer in [1, 65536], got 0"},
    {"unknown key", [](json& s) { s["trian"] = json::object(); }, "", "trian: unknown key (closest: train)"},
    {"empty task list", [](json& s) { s["tasks"] = json::array(); }, "", "tasks: must not be empty"},
    {"unknown task", [](json& s) { s["tasks"] = {"party_check"}; }, "", "unknown task 'party_check' (closest: "},
    {"unknown encoding", [](json& s) { s["encodings"] = {"rotary"}; }, "", "unknown encoding 'rotary'"},
    {"train length above the model's limit", [](json& s) { s["train"]["lengths"] = {{"from", 1}, {"to", 70}}; }, "",
     "task parity_check: train length 64 needs 65 positions, above model.max_seq_len (64)"},
    {"eval length above the model's limit", [](json& s) { s["eval"]["lengths"]["ood"] = {100}; }, "",
     "needs 101 positions, above model.max_seq_len (64)"},
    {"odd head dimension for rope",
     [](json& s) {
       s["model"]["d_model"] = 18;
       s["encodings"] = {"rope"};
     },
     "", "encoding rope on task parity_check: encoding 'rope' needs an even head dimension, got 9"},
    {"batch too large for memory", [](json& s) { s["train"]["batch_size"] = 100000; }, "", "train.batch_size:"},
    {"unknown split", [](json& s) { s["eval"]["splits"] = {"ood_spare"}; }, "", "unknown split 'ood_spare'"},
    {"bad task option", [](json& s) { s["tasks"][1]["options"]["lenght"] = 3; }, "",
     "suite bad.json: tasks[1].options.lenght: unknown key (closest: length)"},
    {"bad task option value", [](json& s) { s["tasks"][1]["options"]["length"] = "x"; }, "",
     "suite bad.json: tasks[1].options.length: must be an integer in [3, 100000], got 'x'"},
    {"bad --shard", [](json&) {}, "--shard 4/3", "--shard: bad shard '4/3'"},
    {"bad --seeds", [](json&) {}, "--seeds 2-1", "--seeds: empty seed range"},
    {"bad --tasks", [](json&) {}, "--tasks parity,flip_flop", "--tasks: unknown task 'parity'"},
    {"bad --encodings", [](json&) {}, "--encodings nope,", "--encodings: empty name"},
    {"zero --steps", [](json&) {}, "--steps 0", "--steps 0 is out of range"},
    {"zero --threads", [](json&) {}, "--threads 0", "--threads 0 is out of range"},
    {"zero --jobs", [](json&) {}, "--jobs 0", "--jobs 0 is out of range"},
    {"unknown flag", [](json&) {}, "--frobnicate", "frobnicate"},
    {"unknown suite", [](json&) {}, "--suite quik", "unknown suite 'quik' (closest: quick"},
};

TEST_F(CliRun, BadInputExitsTwoWithOneLineAndWritesNothing) {
  for (const auto& bad : kBadRuns) {
    json suite = tiny_suite();
    bad.edit(suite);
    const fs::path file = write_suite(dir_, "bad.json", suite);
    const std::string source = std::string(bad.flags).find("--suite") == 0 ? "" : "--config " + file.string() + " ";
    const CliResult result =
        run_pebench("run " + source + bad.flags + " --out " + (dir_ / "never").string());
    EXPECT_EQ(result.status, 2) << bad.what << ": " << result.err;
    EXPECT_EQ(count_lines(result.err), 1) << bad.what << ": " << result.err;
    EXPECT_NE(result.err.find(bad.expected), std::string::npos) << bad.what << "\n  got: " << result.err;
    EXPECT_FALSE(fs::exists(dir_ / "never")) << bad.what;
  }
}

TEST_F(CliRun, UncreatableOutDirectoryExitsTwoBeforeAnyTraining) {
  const fs::path suite = write_suite(dir_, "ok.json", tiny_suite());
  std::ofstream(dir_ / "plain_file") << "not a directory";
  const CliResult result =
      run_pebench("run --config " + suite.string() + " --out " + (dir_ / "plain_file" / "results").string());
  EXPECT_EQ(result.status, 2) << result.err;
  EXPECT_EQ(count_lines(result.err), 1) << result.err;  // no "training" progress line came first
  EXPECT_NE(result.err.find("--out: cannot create directory"), std::string::npos) << result.err;
}

TEST_F(CliRun, MalformedSuiteFileExitsTwo) {
  std::ofstream(dir_ / "broken.json") << "{\"tasks\": [";
  const CliResult result = run_pebench("run --config " + (dir_ / "broken.json").string());
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(count_lines(result.err), 1) << result.err;
  EXPECT_NE(result.err.find("suite broken.json: malformed JSON"), std::string::npos) << result.err;
}

TEST_F(CliRun, ReportCommandWritesEveryFormat) {
  ASSERT_EQ(run("out").status, 0);
  const CliResult csv = run_pebench("report " + (dir_ / "out").string() + " --format csv");
  ASSERT_EQ(csv.status, 0) << csv.err;
  EXPECT_EQ(count_lines(csv.out), 3);  // header + parity_check/nope + flip_flop/nope
  const CliResult html = run_pebench("report " + (dir_ / "out").string() + " --out " + (dir_ / "r.html").string());
  ASSERT_EQ(html.status, 0) << html.err;
  EXPECT_NE(read_text(dir_ / "r.html").find("<svg"), std::string::npos);
}

TEST_F(CliRun, ReportWritesCsvLongAndJsonAndRejectsUnknownExtensions) {
  ASSERT_EQ(run("out").status, 0);
  const std::string out = (dir_ / "out").string();
  const CliResult csv = run_pebench("report " + out + " --format csv-long");
  ASSERT_EQ(csv.status, 0) << csv.err;
  EXPECT_EQ(csv.out.rfind("family,task,encoding,seed,", 0), 0u);
  const CliResult js = run_pebench("report " + out + " --format json --aggregate median");
  ASSERT_EQ(js.status, 0) << js.err;
  EXPECT_EQ(json::parse(js.out)["options"]["aggregate"], "median");
  const CliResult pdf = run_pebench("report " + out + " --out " + (dir_ / "x.pdf").string());
  EXPECT_EQ(pdf.status, 2);
  EXPECT_EQ(count_lines(pdf.err), 1) << pdf.err;
  EXPECT_FALSE(fs::exists(dir_ / "x.pdf"));
  EXPECT_EQ(run_pebench("report " + out + " --format md --out " + (dir_ / "x.pdf").string()).status, 0);
  EXPECT_EQ(run_pebench("report " + out + " --aggregate mode").status, 2);
}

TEST_F(CliRun, CompareTwoDirectoriesOfTheSameRunFindsNoDifference) {
  ASSERT_EQ(run("a").status, 0);
  ASSERT_EQ(run("b").status, 0);
  fs::remove_all(dir_ / "b" / "parity_check");  // flip_flop only in both; parity_check only in a
  const CliResult result =
      run_pebench("compare " + (dir_ / "a").string() + " " + (dir_ / "b").string() + " --format json");
  ASSERT_EQ(result.status, 0) << result.err;
  const json doc = json::parse(result.out);
  EXPECT_EQ(doc["compare_schema"], 1);
  EXPECT_EQ(doc["mode"], "directories");
  EXPECT_EQ(doc["only_in_a"].size(), 2u);
  ASSERT_EQ(doc["comparisons"].size(), 4u);  // 2 seeds × ood, id
  for (const auto& row : doc["comparisons"]) {
    EXPECT_EQ(row["difference"], 0.0);
    EXPECT_EQ(row["p"], 1.0);
    EXPECT_EQ(row["paired_by"], "sequence");
    EXPECT_EQ(row["verdict"], "no_difference");
  }
}

TEST_F(CliRun, CompareBadInputExitsTwoWithOneLine) {
  ASSERT_EQ(run("a").status, 0);
  const std::string a = (dir_ / "a").string();
  for (const std::string& args : {"compare " + a + " --baseline nopee", "compare " + (dir_ / "none").string(),
                                 "compare " + a + " --format pdf", "compare " + a + " " + a + " --baseline nope"}) {
    const CliResult result = run_pebench(args);
    EXPECT_EQ(result.status, 2) << args;
    EXPECT_EQ(count_lines(result.err), 1) << args << ": " << result.err;
  }
  json foreign = read_json(dir_ / "a" / kCells[0]);  // a cell of another task: no overlap
  foreign["task"]["label"] = "other_task";
  fs::create_directories(dir_ / "other");
  std::ofstream(dir_ / "other" / "x.json") << foreign.dump();
  EXPECT_EQ(run_pebench("compare " + a + " " + (dir_ / "other").string()).status, 2);
}

TEST_F(CliRun, ReportWarnsAboutForeignJsonAndGoesOn) {
  ASSERT_EQ(run("out").status, 0);
  std::ofstream(dir_ / "out" / "notes.json") << "[1, 2]";
  const CliResult result = run_pebench("report " + (dir_ / "out").string());
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(count_lines(result.err), 1) << result.err;
  EXPECT_NE(result.err.find("notes.json: not a pebench result"), std::string::npos) << result.err;
  EXPECT_NE(result.out.find("| parity_check |"), std::string::npos);
}

TEST_F(CliRun, ReportOfAMissingDirectoryExitsTwo) {
  const CliResult result = run_pebench("report " + (dir_ / "nothing").string());
  EXPECT_EQ(result.status, 2);
  EXPECT_EQ(count_lines(result.err), 1) << result.err;
}

}  // namespace
