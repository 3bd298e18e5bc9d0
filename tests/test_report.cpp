// `pebench report` data and printers (harness/report/report_data.hpp,
// report_render.hpp, harness/report/printers/) over result files written by the test:
// schema-1 files (no per-sequence counts) and schema-2 files with constructed
// per-sequence counts and class histograms.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/core.h>

#include "common/errors.hpp"
#include "harness/report/report_render.hpp"
#include "tests/cli_runner.hpp"

using namespace pebench;
using pebench::testing::fresh_temp_dir;
namespace fs = std::filesystem;

namespace {

json v1_doc(const std::string& task, const std::string& family, const std::string& encoding, int seed,
            const std::string& status, double id, double ood) {
  json eval = {{"splits", json::array()}, {"id_accuracy", nullptr}, {"ood_accuracy", nullptr}};
  if (status == "ok") {
    eval["id_accuracy"] = id;
    eval["ood_accuracy"] = ood;
    eval["splits"] = {{{"name", "id"}, {"kind", "id"}, {"accuracy", id},
                       {"points", {{{"length", 10}, {"accuracy", id}, {"n", 64}}}}},
                      {{"name", "ood"}, {"kind", "ood"}, {"accuracy", ood},
                       {"points", {{{"length", 50}, {"accuracy", ood + 0.1}, {"n", 64}},
                                   {{"length", 100}, {"accuracy", ood - 0.1}, {"n", 64}}}}}};
  }
  return {{"schema_version", 1},
          {"task", {{"name", task}, {"label", task}, {"family", family}, {"version", 1}}},
          {"encoding", {{"name", encoding}, {"label", encoding}, {"params", json::object()}}},
          {"seed", seed},
          {"config", {{"train", {{"steps", 10}}}}},
          {"status", status},
          {"train", {{"steps", 10}, {"curve", {{{"step", 5}, {"loss", 1.0}}, {{"step", 10}, {"loss", 0.5}}}},
                     {"num_parameters", 1234}, {"tokens_per_s", 5000.0}}},
          {"eval", eval}};
}

// A schema-2 split at one length: 10 scored positions per sequence; correct
// counts per sequence; histograms from `predicted` and `targets` (2 classes).
json v2_split(const std::string& name, const std::string& kind, int length, const std::vector<int>& correct,
              std::vector<int64_t> predicted, std::vector<int64_t> targets) {
  double total = 0;
  int perfect = 0;
  for (int c : correct) total += c, perfect += c == 10;
  const double accuracy = total / (10.0 * correct.size());
  return {{"name", name}, {"kind", kind}, {"accuracy", accuracy},
          {"sequence_accuracy", perfect / double(correct.size())},
          {"points", {{{"length", length}, {"accuracy", accuracy}, {"sequence_accuracy", perfect / double(correct.size())},
                       {"n", correct.size()}, {"sequences", {{"correct", correct}, {"scored", 10}}}}}},
          {"predicted_classes", predicted}, {"target_classes", targets}};
}

std::vector<int> repeat(int value, int count) { return std::vector<int>(count, value); }

json v2_doc(const std::string& task, const std::string& encoding, int seed, const std::vector<int>& id_correct,
            const std::vector<int>& ood_correct, std::vector<int64_t> id_predicted = {400, 240}) {
  json doc = v1_doc(task, "regular", encoding, seed, "ok", 0, 0);
  doc["schema_version"] = 2;
  doc["eval"]["splits"] = {v2_split("id", "id", 10, id_correct, id_predicted, {400, 240}),
                           v2_split("ood", "ood", 50, ood_correct, {300, 340}, {480, 160})};
  doc["eval"]["id_accuracy"] = doc["eval"]["splits"][0]["accuracy"];
  doc["eval"]["ood_accuracy"] = doc["eval"]["splits"][1]["accuracy"];
  return doc;
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = fresh_temp_dir("report"); }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const json& result) {
    const fs::path path = dir_ / result["task"]["label"].get<std::string>() /
                          result["encoding"]["label"].get<std::string>() /
                          ("seed" + std::to_string(result["seed"].get<int>()) + ".json");
    fs::create_directories(path.parent_path());
    std::ofstream(path) << result.dump();
  }
  // Schema 1: alpha (e1: 2 seeds, e2: 1 ok + 1 diverged, e3 missing), beta.
  void write_v1_set() {
    write(v1_doc("alpha", "regular", "e1", 0, "ok", 1.0, 0.6));
    write(v1_doc("alpha", "regular", "e1", 1, "ok", 1.0, 0.8));
    write(v1_doc("alpha", "regular", "e2", 0, "ok", 0.95, 0.9));
    write(v1_doc("alpha", "regular", "e2", 1, "diverged", 0, 0));
    write(v1_doc("beta", "memory", "e1", 0, "diverged", 0, 0));
    write(v1_doc("beta", "memory", "e2", 0, "ok", 0.5, 0.4));
    write(v1_doc("beta", "memory", "e3", 0, "failed", 0, 0));
  }
  Report report(ReportOptions options = {}) const { return build_report(load_results(dir_), dir_.string(), options); }
  std::string render(const std::string& format, ReportOptions options = {}) const {
    return report_printers().get(format).render(report(options));
  }
  static bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

  fs::path dir_;
};

