// Runs the built `pebench` binary for end-to-end CLI tests and captures its
// exit status, stdout and stderr. PEBENCH_BINARY is set by CMake.
#pragma once
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace pebench::testing {

struct CliResult {
  int status = -1;  // exit status, or -1 if the process did not exit normally
  std::string out;
  std::string err;
};

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A fresh empty directory under the system temp dir, unique per call.
inline std::filesystem::path fresh_temp_dir(const std::string& tag) {
  static int counter = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("pebench_test_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// `args` is appended to the binary path as-is (quote as for sh); `env`, if
// given, is prefixed as sh variable assignments ("NAME='value' ...").
inline CliResult run_pebench(const std::string& args, const std::string& cwd = "", const std::string& env = "") {
  const auto dir = fresh_temp_dir("cli");
  const auto out = dir / "stdout", err = dir / "stderr";
  std::string command = (env.empty() ? "" : env + " ") + std::string(PEBENCH_BINARY) + " " + args + " >" + out.string() + " 2>" + err.string() +
                        " </dev/null";
  if (!cwd.empty()) command = "cd '" + cwd + "' && " + command;
  const int raw = std::system(command.c_str());
  CliResult result;
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  result.out = read_text(out);
  result.err = read_text(err);
  std::filesystem::remove_all(dir);
  return result;
}

// Number of lines in text (a final line without '\n' counts).
inline int count_lines(const std::string& text) {
  int lines = 0;
  for (char c : text) lines += c == '\n';
  return lines + (!text.empty() && text.back() != '\n');
}

}  // namespace pebench::testing
