// A deterministic fuzz test of everything `pebench run` checks before it
// starts: every shipped suite mutated in the ways a careless or hostile user
// would (deleted keys, wrong types, out-of-range and non-finite numbers, huge
// and control-character strings, unknown and duplicate keys, deep nesting,
// invalid UTF-8, truncated and empty files). Every case must end as a valid
// plan (exit 0) or a UsageError of one line (exit 2): any other exception
// would be exit 1, a crash, or a hang.
//
// All cases run in process through plan_run(), the same function the binary
// calls before it writes anything; every 25th case also runs through the
// binary (`run --dry-run` on one cell) to check the exit status, the single
// stderr line and that nothing is written.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>

#include "common/errors.hpp"
#include "common/rng.hpp"
#include "harness/cli/cli_run.hpp"
#include "harness/config/suites.hpp"
#include "tests/cli_runner.hpp"
#include "tests/harness_fixtures.hpp"

using namespace pebench;
using namespace pebench::testing;
namespace fs = std::filesystem;

namespace {

// Cases per shipped suite: most on the small ones, whose valid mutants plan
// fastest (1,000 in all).
int cases_for(const std::string& suite) { return suite == "full" || suite == "standard" ? 200 : 300; }
constexpr int kBinaryEvery = 25;

// Every value's JSON pointer in `document` (the root excluded).
void collect_pointers(const json& value, const json::json_pointer& at, std::vector<json::json_pointer>& out) {
  if (value.is_object())
    for (const auto& [key, child] : value.items()) {
      out.push_back(at / key);
      collect_pointers(child, at / key, out);
    }
  if (value.is_array())
    for (size_t i = 0; i < value.size(); ++i) {
      out.push_back(at / i);
      collect_pointers(value[i], at / i, out);
    }
}

// Replaces the first `"<marker>"` in `text` with raw JSON text.
std::string splice(std::string text, const std::string& marker, const std::string& raw) {
  const std::string quoted = "\"" + marker + "\"";
  const auto at = text.find(quoted);
  if (at != std::string::npos) text.replace(at, quoted.size(), raw);
  return text;
}

const char* const kMarker = "@@MUTATION@@";

// Raw JSON the DOM cannot hold: non-finite and overflowing numbers,
// malformed literals, invalid UTF-8, deep nesting.
std::string raw_value(Rng& rng) {
  static const std::vector<std::string> raw = {
      "1e400", "-1e400", "1e-400", "NaN", "Infinity", "-Infinity", "18446744073709551616", "99999999999999999999999",
      "01", "+1", ".5", "1.", "0x10", "\"\xff\xfe\"", "\"\xc3\"", "\"\\ud800\"", "\"a\\u0000b\"", "tru", "nul",
      "[1,]", "{\"a\":}", std::string(200, '[') + std::string(200, ']'), std::string(70, '[') + std::string(70, ']')};
  return raw[rng.below(raw.size())];
}

// A value of a wrong or extreme kind for any field.
json odd_value(Rng& rng) {
  switch (rng.below(16)) {
    case 0: return nullptr;
    case 1: return true;
    case 2: return json::array();
    case 3: return json::object();
    case 4: return -1;
    case 5: return 0;
    case 6: return 2147483648LL;
    case 7: return 1e308;
    case 8: return 0.5;
    case 9: return std::string(20000, 'x');
    case 10: return "pre\npost";
    case 11: return "\x1b[31mred\t";
    case 12: return "";
    case 13: return 65536;
    case 14: return json::array({json::array({1, 2}), "*"});
    default: return "*";
  }
}

// One mutation of `suite` as file text; `what` says which, for messages.
std::string mutate(const json& suite, Rng& rng, std::string& what) {
  json copy = suite;
  std::vector<json::json_pointer> pointers;
  collect_pointers(copy, json::json_pointer(), pointers);
  const json::json_pointer target = pointers[rng.below(pointers.size())];
  const std::string text = copy.dump(1);
  switch (rng.below(10)) {
    case 0: {  // deleted key or element
      what = "delete " + target.to_string();
      const json::json_pointer parent = target.parent_pointer();
      if (copy[parent].is_object()) copy[parent].erase(target.back());
      else copy[parent].erase(static_cast<size_t>(std::stoul(target.back())));
      return copy.dump(1);
    }
    case 1:
    case 2: {  // wrong type or extreme value
      const json value = odd_value(rng);
      what = "set " + target.to_string() + " = " + value.dump().substr(0, 40);
      copy[target] = value;
      return copy.dump(1);
    }
    case 3: {  // raw text the DOM cannot hold
      const std::string raw = raw_value(rng);
      what = "raw " + target.to_string() + " = " + raw.substr(0, 40);
      copy[target] = kMarker;
      return splice(copy.dump(1), kMarker, raw);
    }
    case 4: {  // unknown key in some object
      json::json_pointer object = target;
      while (!copy[object].is_object()) object = object.parent_pointer();
      what = "unknown key in " + object.to_string();
      copy[object]["stepz"] = 1;
      return copy.dump(1);
    }
    case 5: {  // a key written twice
      json::json_pointer object = target;
      while (!copy[object].is_object() || copy[object].empty()) object = object.parent_pointer();
      const std::string key = copy[object].begin().key();
      what = "duplicate key " + key + " in " + object.to_string();
      copy[object][kMarker] = 0;
      std::string dumped = copy.dump(1);
      const std::string quoted = "\"" + std::string(kMarker) + "\"";
      dumped.replace(dumped.find(quoted), quoted.size(), json(key).dump());
      return dumped;
    }
    case 6: {  // truncated
      const size_t cut = rng.below(text.size());
      what = "truncated at " + std::to_string(cut);
      return text.substr(0, cut);
    }
    case 7: {  // one byte changed
      std::string bytes = text;
      const size_t at = rng.below(bytes.size());
      const char replacements[] = {'\0', '\n', '"', '{', ']', ',', ':', '\xff', '\\', '9'};
      bytes[at] = replacements[rng.below(sizeof replacements)];
      what = "byte " + std::to_string(at) + " changed";
      return bytes;
    }
    case 8: {  // a sequence of bytes deleted
      const size_t at = rng.below(text.size()), length = 1 + rng.below(8);
      what = "bytes " + std::to_string(at) + "+" + std::to_string(length) + " deleted";
      return text.substr(0, at) + text.substr(std::min(text.size(), at + length));
    }
    default:
      what = rng.below(2) ? "empty file" : "whitespace only";
      return what == "empty file" ? "" : " \n\t ";
  }
}

// What plan_run() makes of a suite file: "" for a valid plan, else the
// UsageError's message. Anything else fails the test.
std::string plan_error(const fs::path& file, const std::string& what) {
  RunFlags flags;
  flags.config = file.string();
  flags.out = (file.parent_path() / "never").string();
  TaskCache tasks;
  try {
    plan_run(flags, tasks);
    return "";
  } catch (const UsageError& error) {
    return error.what();
  } catch (const std::exception& error) {
    ADD_FAILURE() << what << ": not a usage error: " << error.what();
  }
  return "";
}

// Files under `dir` other than the suite file itself.
int files_besides(const fs::path& dir, const fs::path& suite) {
  int count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) count += entry.path() != suite;
  return count;
}

