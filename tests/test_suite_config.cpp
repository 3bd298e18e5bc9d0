// Suite parsing and validation (harness/config/suite_config.hpp, cell_settings.hpp):
// every bad value is a one-line UsageError naming the file and the field path.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <functional>

#include "common/errors.hpp"
#include "harness/config/suite_config.hpp"
#include "harness/run/result_record.hpp"
#include "tasks/task.hpp"
#include "tests/harness_fixtures.hpp"

using namespace pebench;
using pebench::testing::probe_suite;

namespace {

SuiteOverrides tasks_flag(std::vector<std::string> names) {
  SuiteOverrides overrides;
  overrides.tasks = std::move(names);
  return overrides;
}

SuiteOverrides steps_flag(int steps) {
  SuiteOverrides overrides;
  overrides.steps = steps;
  return overrides;
}

Suite parse(const json& document) { return parse_suite(document, "probe", "suite probe.json"); }

// The UsageError message parsing `document` raises ("" if none).
std::string error_of(const json& document) {
  try {
    parse(document);
  } catch (const UsageError& error) {
    return error.what();
  }
  return "";
}

struct BadSuiteCase {
  const char* what;
  std::function<void(json&)> edit;
  const char* expected;  // the whole message must contain this
};

const BadSuiteCase kBadSuites[] = {
    {"negative steps", [](json& s) { s["train"]["steps"] = -5; },
     "suite probe.json: train.steps: must be a positive integer, got -5"},
    {"zero batch", [](json& s) { s["train"]["batch_size"] = 0; },
     "suite probe.json: train.batch_size: must be an integer in [1, 65536], got 0"},
    {"fractional steps", [](json& s) { s["train"]["steps"] = 2.5; }, "train.steps: must be a positive integer, got 2.5"},
    {"steps as string", [](json& s) { s["train"]["steps"] = "100"; },
     "train.steps: must be a positive integer, got '100'"},
    {"unknown top-level key", [](json& s) { s["taskz"] = "*"; }, "suite probe.json: taskz: unknown key (closest: tasks)"},
    {"unknown train key", [](json& s) { s["train"]["stepz"] = 3; }, "train.stepz: unknown key (closest: steps)"},
    {"dropout under model", [](json& s) { s["model"]["dropout"] = 0.1; },
     "model.dropout: unknown key (dropout is set in train.dropout)"},
    {"heads not dividing width", [](json& s) { s["model"]["n_heads"] = 3; },
     "model.n_heads: must divide model.d_model (8), got 3"},
    {"bad norm", [](json& s) { s["model"]["norm"] = "mid"; }, "model.norm: must be one of pre, post; got 'mid'"},
    {"bad precision", [](json& s) { s["model"]["precision"] = "fp16"; },
     "model.precision: must be one of fp32, bf16; got 'fp16'"},
    {"bad schedule", [](json& s) { s["train"]["schedule"] = "warmup_cosin"; },
     "train.schedule: must be one of constant, warmup_linear, warmup_cosine; got 'warmup_cosin' (closest: "
     "warmup_cosine)"},
    {"lr zero", [](json& s) { s["train"]["lr"] = 0; }, "train.lr: must be a number in (0, 10], got 0"},
    {"dropout above 1", [](json& s) { s["train"]["dropout"] = 1.5; }, "train.dropout: must be a number in [0, 0.99]"},
    {"warmup above steps", [](json& s) { s["train"]["warmup_steps"] = 10; },
     "train.warmup_steps: must be <= train.steps (4), got 10"},
    {"empty task list", [](json& s) { s["tasks"] = json::array(); }, "suite probe.json: tasks: must not be empty"},
    {"missing tasks", [](json& s) { s.erase("tasks"); }, "tasks: missing"},
    {"unknown task", [](json& s) { s["tasks"] = {"harness_prob"}; },
     "tasks[0]: unknown task 'harness_prob' (closest: harness_probe"},
    {"unknown encoding", [](json& s) { s["encodings"] = {"nope", "nopee"}; },
     "encodings[1]: unknown encoding 'nopee' (closest: nope"},
    {"task entry without name", [](json& s) { s["tasks"] = {{{"label", "x"}}}; }, "tasks[0]: needs a \"name\""},
    {"bad task option", [](json& s) { s["tasks"] = {{{"name", "harness_probe"}, {"options", {{"bais", 1}}}}}; },
     "suite probe.json: tasks[0].options.bais: unknown key (closest: bias)"},
    {"bad task option value", [](json& s) { s["tasks"] = {{{"name", "harness_probe"}, {"options", {{"bias", 2}}}}}; },
     "suite probe.json: tasks[0].options.bias: must be a number in [0, 1], got 2"},
    {"bad encoding option", [](json& s) { s["encodings"] = {{{"name", "nope"}, {"options", {{"x", 1}}}}}; },
     "suite probe.json: encodings[0].options.x: unknown key (none are accepted here)"},
    {"bad encoding option value", [](json& s) { s["encodings"] = {{{"name", "rope"}, {"options", {{"base", "x"}}}}}; },
     "suite probe.json: encodings[0].options.base: must be a number > 1, got 'x'"},
    {"non-object encoding options", [](json& s) { s["encodings"] = {{{"name", "rope"}, {"options", 3}}}; },
     "suite probe.json: encodings[0].options: must be a JSON object, got 3"},
    {"duplicate label", [](json& s) { s["tasks"] = {"harness_probe", {{"name", "harness_probe"}}}; },
     "tasks[1]: duplicate label 'harness_probe'"},
    {"label with a slash", [](json& s) { s["tasks"] = {{{"name", "harness_probe"}, {"label", "a/b"}}}; },
     "tasks[0].label: must be a non-empty name"},
    {"task override with a bad value", [](json& s) {
       s["tasks"] = {{{"name", "harness_probe"}, {"train", {{"batch_size", -1}}}}};
     }, "tasks[0].train.batch_size: must be an integer in [1, 65536], got -1"},
    {"unknown family", [](json& s) { s["families"] = {{"regulr", json::object()}}; },
     "families: unknown family 'regulr' (closest: regular"},
    {"empty seeds", [](json& s) { s["seeds"] = json::array(); }, "seeds: must be a non-empty list"},
    {"negative seed", [](json& s) { s["seeds"] = {-1}; }, "seeds[0]: must be a non-negative integer, got -1"},
    {"bad seed range", [](json& s) { s["seeds"] = "3-1"; }, "seeds: empty seed range '3-1'"},
    {"empty eval split list", [](json& s) { s["eval"]["splits"] = json::array(); },
     "eval.splits: must be \"*\" or a non-empty list"},
    {"bad length spec", [](json& s) { s["eval"]["lengths"] = {{"ood", {{"from", 10}}}}; },
     "eval.lengths.ood.to: is required together with 'from'"},
    {"zero length", [](json& s) { s["train"]["lengths"] = {0, 3}; },
     "train.lengths[0]: must be an integer in [1, 1000000], got 0"},
    {"reversed range", [](json& s) { s["train"]["lengths"] = {{"from", 5}, {"to", 2}}; },
     "train.lengths.to: must be >= from (5), got 2"},
    {"model not an object", [](json& s) { s["model"] = 3; }, "model: must be a JSON object, got 3"},
};

TEST(SuiteConfig, EveryBadValueIsAOneLineUsageErrorNamingTheField) {
  for (const auto& bad : kBadSuites) {
    json suite = probe_suite();
    bad.edit(suite);
    const std::string message = error_of(suite);
    EXPECT_NE(message.find(bad.expected), std::string::npos)
        << bad.what << "\n  expected: " << bad.expected << "\n  got:      " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << bad.what << ": " << message;
  }
}

TEST(SuiteConfig, TheProbeSuiteIsValid) { EXPECT_EQ(error_of(probe_suite()), ""); }

// model.precision is read, and a result records it where it is not the
// default: a float32 cell's record (and resume key) is what it always was.
TEST(SuiteConfig, PrecisionIsReadAndRecordedOnlyWhenNotTheDefault) {
  json suite = probe_suite();
  EXPECT_EQ(parse(suite).base.model.precision, Precision::fp32);
  EXPECT_FALSE(model_config_json(parse(suite).base.model).contains("precision"));
  suite["model"]["precision"] = "bf16";
  EXPECT_EQ(parse(suite).base.model.precision, Precision::bf16);
  EXPECT_EQ(model_config_json(parse(suite).base.model).at("precision"), "bf16");
}

TEST(SuiteConfig, SectionsOverrideTheDefaults) {
  const Suite suite = parse(probe_suite());
  EXPECT_EQ(suite.base.model.d_model, 8);
  EXPECT_EQ(suite.base.model.n_layers, 1);
  EXPECT_EQ(suite.base.model.d_ff, 16);
  EXPECT_EQ(suite.base.train.steps, 4);
  EXPECT_EQ(suite.base.train.optimizer.total_steps, 4);
  EXPECT_DOUBLE_EQ(suite.base.train.optimizer.lr, 0.01);
  EXPECT_EQ(suite.base.eval.sequences, 8);
  EXPECT_EQ(suite.base.eval.seed, 1u);  // the default: the CHE reference's evaluation seed
}

TEST(SuiteConfig, IntegralFloatsAreAcceptedAsIntegers) {
  json document = probe_suite();
  document["train"]["steps"] = 1e3;
  EXPECT_EQ(parse(document).base.train.steps, 1000);
}

TEST(SuiteConfig, WildcardTasksAreEveryRegisteredTask) {
  json document = probe_suite();
  document["tasks"] = "*";
  const Suite suite = parse(document);
  EXPECT_EQ(suite.tasks.size(), task_registry().names().size());
}

TEST(SuiteConfig, AnExplicitEntryReplacesTheWildcardsEntryOfTheSameLabel) {
  json document = probe_suite();
  document["tasks"] = {"*", {{"name", "harness_probe"}, {"train", {{"steps", 2}}}}};
  const Suite suite = parse(document);
  int probes = 0;
  for (const auto& entry : suite.tasks)
    if (entry.label == "harness_probe") {
      ++probes;
      EXPECT_EQ(entry.overrides["train"]["steps"], 2);
    }
  EXPECT_EQ(probes, 1);
  EXPECT_EQ(suite.tasks.size(), task_registry().names().size());
}

TEST(SuiteConfig, LabelsLetOneTaskAppearWithDifferentOptions) {
  json document = probe_suite();
  document["tasks"] = {"harness_probe", {{"name", "harness_probe"}, {"label", "probe_biased"}, {"options", {{"bias", 0.9}}}}};
  const Suite suite = parse(document);
  ASSERT_EQ(suite.tasks.size(), 2u);
  EXPECT_EQ(suite.tasks[1].label, "probe_biased");
  EXPECT_EQ(suite.tasks[1].name, "harness_probe");
  EXPECT_EQ(suite.tasks[1].options["bias"], 0.9);
}

TEST(SuiteConfig, SeedsAcceptARangeString) {
  json document = probe_suite();
  document["seeds"] = "0-2,7";
  EXPECT_EQ(parse(document).seeds, (std::vector<int>{0, 1, 2, 7}));
}

TEST(SuiteConfig, SettingsResolveAsBaseThenFamilyThenTaskEntryThenSteps) {
  json document = probe_suite();
  document["families"] = {{"regular", {{"train", {{"batch_size", 16}, {"steps", 7}}}}}};
  document["tasks"] = {{{"name", "harness_probe"}, {"train", {{"steps", 9}}}}};
  Suite suite = parse(document);
  CellSettings settings = resolve_task_settings(suite, suite.tasks[0], "regular");
  EXPECT_EQ(settings.train.batch_size, 16);  // family
  EXPECT_EQ(settings.train.steps, 9);        // task entry beats family
  EXPECT_DOUBLE_EQ(settings.train.optimizer.lr, 0.01);  // suite section
  apply_overrides(suite, steps_flag(3));
  EXPECT_EQ(resolve_task_settings(suite, suite.tasks[0], "regular").train.steps, 3);  // --steps wins
}

TEST(SuiteConfig, StepsFlagCapsTheWarmup) {
  json document = probe_suite();
  document["train"]["steps"] = 100;
  document["train"]["warmup_steps"] = 50;
  Suite suite = parse(document);
  apply_overrides(suite, steps_flag(10));
  EXPECT_EQ(resolve_task_settings(suite, suite.tasks[0], "regular").train.optimizer.warmup_steps, 10);
}

TEST(SuiteConfig, TasksFlagSelectsSuiteLabelsOrRegisteredNames) {
  json document = probe_suite();
  document["tasks"] = {{{"name", "harness_probe"}, {"label", "probe_biased"}, {"options", {{"bias", 0.9}}}}};
  Suite suite = parse(document);
  apply_overrides(suite, tasks_flag({"harness_causal_probe", "probe_biased"}));
  ASSERT_EQ(suite.tasks.size(), 2u);
  EXPECT_EQ(suite.tasks[0].name, "harness_causal_probe");
  EXPECT_EQ(suite.tasks[1].label, "probe_biased");
  EXPECT_EQ(suite.tasks[1].options["bias"], 0.9);  // the suite's entry, options kept
}

TEST(SuiteConfig, TasksFlagWithAnUnknownNameSuggestsTheClosest) {
  Suite suite = parse(probe_suite());
  try {
    apply_overrides(suite, tasks_flag({"harness_prob"}));
    FAIL() << "no error";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("--tasks: unknown task 'harness_prob' (closest: harness_probe"),
              std::string::npos)
        << error.what();
  }
}

TEST(SuiteConfig, MalformedJsonFileIsAUsageErrorWithTheFileName) {
  const auto dir = std::filesystem::temp_directory_path() / ("pebench_suite_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "broken.json") << "{\"tasks\": [\"a\",}";
  try {
    load_suite_file((dir / "broken.json").string());
    FAIL() << "no error";
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()).rfind("suite broken.json: malformed JSON: parse error at line 1", 0), 0u)
        << error.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(SuiteConfig, MissingFileIsAUsageError) {
  EXPECT_THROW(load_suite_file("/nonexistent/pebench/suite.json"), UsageError);
}

}  // namespace