TEST_F(ReportTest, AggregatesSeedsAsMeanSampleStdAndTInterval) {
  write_v1_set();
  const Report r = report();
  const Entry& entry = r.entry("alpha", "e1");
  EXPECT_EQ(entry.ok, 2);
  EXPECT_NEAR(entry.ood_value, 0.7, 1e-12);
  EXPECT_NEAR(entry.ood.stddev, std::sqrt(0.02), 1e-12);
  const double half = 12.7062 * std::sqrt(0.02) / std::sqrt(2.0);  // t(0.975, 1)
  EXPECT_NEAR(entry.ood.interval.hi - 0.7, half, 1e-3);
  EXPECT_DOUBLE_EQ(entry.ood_interval.hi, 1.0);  // shown clipped to [0, 1]: an accuracy
  EXPECT_DOUBLE_EQ(entry.ood_interval.lo, 0.0);
  EXPECT_NEAR(entry.ood_half_width, half, 1e-3);  // printed unclipped: 2 seeds say little
  EXPECT_EQ(entry_text(entry, true), fmt::format("0.700 ± {:.3f}", entry.ood_half_width));
}

TEST_F(ReportTest, MedianAndMaxAggregatesAreSelectable) {
  write_v1_set();
  write(v1_doc("alpha", "regular", "e1", 2, "ok", 1.0, 0.65));
  ReportOptions options;
  options.aggregate = Aggregate::median;
  EXPECT_NEAR(report(options).entry("alpha", "e1").ood_value, 0.65, 1e-12);
  options.aggregate = Aggregate::max;
  EXPECT_NEAR(report(options).entry("alpha", "e1").ood_value, 0.8, 1e-12);
  EXPECT_TRUE(contains(render("md", options), "Aggregate over seeds: **max**"));
}

TEST_F(ReportTest, SchemaOneIntervalIsWilsonWithOneTrialPerSequence) {
  write_v1_set();
  const Report r = report();
  const Entry& entry = r.entry("beta", "e2");  // one seed: interval over sequences
  // OOD = mean of two lengths (0.5, 0.3), 64 sequences each; each length's
  // standard error is its Wilson half-width / z, combined for the mean.
  const double z = 1.959963984540054;
  const double se50 = stats::wilson_interval(0.5 * 64, 64).half_width() / z;
  const double se30 = stats::wilson_interval(0.3 * 64, 64).half_width() / z;
  EXPECT_NEAR(entry.ood_interval.hi - 0.4, z * std::sqrt(se50 * se50 + se30 * se30) / 2, 1e-9);
}

TEST_F(ReportTest, SchemaTwoIntervalIsClusteredOverSequences) {
  // All-or-nothing sequences: 40 of 64 right. 64 trials, not 640 positions.
  std::vector<int> ood = repeat(10, 40);
  ood.resize(64, 0);
  write(v2_doc("alpha", "e1", 0, repeat(10, 64), ood));
  const Report r = report();  // the entry's seeds point into the report's records
  const LengthPoint& point = r.entry("alpha", "e1").seeds[0]->splits[1].points[0];
  EXPECT_NEAR(point.accuracy, 40.0 / 64, 1e-12);
  const stats::Interval per_sequence = stats::wilson_interval(40 * 63.0 / 64, 63);  // n_eff = 63 (n/(n-1) factor)
  EXPECT_NEAR(point.interval.lo, per_sequence.lo, 1e-9);
  EXPECT_GT(point.interval.half_width(), 2.5 * stats::wilson_interval(400, 640).half_width());
}

