// `pebench run` and `report` on shared, damaged or full output directories,
// through the binary:
//   - two runs on one --out split the grid through per-cell lock files and
//     together write exactly what one run writes, training each cell once;
//   - stale locks and temp files of dead processes are taken over / removed,
//     those of live ones are left alone;
//   - a directory, FIFO, symlink loop or half-valid JSON at a result path is
//     one warning naming the file, and the cell is redone;
//   - the report reads only regular files named seed<k>.json and never pools
//     two results of one cell;
//   - a full file system ends a run or a report with exit 1 and one error
//     line, no temp file, and every earlier result intact (on a tiny tmpfs;
//     skipped, saying why, where mounting is not permitted).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <vector>

#include "common/atomic_file.hpp"
#include "harness/run/result_file.hpp"
#include "tests/cli_runner.hpp"
#include "tests/harness_fixtures.hpp"

using namespace pebench;
using namespace pebench::testing;
namespace fs = std::filesystem;

namespace {

// 2 tasks × nope × `seeds` seeds of a 1-layer model.
json small_suite(int seeds, int steps) {
  json seed_list = json::array();
  for (int s = 0; s < seeds; ++s) seed_list.push_back(s);
  return {{"model", {{"d_model", 16}, {"n_layers", 1}, {"n_heads", 2}, {"d_ff", 32}, {"max_seq_len", 64}}},
          {"train", {{"steps", steps}, {"batch_size", 8}, {"lr", 0.003}, {"curve_points", 10},
                     {"lengths", {{"from", 1}, {"to", 8}}}}},
          {"eval", {{"sequences", 16}, {"sub_batch", 8}, {"lengths", {{"id", {{"count", 2}}}, {"ood", {12, 16}}}}}},
          {"tasks", {"parity_check", {{"name", "flip_flop"}, {"options", {{"length", 12}, {"ood_length", 16}}},
                                      {"train", {{"lengths", "default"}}}}}},
          {"encodings", {"nope"}},
          {"seeds", seed_list}};
}

// Result files under `dir` (relative paths, sorted).
std::vector<std::string> result_files(const fs::path& dir) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file() && is_result_file_name(entry.path().filename().string()))
      files.push_back(fs::relative(entry.path(), dir).string());
  std::sort(files.begin(), files.end());
  return files;
}

// Lock and temp files left under `dir`.
std::vector<std::string> leftovers(const fs::path& dir) {
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".tmp" || entry.path().extension() == ".lock") found.push_back(name);
  }
  return found;
}

json reproducible_part(const json& result) {
  return {{"config", result["config"]}, {"status", result["status"]}, {"eval", result["eval"]["splits"]},
          {"curve", result["train"]["curve"]}};
}

// "<n> ran" from a run's last summary line.
int cells_ran(const std::string& err) {
  std::smatch match;
  if (!std::regex_search(err, match, std::regex("(\\d+) ran, "))) return -1;
  return std::stoi(match[1]);
}

int count_matches(const std::string& text, const std::string& needle) {
  int count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
  return count;
}

// Starts the binary with stderr into `err`; returns its pid.
pid_t spawn(const std::vector<std::string>& args, const fs::path& err) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv = {const_cast<char*>(PEBENCH_BINARY)};
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    const int null = ::open("/dev/null", O_WRONLY);
    const int log = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(null, 1);
    ::dup2(log, 2);
    ::execv(PEBENCH_BINARY, argv.data());
    ::_exit(127);
  }
  return pid;
}

int wait_status(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The pid of a process that has exited (and been reaped).
long dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  wait_status(pid);
  return pid;
}

class RunSafety : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    dir_ = fresh_temp_dir("run_safety");
    suite_ = write_suite(dir_, "small.json", small_suite(2, 30));
  }
  void TearDown() override { fs::remove_all(dir_); }
  CliResult run(const fs::path& out, const std::string& extra = "") {
    return run_pebench("run --config " + suite_.string() + " --out " + out.string() + " --threads 1 " + extra);
  }
  fs::path cell_dir(const fs::path& out, const std::string& task) { return out / task / "nope"; }
  fs::path dir_, suite_;
};

TEST_F(RunSafety, TwoConcurrentRunsSplitTheGridAndWriteWhatOneRunWrites) {
  const fs::path suite = write_suite(dir_, "eight.json", small_suite(4, 60));
  const fs::path out = dir_ / "shared";
  const std::vector<std::string> args = {"run", "--config", suite.string(), "--out", out.string(), "--threads", "1"};
  const pid_t first = spawn(args, dir_ / "first.err");
  const pid_t second = spawn(args, dir_ / "second.err");
  const int first_status = wait_status(first), second_status = wait_status(second);
  const std::string first_err = read_text(dir_ / "first.err"), second_err = read_text(dir_ / "second.err");
  ASSERT_EQ(first_status, 0) << first_err;
  ASSERT_EQ(second_status, 0) << second_err;
  EXPECT_EQ(cells_ran(first_err) + cells_ran(second_err), 8) << "a cell was trained twice or never:\n"
                                                             << first_err << "\n" << second_err;
  EXPECT_EQ(leftovers(out), std::vector<std::string>{});

  const CliResult single = run_pebench("run --config " + suite.string() + " --out " + (dir_ / "single").string());
  ASSERT_EQ(single.status, 0) << single.err;
  const auto files = result_files(out);
  ASSERT_EQ(files, result_files(dir_ / "single"));
  ASSERT_EQ(files.size(), 8u);
  for (const auto& file : files)
    EXPECT_EQ(reproducible_part(read_json(out / file)), reproducible_part(read_json(dir_ / "single" / file))) << file;
}

