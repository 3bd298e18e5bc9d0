// Bad command lines for every subcommand, through the binary: each must exit
// with status 2, print exactly one line on stderr naming the problem, print
// nothing on stdout and write nothing (the working directory is compared
// before and after). Values with newlines must stay on that one line.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <set>

#include "tests/cli_runner.hpp"
#include "tests/harness_fixtures.hpp"

using namespace pebench::testing;
namespace fs = std::filesystem;

namespace {

// A valid 1-cell suite of parity_check × nope with a tiny model.
json tiny_suite() {
  return {{"model", {{"d_model", 16}, {"n_layers", 1}, {"n_heads", 2}, {"d_ff", 32}, {"max_seq_len", 64}}},
          {"train", {{"steps", 5}, {"batch_size", 4}, {"lengths", {{"from", 1}, {"to", 8}}}}},
          {"eval", {{"sequences", 4}, {"lengths", {{"id", {{"count", 2}}}, {"ood", {12}}}}}},
          {"tasks", {"parity_check"}},
          {"encodings", {"nope"}},
          {"seeds", {0}}};
}

// Suite files the table refers to, written into the working directory.
void write_fixtures(const fs::path& dir) {
  write_suite(dir, "tiny.json", tiny_suite());
  fs::create_directory(dir / "adir");
  ::mkfifo((dir / "fifo.json").c_str(), 0644);
  std::string text = tiny_suite().dump();
  std::ofstream(dir / "overflow.json") << "{\n  \"train\": {\"lr\": 1e400},\n" << text.substr(1);
  std::ofstream(dir / "dupkeys.json") << "{\"seeds\": [0], \"seeds\": [1], " << text.substr(1);
  auto edited = [&](const char* name, const std::function<void(json&)>& edit) {
    json suite = tiny_suite();
    edit(suite);
    write_suite(dir, name, suite);
  };
  edited("newline.json", [](json& s) { s["model"]["norm"] = "pre\npost"; });
  edited("eps0.json", [](json& s) { s["train"]["eps"] = 0; });
  edited("longlabel.json", [](json& s) { s["tasks"] = {{{"name", "parity_check"}, {"label", std::string(1 << 20, 'a')}}}; });
  edited("wide.json", [](json& s) { s["model"]["d_model"] = 65536; });
  edited("bigbatch.json", [](json& s) {
    s["model"] = {{"d_model", 1024}, {"n_layers", 8}, {"n_heads", 8}, {"d_ff", 4096}, {"max_seq_len", 128}};
    s["train"]["batch_size"] = 65536;
    s["train"]["lengths"] = {{"from", 1}, {"to", 40}};
  });
  edited("manysequences.json", [](json& s) { s["eval"]["sequences"] = 2147483647; });
  edited("labelcase.json", [](json& s) { s["encodings"] = {"nope", {{"name", "nope"}, {"label", "NOPE"}}}; });
}

std::set<std::string> listing(const fs::path& dir) {
  std::set<std::string> paths;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) paths.insert(entry.path().string());
  return paths;
}

struct BadCommand {
  const char* args;      // after `pebench`, as for sh
  const char* expected;  // stderr contains this
};