TEST_F(ReportTest, TableShowsValueWithIntervalAndStatusWords) {
  write_v1_set();
  const std::string md = render("md");
  EXPECT_TRUE(contains(md, "| e1 | 0.700 ± 1.271 |")) << md;  // t interval of 2 seeds
  EXPECT_TRUE(contains(md, "| e3 | missing |")) << md;
  EXPECT_TRUE(contains(md, "| diverged |")) << md;
  EXPECT_TRUE(contains(md, "| failed |")) << md;
  EXPECT_TRUE(contains(md, " !")) << md;  // e2 on alpha: a seed diverged
  EXPECT_FALSE(contains(md, "(n=")) << md;
}

TEST_F(ReportTest, MarkdownFitsIn120Columns) {
  for (int e = 0; e < 24; ++e)
    for (const char* task : {"binary_multiplication", "missing_duplicate_string", "compute_sqrt", "bucket_sort",
                             "duplicate_string", "odds_first", "sort"})
      write(v1_doc(task, "cs", fmt::format("encoding_{:02d}", e), 0, "ok", 0.9512, 0.4321));
  const std::string md = render("md");
  std::istringstream lines(md);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("|", 0) == 0) {
      EXPECT_LE(line.size(), 120u) << line;
    }
}

TEST_F(ReportTest, NotLearnedEntriesAreFlaggedAndLeftOutOfBestAndRanking) {
  write_v1_set();
  const Report r = report();
  EXPECT_TRUE(r.entry("beta", "e2").not_learned);  // ID 0.5 < 0.9
  EXPECT_FALSE(r.entry("alpha", "e2").not_learned);
  EXPECT_EQ(r.learned_tasks(), 1);
  // beta has no learned entry: out of the rank comparison.
  EXPECT_EQ(r.ranking.tasks, std::vector<std::string>{"alpha"});
  ReportOptions include;
  include.include_degenerate = true;
  EXPECT_EQ(report(include).ranking.tasks.size(), 2u);  // beta comes back (ranked on e2 alone)
  EXPECT_TRUE(contains(render("md"), "n |")) << render("md");
}

TEST_F(ReportTest, LearnedThresholdUsesUpperIdLengthsWhenRecorded) {
  json doc = v1_doc("alpha", "regular", "e1", 0, "ok", 0.95, 0.5);
  doc["eval"]["id_upper_accuracy"] = 0.7;  // length 1 is trivially right; the long ID lengths are not
  write(doc);
  EXPECT_TRUE(report().entry("alpha", "e1").not_learned);
}

TEST_F(ReportTest, CollapsedEntryIsDetectedFromThePredictionHistogram) {
  write(v2_doc("alpha", "e1", 0, repeat(6, 64), repeat(5, 64), {638, 2}));  // 99.7% one class, targets 62.5%
  write(v2_doc("alpha", "e2", 0, repeat(10, 64), repeat(7, 64)));
  const Report r = report();
  EXPECT_TRUE(r.entry("alpha", "e1").collapsed);
  EXPECT_FALSE(r.entry("alpha", "e2").collapsed);
  EXPECT_TRUE(contains(render("md"), "c")) ;
  EXPECT_TRUE(contains(render("html"), "url(#hatch)"));
}

TEST_F(ReportTest, ForeignAndMalformedJsonAreWarningsAndTheRestGoesOn) {
  // Only files named seed<k>.json are results; others are named in a warning.
  std::ofstream(dir_ / "notes.json") << "{\"hello\": 1}";
  fs::create_directories(dir_ / "x" / "y");
  std::ofstream(dir_ / "x" / "y" / "seed0.json") << "{\"schema_version\": ";
  std::ofstream(dir_ / "x" / "y" / "seed1.json") << "{\"hello\": 1}";
  write(v2_doc("alpha", "e1", 0, repeat(10, 64), repeat(8, 64)));
  const LoadedResults loaded = load_results(dir_);
  EXPECT_EQ(loaded.records.size(), 1u);
  ASSERT_EQ(loaded.warnings.size(), 3u);
  EXPECT_TRUE(contains(loaded.warnings[0], "notes.json: not a pebench result (results are named seed<k>.json)"))
      << loaded.warnings[0];
  EXPECT_TRUE(contains(loaded.warnings[1], "seed0.json: not a pebench result (malformed JSON)")) << loaded.warnings[1];
  EXPECT_TRUE(contains(loaded.warnings[2], "seed1.json: not a pebench result (no \"schema_version\")"))
      << loaded.warnings[2];
}

