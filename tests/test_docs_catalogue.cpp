// The catalogues in docs/ cover exactly what pebench ships: every encoding has
// a section in docs/encodings.md and every task one in docs/tasks.md, each
// named by its registered name, and no section names a plugin that does not
// exist. The encodings' summary table states each encoding's registered kind,
// citation and options with their defaults, and the page describes every kind.
// Every task's worked example is what `pebench sample` prints today.
// The shipped plugins are those the `pebench` binary lists (this test binary
// also registers test-only plugins).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/build_info.hpp"
#include "models/encoding_info.hpp"
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

// The text of section `### name` (or `## name`) up to the next heading of level 2 or 3.
std::string section_of(const std::string& page, const std::string& name) {
  std::string start = "\n### " + name + "\n";
  size_t begin = page.find(start);
  if (begin == std::string::npos) begin = page.find(start = "\n## " + name + "\n");
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

// `pebench list KIND --json`, one entry per shipped plugin.
nlohmann::json shipped_json(const std::string& kind) {
  const auto result = run_pebench("list " + kind + " --json");
  EXPECT_EQ(result.status, 0) << result.err;
  return nlohmann::json::parse(result.out);
}

std::string trim(const std::string& text) {
  const size_t begin = text.find_first_not_of(' ');
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(' ') - begin + 1);
}

// One row of the encodings' summary table:
// | [`name`](#name) | kind | hook | learned parameters | options (defaults) | source |
struct SummaryRow {
  std::string kind, options, source;
};

std::map<std::string, SummaryRow> summary_rows(const std::string& page) {
  std::map<std::string, SummaryRow> rows;
  const std::regex row(R"(^\| \[`([a-z0-9_]+)`\]\(#[a-z0-9_]+\) \|(.*)\|\s*$)");
  std::istringstream lines(section_of(page, "Summary"));
  std::smatch match;
  for (std::string line; std::getline(lines, line);) {
    if (!std::regex_match(line, match, row)) continue;
    std::vector<std::string> cells;
    std::istringstream rest(match[2].str());
    for (std::string cell; std::getline(rest, cell, '|');) cells.push_back(trim(cell));
    EXPECT_EQ(cells.size(), 5u) << line;
    if (cells.size() == 5) rows[match[1]] = {cells[0], cells[3], cells[4]};
  }
  return rows;
}

// "`base` 10000, `init` truncated_normal" -> {"base": 10000, "init": "truncated_normal"};
// "—" -> {}. A value that is not JSON (a bare word) is a string.
nlohmann::json parse_options(const std::string& cell) {
  nlohmann::json options = nlohmann::json::object();
  const std::regex pair("`([A-Za-z0-9_]+)` ([^,]+)");
  for (auto it = std::sregex_iterator(cell.begin(), cell.end(), pair); it != std::sregex_iterator(); ++it) {
    const std::string value = trim((*it)[2]);
    const auto parsed = nlohmann::json::parse(value, nullptr, false);
    options[(*it)[1].str()] = parsed.is_discarded() ? nlohmann::json(value) : parsed;
  }
  return options;
}

}  // namespace

TEST(DocsCatalogue, EncodingsPageHasOneSectionPerRegisteredEncoding) {
  EXPECT_EQ(sorted(plugin_headings(docs_page("encodings.md"))), shipped("encodings"));
}

TEST(DocsCatalogue, TasksPageHasOneSectionPerRegisteredTask) {
  EXPECT_EQ(sorted(plugin_headings(docs_page("tasks.md"))), shipped("tasks"));
}


TEST(DocsCatalogue, EncodingSummaryTableStatesTheRegisteredKindCitationAndOptions) {
  const auto rows = summary_rows(docs_page("encodings.md"));
  const auto encodings = shipped_json("encodings");
  ASSERT_FALSE(encodings.empty());
  EXPECT_EQ(rows.size(), encodings.size());
  for (const auto& encoding : encodings) {
    const std::string name = encoding.at("name");
    SCOPED_TRACE(name);
    const auto row = rows.find(name);
    ASSERT_NE(row, rows.end()) << "no row in the summary table";
    EXPECT_EQ(row->second.kind, encoding.at("kind"));
    EXPECT_EQ(row->second.source, encoding.at("citation"));
    EXPECT_EQ(parse_options(row->second.options), encoding.at("params")) << row->second.options;
  }
}

TEST(DocsCatalogue, EncodingsPageDescribesEveryKind) {
  const std::string kinds = section_of(docs_page("encodings.md"), "Kinds");
  ASSERT_FALSE(kinds.empty()) << "no ### Kinds section";
  for (EncodingKind kind : encoding_kinds())
    EXPECT_NE(kinds.find(std::string("`") + to_string(kind) + "`"), std::string::npos) << to_string(kind);
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