const BadCommand kBadCommands[] = {
    // run: empty values are never "all" or "the default"
    {"run --tasks ''", "--tasks: must not be empty"},
    {"run --encodings ''", "--encodings: must not be empty"},
    {"run --seeds ''", "--seeds: must not be empty"},
    {"run --shard ''", "--shard: must not be empty"},
    {"run --config ''", "--config: must not be empty"},
    {"run --suite ''", "--suite: must not be empty"},
    {"run --out ''", "--out: must not be empty"},
    {"run --steps ''", "--steps: must not be empty"},
    {"run --threads ''", "--threads: must not be empty"},
    {"run --jobs ''", "--jobs: must not be empty"},
    // run: bounded grids and integers
    {"run --config tiny.json --seeds 0-99999", "--seeds: '0-99999' lists more than 10000 seeds"},
    {"run --config tiny.json --seeds 0-5000,6000-12000", "lists more than 10000 seeds"},
    {"run --config tiny.json --seeds 18446744073709551616", "--seeds: bad seed list"},
    {"run --config tiny.json --steps 99999999999", "--steps"},
    {"run --config tiny.json --jobs 99999999999999999999", "--jobs"},
    // run: the suite file
    {"run --config adir", "suite adir: 'adir' is a directory, not a JSON file"},
    {"run --config fifo.json", "'fifo.json' is not a regular file"},
    {"run --config missing.json", "suite missing.json: cannot read 'missing.json': No such file or directory"},
    {"run --config overflow.json", "suite overflow.json: malformed JSON: number overflow parsing '1e400' at line 2, column 19"},
    {"run --config newline.json", "model.norm: must be one of pre, post; got 'pre\\npost'"},
    {"run --config dupkeys.json", "suite dupkeys.json: seeds: duplicate key"},
    {"run --config eps0.json", "train.eps: must be a number in (0, 1], got 0"},
    {"run --config longlabel.json", "tasks[0].label: must be at most 100 characters"},
    {"run --config labelcase.json", "label 'NOPE' differs from 'nope' only in case"},
    {"run --config manysequences.json", "eval.sequences: must be an integer in [1, 1000000], got 2147483647"},
    // run: infeasible cells are refused before anything runs
    {"run --config wide.json", "cell parity_check/nope/seed0 needs about"},
    {"run --config bigbatch.json --dry-run", "more than this machine has"},
    // run: user input with a newline stays on one line
    {"run --config tiny.json --tasks \"$(printf 'pari\\nty')\"", "--tasks: unknown task 'pari\\nty'"},
    // report
    {"report ''", "dir: must not be empty"},
    {"report adir --format ''", "--format: must not be empty"},
    {"report adir --out ''", "--out: must not be empty"},
    {"report adir --out x.pdf", "--out: cannot tell the format of 'x.pdf' from its extension"},
    {"report adir --format pdf", "unknown report format 'pdf'"},
    {"report \"$(printf 'no\\nsuch')\"", "no such directory 'no\\nsuch'"},
    {"report adir", "no pebench result files"},
    // sample
    {"sample ''", "task: must not be empty"},
    {"sample flip_flop --split ''", "--split: must not be empty"},
    {"sample flip_flop --options ''", "--options: must not be empty"},
    {"sample flip_flop --seed 18446744073709551615", "--seed: '18446744073709551615' is not an integer in [0, "},
    {"sample flip_flop --count 99999999999999999999", "--count: '99999999999999999999' is not an integer"},
    {"sample flip_flop --length ''", "--length: must not be empty"},
    {"sample flip_flop --seed -1", "--seed"},
    // bench
    {"bench --encoding ''", "--encoding: must not be empty"},
    {"bench --shape ''", "--shape:  not in {che,flipflop,quick,all}"},
    {"bench --steps ''", "--steps: must not be empty"},
    {"bench --rounds ''", "--rounds: must not be empty"},
    {"bench --threads ''", "--threads: must not be empty"},
    // list
    {"list ''", "what: must not be empty"},
    {"list everything", "unknown list 'everything'"},
};

TEST(CliBadInput, EveryBadCommandLineExitsTwoWithOneLineAndWritesNothing) {
  const fs::path dir = fresh_temp_dir("bad_cli");
  write_fixtures(dir);
  const auto before = listing(dir);
  for (const auto& bad : kBadCommands) {
    const CliResult result = run_pebench(bad.args, dir.string());
    EXPECT_EQ(result.status, 2) << bad.args << "\n  stderr: " << result.err;
    EXPECT_EQ(count_lines(result.err), 1) << bad.args << "\n  stderr: " << result.err;
    EXPECT_NE(result.err.find(bad.expected), std::string::npos)
        << bad.args << "\n  expected: " << bad.expected << "\n  got:      " << result.err;
    EXPECT_EQ(result.out, "") << bad.args;
    EXPECT_EQ(listing(dir), before) << bad.args << " wrote something";
  }
  fs::remove_all(dir);
}

TEST(CliBadInput, DryRunPrintsEveryCellWithItsMemoryAndTimeAndWritesNothing) {
  const fs::path dir = fresh_temp_dir("dry_run");
  write_fixtures(dir);
  const auto before = listing(dir);
  const CliResult result = run_pebench("run --config tiny.json --seeds 0-2 --dry-run --out out", dir.string());
  ASSERT_EQ(result.status, 0) << result.err;
  for (const char* cell : {"parity_check/nope/seed0", "parity_check/nope/seed1", "parity_check/nope/seed2"})
    EXPECT_NE(result.out.find(cell), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("KiB"), std::string::npos) << result.out;  // the tiny model's memory
  EXPECT_NE(result.out.find("3 cells (0 done)"), std::string::npos) << result.out;
  EXPECT_EQ(listing(dir), before);
  fs::remove_all(dir);
}

}  // namespace