TEST_F(ReportTest, ChanceLevelIsTheMajorityClassShareOfTheTargets) {
  write(v2_doc("alpha", "e1", 0, repeat(10, 64), repeat(8, 64)));
  const Report r = report();
  EXPECT_NEAR(r.tasks.at("alpha").chance_id, 400.0 / 640, 1e-12);
  EXPECT_NEAR(r.tasks.at("alpha").chance_ood, 480.0 / 640, 1e-12);
  EXPECT_NEAR(chance_normalized(0.8, 0.75), 0.2, 1e-12);
  EXPECT_TRUE(std::isnan(chance_normalized(0.8, std::nan(""))));
}

TEST_F(ReportTest, BestIsMarkedOnlyWhenSignificantAgainstTheRunnerUp) {
  // clear: e1 right on 9 of 10 positions everywhere, e2 on 5 -> best.
  // close: e1 and e2 differ on two sequences only -> tie.
  for (int seed = 0; seed < 2; ++seed) {
    write(v2_doc("clear", "e1", seed, repeat(10, 64), repeat(9, 64)));
    write(v2_doc("clear", "e2", seed, repeat(10, 64), repeat(5, 64)));
    std::vector<int> close = repeat(6, 64);
    close[0] = 7;
    close[1] = 7;
    write(v2_doc("close", "e1", seed, repeat(10, 64), close));
    write(v2_doc("close", "e2", seed, repeat(10, 64), repeat(6, 64)));
  }
  const Report r = report();
  EXPECT_TRUE(r.entry("clear", "e1").best_ood);
  EXPECT_LT(r.tasks.at("clear").best_p_holm, 0.01);
  EXPECT_FALSE(r.entry("close", "e1").best_ood);
  EXPECT_TRUE(r.entry("close", "e1").tie_ood);
  EXPECT_GT(r.tasks.at("close").best_p_holm, 0.05);
}

TEST_F(ReportTest, FloatingPointTiesAreNotWins) {
  json a = v1_doc("cycle", "regular", "fire", 0, "ok", 1.0, 0.23177083333333334);
  json b = v1_doc("cycle", "regular", "nope", 0, "ok", 1.0, 0.23177083333333331);
  write(a);
  write(b);
  const Report r = report();
  EXPECT_FALSE(r.entry("cycle", "fire").best_ood);
  EXPECT_TRUE(r.entry("cycle", "fire").tie_ood);
  EXPECT_TRUE(r.entry("cycle", "nope").tie_ood);
}

TEST_F(ReportTest, RankingUsesAverageRanksFriedmanAndCriticalDifference) {
  // Three encodings on four learned tasks; e1 always best, e3 always worst.
  for (int t = 0; t < 4; ++t) {
    const std::string task = "t" + std::to_string(t);
    write(v1_doc(task, "regular", "e1", 0, "ok", 1.0, 0.9));
    write(v1_doc(task, "regular", "e2", 0, "ok", 1.0, 0.7));
    write(v1_doc(task, "regular", "e3", 0, "ok", 1.0, 0.5));
  }
  const Report r = report();
  EXPECT_EQ(r.ranking.encodings, (std::vector<std::string>{"e1", "e2", "e3"}));
  EXPECT_EQ(r.ranking.mean_ranks, (std::vector<double>{1.0, 2.0, 3.0}));
  EXPECT_NEAR(r.ranking.friedman.chi_square, 8.0, 1e-12);  // 12·4/(3·4)·(14 − 12)
  EXPECT_NEAR(r.ranking.friedman.critical_difference, 2.343 * std::sqrt(12.0 / 24), 2e-3);
  EXPECT_TRUE(contains(render("md"), "CD = 1.66")) << render("md");
}

