// The catalogues in docs/ cover exactly what pebench ships: every encoding has
// a section in docs/encodings.md and every task one in docs/tasks.md, each
// named by its registered name, and no section names a plugin that does not
// exist. Every task's worked example is what `pebench sample` prints today.
// The shipped plugins are those the `pebench` binary lists (this test binary
// also registers test-only plugins).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/build_info.hpp"
#include "tests/cli_runner.hpp"

using namespace pebench;
using pebench::testing::read_text;
using pebench::testing::run_pebench;

namespace {

std::string docs_page(const std::string& name) {
  return read_text(std::filesystem::path(build_source_dir()) / "docs" / name);
}

// The names of `### name` headings that look like plugin names (lower case,
// digits and underscores), in page order.
std::vector<std::string> plugin_headings(const std::string& page) {
  std::vector<std::string> names;
  const std::regex heading(R"(^### ([a-z][a-z0-9_]*)\s*$)");
  std::istringstream lines(page);
  std::string line;
  std::smatch match;
  while (std::getline(lines, line))
    if (std::regex_match(line, match, heading)) names.push_back(match[1]);
  return names;
}

std::vector<std::string> sorted(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return names;
}

// The text of section `### name` up to the next heading of level 2 or 3.
std::string section_of(const std::string& page, const std::string& name) {
  const std::string start = "\n### " + name + "\n";
  const size_t begin = page.find(start);
  if (begin == std::string::npos) return "";
  size_t end = page.find("\n## ", begin + start.size());
  end = std::min(end, page.find("\n### ", begin + start.size()));
  return page.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

// Names of the shipped tasks or encodings (`pebench list KIND --json`), sorted.
std::vector<std::string> shipped(const std::string& kind) {
  const auto result = run_pebench("list " + kind + " --json");
  EXPECT_EQ(result.status, 0) << result.err;
  std::vector<std::string> names;
  for (const auto& entry : nlohmann::json::parse(result.out)) names.push_back(entry.at("name"));
  return sorted(names);
}

std::vector<std::string> words_after(const std::string& text, const std::string& label) {
  const size_t at = text.find(label);
  if (at == std::string::npos) return {};
  std::istringstream line(text.substr(at + label.size(), text.find('\n', at) - at - label.size()));
  std::vector<std::string> words;
  for (std::string word; line >> word;) words.push_back(word);
  return words;
}

}  // namespace

TEST(DocsCatalogue, EncodingsPageHasOneSectionPerRegisteredEncoding) {
  EXPECT_EQ(sorted(plugin_headings(docs_page("encodings.md"))), shipped("encodings"));
}

TEST(DocsCatalogue, TasksPageHasOneSectionPerRegisteredTask) {
  EXPECT_EQ(sorted(plugin_headings(docs_page("tasks.md"))), shipped("tasks"));
}

// Each task section shows `build/pebench sample NAME --count 1 --length N`
// (optionally `--seed S`) and three aligned rows (tokens, targets with · for none, scored as 1/·);
// they must be exactly what the binary prints now.
TEST(DocsCatalogue, EveryTaskExampleIsWhatPebenchSamplePrints) {
  const std::string page = docs_page("tasks.md");
  const auto tasks = shipped("tasks");
  ASSERT_FALSE(tasks.empty());
  for (const std::string& task : tasks) {
    SCOPED_TRACE(task);
    const std::string section = section_of(page, task);
    std::smatch command;
    const std::regex pattern("`build/pebench (sample " + task + " --count 1 --length [0-9]+( --seed [0-9]+)?)`");
    ASSERT_TRUE(std::regex_search(section, command, pattern)) << "no example command";
    const auto result = run_pebench(command[1].str());
    ASSERT_EQ(result.status, 0) << result.err;
    const auto sample = nlohmann::json::parse(result.out);

    std::vector<std::string> tokens, targets, scored;
    for (const auto& token : sample.at("tokens")) tokens.push_back(token);
    for (const auto& target : sample.at("targets")) targets.push_back(target.is_null() ? "·" : target.get<std::string>());
    for (const auto& flag : sample.at("scored")) scored.push_back(flag.get<int>() ? "1" : "·");
    EXPECT_EQ(words_after(section, "tokens : "), tokens);
    EXPECT_EQ(words_after(section, "targets: "), targets);
    EXPECT_EQ(words_after(section, "scored : "), scored);
  }
}