TEST_F(RunSafety, AStaleLockOfADeadProcessIsTakenOver) {
  const fs::path out = dir_ / "out";
  fs::create_directories(cell_dir(out, "parity_check"));
  std::ofstream(cell_dir(out, "parity_check") / ".seed0.json.lock") << this_host() << " " << dead_pid() << "\n";
  const CliResult result = run(out);
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(cells_ran(result.err), 4) << result.err;
  EXPECT_EQ(leftovers(out), std::vector<std::string>{});
}

// A lock is staged in a private temp file and linked into place, so a run
// killed while claiming leaves at most that temp file; the next run removes it.
TEST_F(RunSafety, AStagedLockOfADeadProcessIsRemoved) {
  const fs::path out = dir_ / "out";
  const fs::path cell = cell_dir(out, "parity_check");
  fs::create_directories(cell);
  const fs::path staged = cell / ("..seed0.json.lock." + this_host() + "." + std::to_string(dead_pid()) + ".tmp");
  std::ofstream(staged) << this_host() << " " << dead_pid() << "\n";
  const CliResult result = run(out);
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(cells_ran(result.err), 4) << result.err;
  EXPECT_FALSE(fs::exists(staged));
  EXPECT_EQ(leftovers(out), std::vector<std::string>{});
}

TEST_F(RunSafety, ALiveLockMakesTheRunLeaveThatCellToItsOwner) {
  const fs::path out = dir_ / "out";
  fs::create_directories(cell_dir(out, "parity_check"));
  const fs::path lock = cell_dir(out, "parity_check") / ".seed1.json.lock";
  std::ofstream(lock) << this_host() << " " << ::getpid() << "\n";  // this test process: alive
  const CliResult result = run(out);
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(cells_ran(result.err), 3) << result.err;
  EXPECT_NE(result.err.find("1 left to another run on this directory"), std::string::npos) << result.err;
  EXPECT_FALSE(fs::exists(cell_dir(out, "parity_check") / "seed1.json"));
  EXPECT_TRUE(fs::exists(lock)) << "another run's lock was removed";
}

TEST_F(RunSafety, OnlyTempFilesOfGoneWritersAreRemoved) {
  const fs::path out = dir_ / "out";
  const fs::path cell = cell_dir(out, "parity_check");
  fs::create_directories(cell);
  const fs::path dead = cell / (".seed0.json." + this_host() + "." + std::to_string(dead_pid()) + ".tmp");
  const fs::path live = cell / (".seed0.json." + this_host() + "." + std::to_string(::getpid()) + ".tmp");
  const fs::path other_host = cell / ".seed0.json.some-other-host.1.tmp";  // fresh: its owner may be alive
  for (const auto& path : {dead, live, other_host}) std::ofstream(path) << "{\"partial";
  const CliResult result = run(out);
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(other_host));
}

TEST_F(RunSafety, DamagedResultPathsAreOneWarningEachAndTheirCellsAreRedone) {
  const fs::path out = dir_ / "out";
  ASSERT_EQ(run(out).status, 0);
  const fs::path parity = cell_dir(out, "parity_check"), flip = cell_dir(out, "flip_flop");
  // A directory, a FIFO, a symlink loop, and a result whose "train" is gone.
  fs::remove(parity / "seed0.json");
  fs::create_directory(parity / "seed0.json");
  std::ofstream(parity / "seed0.json" / "notes.txt") << "kept";
  fs::remove(parity / "seed1.json");
  ASSERT_EQ(::mkfifo((parity / "seed1.json").c_str(), 0644), 0);
  fs::remove(flip / "seed0.json");
  fs::create_symlink("seed0.json", flip / "seed0.json");
  json half = read_json(flip / "seed1.json");
  half.erase("train");
  std::ofstream(flip / "seed1.json", std::ios::trunc) << half.dump();

  const CliResult result = run(out);
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(cells_ran(result.err), 4) << result.err;
  for (const fs::path& damaged : {parity / "seed0.json", parity / "seed1.json", flip / "seed0.json", flip / "seed1.json"}) {
    EXPECT_EQ(count_matches(result.err, "warning: " + damaged.string() + ": "), 1) << damaged << "\n" << result.err;
    EXPECT_NO_THROW(ResultRecord::from_json(read_json(damaged))) << damaged;
  }
  EXPECT_EQ(read_text(parity / "seed0.json.damaged" / "notes.txt"), "kept");  // moved aside, never deleted
}