TEST_F(ReportTest, SeedsWithDifferentConfigurationsAreNotPooled) {
  write_v1_set();
  json other = v1_doc("alpha", "regular", "e1", 2, "ok", 1.0, 0.1);
  other["config"]["train"]["steps"] = 99;
  write(other);
  const Report r = report();
  EXPECT_EQ(r.entry("alpha", "e1").ok, 2);
  EXPECT_EQ(r.entry("alpha", "e1").left_out, 1);
  EXPECT_NEAR(r.entry("alpha", "e1").ood_value, 0.7, 1e-12);
  bool named = false;
  for (const auto& w : r.warnings) named = named || contains(w, "config.train.steps");
  EXPECT_TRUE(named);
}

TEST_F(ReportTest, CellsOfATaskWithDifferentModelsAreWarnedAbout) {
  write_v1_set();
  json other = v1_doc("alpha", "regular", "e3", 0, "ok", 1.0, 0.5);
  other["config"]["model"] = {{"d_model", 64}};
  write(other);
  bool named = false;
  for (const auto& w : report().warnings) named = named || (contains(w, "alpha") && contains(w, "config.model"));
  EXPECT_TRUE(named);
}

TEST_F(ReportTest, CsvWideHasOneRowPerEntryWithIntervalsAndFlags) {
  write_v1_set();
  const std::string csv = render("csv");
  EXPECT_EQ(csv.rfind("family,task,encoding,kind,status,aggregate,", 0), 0u);
  EXPECT_EQ(pebench::testing::count_lines(csv), 1 + 2 * 3);
  EXPECT_TRUE(contains(csv, "regular,alpha,e3,other,missing,mean,0,0,0,0,NA,")) << csv;
  EXPECT_TRUE(contains(csv, "memory,beta,e3,other,failed,")) << csv;
}

TEST_F(ReportTest, CsvLongHasOneRowPerSeedSplitAndLength) {
  write_v1_set();
  const std::string csv = render("csv-long");
  EXPECT_EQ(csv.rfind("family,task,encoding,seed,status,split,kind,length,accuracy,", 0), 0u);
  // 4 ok seeds × (1 id length + 2 ood lengths).
  EXPECT_EQ(pebench::testing::count_lines(csv), 1 + 4 * 3);
  EXPECT_TRUE(contains(csv, "regular,alpha,e1,1,ok,ood,ood,100,0.7,")) << csv;
  EXPECT_TRUE(contains(csv, ",NA,NA,10,NA,1234,5000,1,")) << csv;  // steps, parameters, tokens/s, schema
}

// A cell evaluated during training (train.eval_every) has its evaluations
// and then the final one as its learning curve; a cell without them has the
// final evaluation alone, at its last step.
TEST_F(ReportTest, CsvCurvesHasEveryTrainingEvaluationThenTheFinalOne) {
  json trained = v1_doc("alpha", "regular", "e1", 0, "ok", 0.9, 0.6);
  trained["eval"]["id_upper_accuracy"] = 0.85;
  trained["train"]["evals"] = {
      {{"step", 4}, {"splits", json::array()}, {"id_accuracy", 0.5}, {"ood_accuracy", 0.4}},
      {{"step", 8}, {"splits", json::array()}, {"id_accuracy", 0.7}, {"ood_accuracy", 0.45}, {"id_upper_accuracy", 0.6}}};
  write(trained);
  write(v1_doc("alpha", "regular", "e2", 0, "ok", 0.8, 0.3));
  const std::string csv = render("csv-curves");
  EXPECT_EQ(csv.rfind("family,task,encoding,seed,step,id_accuracy,id_upper_accuracy,ood_accuracy\n", 0), 0u) << csv;
  EXPECT_EQ(pebench::testing::count_lines(csv), 1 + 3 + 1) << csv;
  EXPECT_TRUE(contains(csv, "regular,alpha,e1,0,4,0.5,NA,0.4\n")) << csv;
  EXPECT_TRUE(contains(csv, "regular,alpha,e1,0,8,0.7,0.6,0.45\nregular,alpha,e1,0,10,0.9,0.85,0.6\n")) << csv;
  EXPECT_TRUE(contains(csv, "regular,alpha,e2,0,10,0.8,NA,0.3\n")) << csv;
}

