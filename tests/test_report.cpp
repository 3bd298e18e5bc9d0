// `pebench report` data and renderers (harness/report_data.hpp,
// report_render.hpp) over result files written by the test, with a missing,
// a diverged and a failed cell.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "common/errors.hpp"
#include "harness/report_render.hpp"
#include "tests/cli_runner.hpp"

using namespace pebench;
using pebench::testing::fresh_temp_dir;
namespace fs = std::filesystem;

namespace {

json result_doc(const std::string& task, const std::string& family, const std::string& encoding, int seed,
                const std::string& status, double id, double ood) {
  json eval = {{"splits", json::array()}, {"id_accuracy", nullptr}, {"ood_accuracy", nullptr}};
  if (status == "ok") {
    eval["id_accuracy"] = id;
    eval["ood_accuracy"] = ood;
    eval["splits"] = {{{"name", "ood"}, {"kind", "ood"}, {"points", {{{"length", 50}, {"accuracy", ood + 0.1}},
                                                                     {{"length", 100}, {"accuracy", ood - 0.1}}}}}};
  }
  return {{"schema_version", 1},
          {"task", {{"name", task}, {"label", task}, {"family", family}, {"version", 1}}},
          {"encoding", {{"name", encoding}, {"label", encoding}, {"params", json::object()}}},
          {"seed", seed},
          {"config", {{"train", {{"steps", 10}}}}},
          {"status", status},
          {"train", {{"steps", 10}, {"curve", json::array()}}},
          {"eval", eval}};
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_temp_dir("report");
    write(result_doc("alpha", "regular", "e1", 0, "ok", 1.0, 0.6));
    write(result_doc("alpha", "regular", "e1", 1, "ok", 1.0, 0.8));
    write(result_doc("alpha", "regular", "e2", 0, "ok", 0.95, 0.9));
    write(result_doc("alpha", "regular", "e2", 1, "diverged", 0, 0));
    // alpha/e3: missing
    write(result_doc("beta", "memory", "e1", 0, "diverged", 0, 0));
    write(result_doc("beta", "memory", "e2", 0, "ok", 0.5, 0.4));
    write(result_doc("beta", "memory", "e3", 0, "failed", 0, 0));
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const json& result) {
    const fs::path path = dir_ / result["task"]["label"].get<std::string>() /
                          result["encoding"]["label"].get<std::string>() /
                          ("seed" + std::to_string(result["seed"].get<int>()) + ".json");
    fs::create_directories(path.parent_path());
    std::ofstream(path) << result.dump();
  }
  Report report() const { return build_report(load_results(dir_), dir_.string()); }
  static bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

  fs::path dir_;
};

TEST_F(ReportTest, AggregatesSeedsAsMeanAndSampleStd) {
  const PairSummary& pair = report().pairs.at({"alpha", "e1"});
  EXPECT_EQ(pair.ok, 2);
  EXPECT_EQ(pair.ood.n, 2);
  EXPECT_NEAR(pair.ood.mean, 0.7, 1e-12);
  EXPECT_NEAR(pair.ood.stddev, std::sqrt(0.02), 1e-12);
}

TEST_F(ReportTest, MarkdownTableShowsValuesMissingDivergedAndFailed) {
  const std::string md = render_markdown(report());
  EXPECT_TRUE(contains(md, "| task | e1 | e2 | e3 |")) << md;
  EXPECT_TRUE(contains(md, "| alpha | 0.700 ± 0.141 (n=2) | **0.900 (n=1; 1 diverged)** | missing |")) << md;
  EXPECT_TRUE(contains(md, "| beta | diverged (1) | **0.400 (n=1)** | failed (1) |")) << md;
  EXPECT_TRUE(contains(md, "| alpha | **1.000 ± 0.000 (n=2)** | 0.950 (n=1; 1 diverged) | missing |")) << md;
}

TEST_F(ReportTest, TablesAreGroupedByFamilyInChomskyOrderThenMemory) {
  const std::string md = render_markdown(report());
  const auto regular = md.find("## Family: regular"), memory = md.find("## Family: memory");
  ASSERT_NE(regular, std::string::npos);
  ASSERT_NE(memory, std::string::npos);
  EXPECT_LT(regular, memory);
}