TEST_F(RunSafety, ReportSkipsLoopsAndCopiesAndNeverPoolsTwoResultsOfOneCell) {
  const fs::path out = dir_ / "out";
  ASSERT_EQ(run(out).status, 0);
  const fs::path parity = cell_dir(out, "parity_check");
  fs::copy_file(parity / "seed0.json", parity / "seed0_copy.json");
  fs::create_directories(out / "backup" / "parity_check" / "nope");
  fs::copy_file(parity / "seed0.json", out / "backup" / "parity_check" / "nope" / "seed0.json");
  fs::create_directories(out / "loop");
  fs::create_symlink("seed7.json", out / "loop" / "seed7.json");
  const CliResult report = run_pebench("report " + out.string() + " --format csv");
  ASSERT_EQ(report.status, 0) << report.err;
  EXPECT_NE(report.err.find("seed0_copy.json: not a pebench result"), std::string::npos) << report.err;
  EXPECT_NE(report.err.find("a second result for parity_check/nope/seed0"), std::string::npos) << report.err;
  EXPECT_NE(report.err.find("loop/seed7.json: cannot be read"), std::string::npos) << report.err;
  EXPECT_NE(report.err.find("Grid: 4 of 4 cells done"), std::string::npos) << report.err;  // CSV: coverage on stderr
  EXPECT_EQ(count_lines(report.err), 4) << report.err;
  const std::string csv = report.out;
  const auto row = csv.find("parity_check,");
  ASSERT_NE(row, std::string::npos) << csv;
  const std::string line = csv.substr(row, csv.find('\n', row) - row);
  EXPECT_NE(line.find(",2,"), std::string::npos) << "two seeds, not three: " << line;
}

TEST_F(RunSafety, AnInterruptedReportsTempFileIsCleanedUpByTheNextReport) {
  const fs::path out = dir_ / "out";
  ASSERT_EQ(run(out).status, 0);
  const fs::path stale = out / (".report.md." + this_host() + "." + std::to_string(dead_pid()) + ".tmp");
  std::ofstream(stale) << "# half a rep";
  const CliResult report = run_pebench("report " + out.string() + " --out " + (out / "report.md").string());
  ASSERT_EQ(report.status, 0) << report.err;
  EXPECT_FALSE(fs::exists(stale));
}

// A tmpfs of `kib` KiB at `at`, unmounted on destruction; mounted() is false
// (with why()) where mounting is not permitted.
class TinyFileSystem {
 public:
  TinyFileSystem(const fs::path& at, int kib) : at_(at) {
    fs::create_directories(at);
    const std::string options = "size=" + std::to_string(kib) + "k";
    if (::mount("tmpfs", at.c_str(), "tmpfs", 0, options.c_str()) == 0) mounted_ = true;
    else why_ = std::strerror(errno);
  }
  ~TinyFileSystem() {
    if (mounted_) ::umount2(at_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& why() const { return why_; }

 private:
  fs::path at_;
  bool mounted_ = false;
  std::string why_;
};

// Fills the file system holding `dir` until a write fails.
void fill(const fs::path& dir) {
  const int fd = ::open((dir / "filler").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const std::string block(4096, 'x');
  while (::write(fd, block.data(), block.size()) > 0) {
  }
  ::close(fd);
}

TEST_F(RunSafety, AFullFileSystemEndsWithOneErrorLineNoTempFileAndEveryEarlierResultIntact) {
  const TinyFileSystem tiny(dir_ / "tmpfs", 1024);
  if (!tiny.mounted()) {
    std::printf("skipped: cannot mount a tmpfs here (%s); the disk-full behaviour is not tested\n",
                tiny.why().c_str());
    GTEST_SKIP() << "cannot mount a tmpfs: " << tiny.why();
  }
  const fs::path out = dir_ / "tmpfs" / "out";
  ASSERT_EQ(run(out).status, 0);
  std::map<std::string, std::string> before;
  for (const auto& file : result_files(out)) before[file] = read_text(out / file);
  ASSERT_EQ(before.size(), 4u);
  fill(dir_ / "tmpfs");

  const CliResult rerun = run(out, "--force");
  EXPECT_EQ(rerun.status, 1) << rerun.err;
  EXPECT_EQ(count_matches(rerun.err, "error:"), 1) << rerun.err;
  EXPECT_NE(rerun.err.find("No space left on device"), std::string::npos) << rerun.err;
  EXPECT_EQ(leftovers(out), std::vector<std::string>{});
  for (const auto& [file, text] : before) EXPECT_EQ(read_text(out / file), text) << file << " was lost";

  const CliResult report = run_pebench("report " + out.string() + " --out " + (dir_ / "tmpfs" / "r.md").string());
  EXPECT_EQ(report.status, 1) << report.err;
  EXPECT_EQ(count_lines(report.err), 1) << report.err;
  EXPECT_NE(report.err.find("No space left on device"), std::string::npos) << report.err;
  EXPECT_FALSE(fs::exists(dir_ / "tmpfs" / "r.md"));
  EXPECT_EQ(leftovers(dir_ / "tmpfs"), std::vector<std::string>{});
}

}  // namespace