TEST_F(ReportTest, JsonFollowsTheDocumentedSchema) {
  write_v1_set();
  const json doc = json::parse(render("json"));
  EXPECT_EQ(doc["report_schema"], 1);
  EXPECT_EQ(doc["options"]["aggregate"], "mean");
  EXPECT_EQ(doc["entries"].size(), 6u);
  const json& e1 = doc["entries"][0];
  EXPECT_EQ(e1["task"], "alpha");
  EXPECT_NEAR(e1["ood"]["value"].get<double>(), 0.7, 1e-12);
  EXPECT_TRUE(e1["ood"].contains("lo"));
  EXPECT_TRUE(doc["ranking"].contains("critical_difference"));
  EXPECT_TRUE(doc["entries"][2]["ood"]["value"].is_null());  // alpha/e3 missing
}

TEST_F(ReportTest, HtmlIsSelfContainedAndEveryChartHasAnSvg) {
  write_v1_set();
  write(v2_doc("gamma", "e1", 0, repeat(10, 64), repeat(8, 64)));
  const std::string html = render("html");
  EXPECT_TRUE(contains(html, "<!DOCTYPE html>"));
  EXPECT_FALSE(contains(html, "src="));
  EXPECT_FALSE(contains(html, "http://"));
  EXPECT_FALSE(contains(html, "https://"));
  size_t figures = 0, svgs = 0;
  for (size_t at = 0; (at = html.find("<figure class='chart", at)) != std::string::npos; ++at) {
    ++figures;
    const size_t end = html.find("</figure>", at);
    svgs += html.substr(at, end - at).find("<svg") != std::string::npos;
  }
  EXPECT_GT(figures, 5u);
  EXPECT_EQ(svgs, figures);
  EXPECT_TRUE(contains(html, "id='heatmap-raw'"));
  EXPECT_TRUE(contains(html, "id='heatmap-normalized'"));  // gamma has chance levels
  EXPECT_TRUE(contains(html, "training loss"));
  EXPECT_TRUE(contains(html, "accuracy per split"));  // beta/e.g. single-length splits
}

TEST_F(ReportTest, AResultOfAnUnknownSchemaVersionIsAWarningAndTheRestGoesOn) {
  write_v1_set();
  fs::create_directories(dir_ / "x" / "y");
  std::ofstream(dir_ / "x" / "y" / "seed0.json") << "{\"schema_version\": 3}";
  const LoadedResults loaded = load_results(dir_);
  EXPECT_EQ(loaded.records.size(), 7u);
  ASSERT_EQ(loaded.warnings.size(), 1u);
  EXPECT_TRUE(contains(loaded.warnings[0], "seed0.json: not a pebench result (unsupported schema_version 3)"))
      << loaded.warnings[0];
}

TEST_F(ReportTest, NotApplicableCellsAreReadAndShownAsNa) {
  json doc = v1_doc("alpha", "regular", "e4", 0, "not_applicable", 0, 0);
  write_v1_set();
  write(doc);
  const Report r = report();
  const Entry& entry = r.entry("alpha", "e4");
  EXPECT_EQ(entry.not_applicable, 1);
  EXPECT_EQ(entry_status(entry), "not_applicable");
  EXPECT_EQ(entry_text(entry, true), "n/a");
}

TEST_F(ReportTest, EmptyDirectoryIsAUsageError) {
  std::vector<std::string> warnings;
  EXPECT_THROW(make_report(dir_, "md", {}, warnings), UsageError);
  EXPECT_THROW(make_report(dir_ / "nope", "md", {}, warnings), UsageError);
}

TEST(ReportFormats, PrintersRegisterThemselves) {
  for (const char* name : {"md", "csv", "csv-long", "csv-curves", "json", "html"})
    EXPECT_TRUE(report_printers().contains(name)) << name;
}

TEST(ReportFormats, FormatFollowsTheExtensionAndUnknownExtensionsAreUsageErrors) {
  EXPECT_EQ(choose_report_format("", ""), "md");
  EXPECT_EQ(choose_report_format("", "r.html"), "html");
  EXPECT_EQ(choose_report_format("", "r.csv"), "csv");
  EXPECT_EQ(choose_report_format("", "r.json"), "json");
  EXPECT_EQ(choose_report_format("", "r.md"), "md");
  EXPECT_THROW(choose_report_format("", "x.pdf"), UsageError);
  EXPECT_THROW(choose_report_format("", "report"), UsageError);
  EXPECT_EQ(choose_report_format("md", "x.pdf"), "md");
  EXPECT_EQ(choose_report_format("csv-long", "x.csv"), "csv-long");
  EXPECT_THROW(choose_report_format("pdf", ""), UsageError);
}

}  // namespace