// e1 has the higher mean (0.7) but over 1 task; e2 is measured on both: a
// mean over fewer tasks is not comparable, so coverage ranks first.
TEST_F(ReportTest, RankingPutsMoreTasksWithAValueFirstThenMeanOodAccuracy) {
  const Report r = report();
  ASSERT_EQ(r.ranking.size(), 3u);
  EXPECT_EQ(r.ranking[0].encoding, "e2");  // (0.9 + 0.4) / 2 over 2 tasks
  EXPECT_NEAR(r.ranking[0].mean_ood, 0.65, 1e-12);
  EXPECT_EQ(r.ranking[0].tasks_won, 2);
  EXPECT_EQ(r.ranking[1].encoding, "e1");  // 0.7 over 1 task
  EXPECT_EQ(r.ranking[1].tasks_won, 0);
  EXPECT_EQ(r.ranking[2].encoding, "e3");
  EXPECT_EQ(r.ranking[2].tasks_with_value, 0);
  EXPECT_TRUE(contains(render_markdown(r), "| 1 | e2 | 0.650 | 2 of 2 | 2 |"));
  EXPECT_TRUE(contains(render_markdown(r), "| 3 | e3 | - | 0 of 2 | 0 |"));
}

TEST_F(ReportTest, CsvHasOneRowPerPairWithStatusAndNaForMissingValues) {
  const std::string csv = render_csv(report());
  EXPECT_EQ(csv.rfind("family,task,encoding,status,n_ok,n_diverged,n_failed,id_mean,id_std,ood_mean,ood_std,"
                      "best_id,best_ood\n", 0), 0u);
  EXPECT_EQ(pebench::testing::count_lines(csv), 1 + 2 * 3);
  EXPECT_TRUE(contains(csv, "regular,alpha,e3,missing,0,0,0,NA,NA,NA,NA,0,0\n")) << csv;
  EXPECT_TRUE(contains(csv, "regular,alpha,e2,mixed,1,1,0,0.950000,NA,0.900000,NA,0,1\n")) << csv;
  EXPECT_TRUE(contains(csv, "memory,beta,e1,diverged,0,1,0,NA,NA,NA,NA,0,0\n")) << csv;
  EXPECT_TRUE(contains(csv, "memory,beta,e3,failed,0,0,1,NA,NA,NA,NA,0,0\n")) << csv;
}

TEST_F(ReportTest, HtmlIsSelfContainedWithHeatmapAndLengthCharts) {
  const std::string html = render_html(report());
  EXPECT_TRUE(contains(html, "<!DOCTYPE html>"));
  EXPECT_FALSE(contains(html, "<script"));
  EXPECT_FALSE(contains(html, "src=\""));
  EXPECT_TRUE(contains(html, "OOD accuracy heatmap"));
  EXPECT_TRUE(contains(html, "<polyline"));  // accuracy vs length
  EXPECT_TRUE(contains(html, ">missing<"));
  EXPECT_TRUE(contains(html, "alpha: split ood (ood)"));
}

TEST_F(ReportTest, ForeignAndMalformedJsonAreWarningsAndTheRestGoesOn) {
  // Only files named seed<k>.json are results; others are named in a warning.
  std::ofstream(dir_ / "notes.json") << "{\"hello\": 1}";
  fs::create_directories(dir_ / "x" / "y");
  std::ofstream(dir_ / "x" / "y" / "seed0.json") << "{\"schema_version\": ";
  std::ofstream(dir_ / "x" / "y" / "seed1.json") << "{\"hello\": 1}";
  const LoadedResults loaded = load_results(dir_);
  EXPECT_EQ(loaded.records.size(), 7u);
  ASSERT_EQ(loaded.warnings.size(), 3u);
  EXPECT_TRUE(contains(loaded.warnings[0], "notes.json: not a pebench result (results are named seed<k>.json)"))
      << loaded.warnings[0];
  EXPECT_TRUE(contains(loaded.warnings[1], "seed0.json: not a pebench result (malformed JSON)")) << loaded.warnings[1];
  EXPECT_TRUE(contains(loaded.warnings[2], "seed1.json: not a pebench result (no \"schema_version\" field)"))
      << loaded.warnings[2];
}

TEST_F(ReportTest, SeedsWithDifferentConfigurationsAreWarnedAbout) {
  json other = result_doc("alpha", "regular", "e1", 2, "ok", 1.0, 0.5);
  other["config"]["train"]["steps"] = 99;
  write(other);
  const Report r = report();
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_TRUE(contains(r.warnings[0], "alpha/e1: seeds have different configurations")) << r.warnings[0];
}

TEST_F(ReportTest, EmptyDirectoryIsAUsageError) {
  const fs::path empty = fresh_temp_dir("report_empty");
  std::vector<std::string> warnings;
  EXPECT_THROW(make_report(empty, ReportFormat::markdown, warnings), UsageError);
  EXPECT_THROW(make_report(empty / "nope", ReportFormat::markdown, warnings), UsageError);
  fs::remove_all(empty);
}

TEST(ReportFormat, NamesParseAndUnknownIsAUsageError) {
  EXPECT_EQ(parse_report_format("md"), ReportFormat::markdown);
  EXPECT_EQ(parse_report_format("csv"), ReportFormat::csv);
  EXPECT_EQ(parse_report_format("html"), ReportFormat::html);
  EXPECT_THROW(parse_report_format("pdf"), UsageError);
}

}  // namespace