TEST(BadInputFuzz, EveryMutatedShippedSuiteIsAValidPlanOrOneUsageErrorLine) {
  const fs::path dir = fresh_temp_dir("fuzz");
  const fs::path file = dir / "mutant.json";
  int cases = 0, usage_errors = 0, through_binary = 0;
  for (const auto& name : shipped_suite_names()) {
    std::ifstream in(shipped_suite_path(name));
    const json suite = json::parse(in);
    Rng rng(2024, "fuzz/" + name);
    for (int k = 0; k < cases_for(name); ++k) {
      std::string what;
      const std::string text = mutate(suite, rng, what);
      std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
      what = name + " case " + std::to_string(k) + ": " + what;
      const auto start = std::chrono::steady_clock::now();
      const std::string error = plan_error(file, what);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      EXPECT_LT(seconds, 10.0) << what;
      EXPECT_LT(error.size(), 1000u) << what << ": a long value must be shortened: " << error.substr(0, 200);
      ++cases;
      usage_errors += !error.empty();
      if (cases % kBinaryEvery == 0) {
        // One cell at most (shard 1 of a million) keeps the dry-run's probe short.
        const CliResult result = run_pebench("run --config " + file.string() + " --dry-run --shard 1/1000000 --out " +
                                             (dir / "never").string());
        EXPECT_EQ(result.status, error.empty() ? 0 : 2) << what << ": " << result.err;
        if (result.status == 2) {
          EXPECT_EQ(count_lines(result.err), 1) << what << ": " << result.err;
        }
        EXPECT_EQ(files_besides(dir, file), 0) << what;
        ++through_binary;
      }
    }
  }
  std::printf("fuzz: %d mutated suites, %d usage errors, %d valid; %d also through the binary\n", cases, usage_errors,
              cases - usage_errors, through_binary);
  EXPECT_GE(cases, 1000);
  // Most mutations break the suite; some (a deleted description) leave it valid.
  EXPECT_GT(usage_errors, cases / 2);
  EXPECT_GT(cases - usage_errors, 0);
  fs::remove_all(dir);
}

}  // namespace
