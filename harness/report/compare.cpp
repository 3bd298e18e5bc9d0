#include "harness/report/compare.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/core.h>

#include "common/errors.hpp"
#include "common/registry.hpp"
#include "harness/report/report_render.hpp"

namespace pebench {

namespace fs = std::filesystem;

namespace {

LoadedResults load_directory(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw UsageError("compare: no such directory '" + dir.string() + "'");
  LoadedResults loaded = load_results(dir);
  if (loaded.records.empty())
    throw UsageError("compare: no pebench result files under '" + dir.string() + "'");
  return loaded;
}

void check_names(const std::vector<std::string>& names, const std::vector<std::string>& known, const char* kind) {
  for (const auto& name : names)
    if (std::find(known.begin(), known.end(), name) == known.end())
      throw UsageError(unknown_name_message(kind, name, known) + " in the results");
}

bool selected(const std::vector<std::string>& selection, const std::string& name) {
  return selection.empty() || std::find(selection.begin(), selection.end(), name) != selection.end();
}

// Fills the test fields of a row from a paired comparison.
void fill_test(ComparisonRow& row, const PairedComparison& paired) {
  row.seeds = paired.seeds;
  if (paired.test.units == 0) {
    row.verdict = "not_compared";
    return;
  }
  row.difference = paired.test.difference;
  row.interval = paired.test.interval;
  row.p = paired.test.p_value;
  row.paired_by = paired.by_sequence ? "sequence" : "length";
}

// Holm over the rows of one kind that were compared; verdicts from the adjusted p.
void apply_holm(std::vector<ComparisonRow>& rows, const std::string& kind, double alpha) {
  std::vector<size_t> index;
  std::vector<double> p;
  for (size_t i = 0; i < rows.size(); ++i)
    if (rows[i].kind == kind && rows[i].verdict != "not_compared") index.push_back(i), p.push_back(rows[i].p);
  const std::vector<double> adjusted = stats::holm_adjust(p);
  for (size_t j = 0; j < index.size(); ++j) {
    ComparisonRow& row = rows[index[j]];
    row.p_holm = adjusted[j];
    row.verdict = adjusted[j] >= alpha ? "no_difference" : (row.difference > 0 ? "better" : "worse");
  }
}

double value_of(const Entry& entry, const std::string& kind) { return kind == "ood" ? entry.ood_value : entry.id_value; }

}  // namespace

Comparison compare_to_baseline(const fs::path& dir, const CompareOptions& options) {
  ReportOptions report_options;
  report_options.aggregate = options.aggregate;
  const Report report = build_report(load_directory(dir), dir.string(), report_options);
  check_names(options.encodings, report.encodings, "encoding");
  std::vector<std::string> task_names;
  for (const auto& [task, info] : report.tasks) task_names.push_back(task);
  check_names(options.tasks, task_names, "task");
  Comparison comparison;
  comparison.mode = "baseline";
  comparison.source_a = dir.string();
  comparison.aggregate = options.aggregate;
  comparison.warnings = report.warnings;
  if (!options.baseline.empty()) {
    check_names({options.baseline}, report.encodings, "encoding");
    comparison.baseline = options.baseline;
    comparison.baseline_reason = "--baseline";
  } else {
    if (report.ranking.encodings.empty()) throw UsageError("compare: no encoding could be ranked; give --baseline");
    comparison.baseline = report.ranking.encodings.front();
    comparison.baseline_reason = "best mean rank";
  }
  for (const auto& encoding : report.encodings) {
    if (encoding == comparison.baseline || !selected(options.encodings, encoding)) continue;
    for (const auto& task : task_names) {
      if (!selected(options.tasks, task)) continue;
      const Entry& base = report.entry(task, comparison.baseline);
      const Entry& other = report.entry(task, encoding);
      for (const char* kind : {"ood", "id"}) {
        ComparisonRow row;
        row.task = task;
        row.encoding = encoding;
        row.kind = kind;
        row.reference = value_of(base, kind);
        row.value = value_of(other, kind);
        if (std::isfinite(row.reference) && std::isfinite(row.value)) fill_test(row, compare_seeds(base.seeds, other.seeds, kind));
        else row.verdict = "not_compared";
        // compare_seeds(a, b) gives a − b: baseline − encoding; report encoding − baseline.
        row.difference = 0.0 - row.difference;  // 0.0 − x: never a printed "-0.000"
        row.interval = {0.0 - row.interval.hi, 0.0 - row.interval.lo};
        comparison.rows.push_back(row);
      }
    }
  }
  if (comparison.rows.empty()) throw UsageError("compare: nothing to compare (select another encoding than the baseline)");
  apply_holm(comparison.rows, "ood", comparison.alpha);
  apply_holm(comparison.rows, "id", comparison.alpha);
  std::map<std::string, EncodingTally> tallies;
  for (const auto& row : comparison.rows) {
    if (row.kind != "ood") continue;
    EncodingTally& tally = tallies[row.encoding];
    tally.encoding = row.encoding;
    if (row.verdict == "better") ++tally.better;
    else if (row.verdict == "worse") ++tally.worse;
    else if (row.verdict == "no_difference") ++tally.no_difference;
    else ++tally.not_compared;
  }
  for (auto& [encoding, tally] : tallies) comparison.tallies.push_back(tally);
  return comparison;
}

Comparison compare_directories(const fs::path& a, const fs::path& b, const CompareOptions& options) {
  const LoadedResults loaded_a = load_directory(a), loaded_b = load_directory(b);
  Comparison comparison;
  comparison.mode = "directories";
  comparison.source_a = a.string();
  comparison.source_b = b.string();
  comparison.aggregate = options.aggregate;
  comparison.warnings = loaded_a.warnings;
  comparison.warnings.insert(comparison.warnings.end(), loaded_b.warnings.begin(), loaded_b.warnings.end());
  using Key = std::tuple<std::string, std::string, int>;
  std::map<Key, const SeedResult*> cells_a, cells_b;
  for (const auto& r : loaded_a.records)
    if (selected(options.tasks, r.task) && selected(options.encodings, r.encoding)) cells_a[{r.task, r.encoding, r.seed}] = &r;
  for (const auto& r : loaded_b.records)
    if (selected(options.tasks, r.task) && selected(options.encodings, r.encoding)) cells_b[{r.task, r.encoding, r.seed}] = &r;
  auto name = [](const Key& key) {
    return fmt::format("{}/{}/seed{}", std::get<0>(key), std::get<1>(key), std::get<2>(key));
  };
  for (const auto& [key, record] : cells_a) {
    auto other = cells_b.find(key);
    if (other == cells_b.end()) {
      comparison.only_in_a.push_back(name(key));
      continue;
    }
    const SeedResult* rb = other->second;
    if (record->config.value("eval", json()) != rb->config.value("eval", json()))
      comparison.warnings.push_back("warning: " + name(key) +
                                    ": the two cells were evaluated with different eval settings; paired by length");
    for (const char* kind : {"ood", "id"}) {
      ComparisonRow row;
      row.task = std::get<0>(key);
      row.encoding = std::get<1>(key);
      row.seed = std::get<2>(key);
      row.kind = kind;
      const bool ood = std::string(kind) == "ood";
      row.reference = ood ? record->ood_accuracy : record->id_accuracy;
      row.value = ood ? rb->ood_accuracy : rb->id_accuracy;
      const bool usable = record->status == "ok" && rb->status == "ok" && std::isfinite(row.reference) &&
                          std::isfinite(row.value);
      if (usable) {
        PairedComparison paired = compare_seeds({rb}, {record}, kind);
        if (record->config.value("eval", json()) != rb->config.value("eval", json())) paired.by_sequence = false;
        fill_test(row, paired);
      } else {
        row.verdict = "not_compared";
      }
      comparison.rows.push_back(row);
    }
  }
  for (const auto& [key, record] : cells_b)
    if (!cells_a.count(key)) comparison.only_in_b.push_back(name(key));
  if (comparison.rows.empty())
    throw UsageError("compare: no cell (task, encoding, seed) is in both '" + a.string() + "' and '" + b.string() + "'");
  apply_holm(comparison.rows, "ood", comparison.alpha);
  apply_holm(comparison.rows, "id", comparison.alpha);
  return comparison;
}

namespace {

json number(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

std::string render_json(const Comparison& c) {
  json rows = json::array();
  for (const auto& r : c.rows) {
    const bool compared = r.verdict != "not_compared";
    json row = {{"task", r.task},
                {"encoding", r.encoding},
                {"kind", r.kind},
                {"reference", number(r.reference)},
                {"value", number(r.value)},
                {"difference", compared ? number(r.difference) : json(nullptr)},
                {"lo", compared ? number(r.interval.lo) : json(nullptr)},
                {"hi", compared ? number(r.interval.hi) : json(nullptr)},
                {"p", compared ? number(r.p) : json(nullptr)},
                {"p_holm", compared ? number(r.p_holm) : json(nullptr)},
                {"seeds", r.seeds},
                {"paired_by", compared ? json(r.paired_by) : json(nullptr)},
                {"verdict", r.verdict}};
    if (c.mode == "directories") row["seed"] = r.seed;
    rows.push_back(row);
  }
  json document = {{"compare_schema", 1}, {"mode", c.mode}, {"alpha", c.alpha},
                   {"aggregate", to_string(c.aggregate)}, {"comparisons", rows}, {"warnings", c.warnings}};
  if (c.mode == "baseline") {
    document["source"] = c.source_a;
    document["baseline"] = c.baseline;
    document["baseline_chosen_by"] = c.baseline_reason;
    json summary = json::array();
    for (const auto& t : c.tallies)
      summary.push_back({{"encoding", t.encoding}, {"better", t.better}, {"worse", t.worse},
                         {"no_difference", t.no_difference}, {"not_compared", t.not_compared}});
    document["summary"] = summary;
  } else {
    document["a"] = c.source_a;
    document["b"] = c.source_b;
    document["only_in_a"] = c.only_in_a;
    document["only_in_b"] = c.only_in_b;
  }
  return document.dump(2) + "\n";
}

std::string csv_number(double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : "NA"; }

std::string render_csv(const Comparison& c) {
  std::string text = "task,encoding,seed,kind,reference,value,difference,lo,hi,p,p_holm,seeds,paired_by,verdict\n";
  for (const auto& r : c.rows) {
    const bool compared = r.verdict != "not_compared";
    auto maybe = [&](double v) { return compared ? csv_number(v) : std::string("NA"); };
    text += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r.task, r.encoding,
                        r.seed >= 0 ? std::to_string(r.seed) : "NA", r.kind, csv_number(r.reference),
                        csv_number(r.value), maybe(r.difference), maybe(r.interval.lo), maybe(r.interval.hi), maybe(r.p),
                        maybe(r.p_holm), r.seeds, compared ? r.paired_by : "NA", r.verdict);
  }
  return text;
}

std::string difference_text(const ComparisonRow& r) {
  if (r.verdict == "not_compared") return "not compared";
  return fmt::format("{:+.3f} [{:+.3f}, {:+.3f}]", r.difference, r.interval.lo, r.interval.hi);
}

const char* verdict_word(const std::string& verdict) {
  if (verdict == "better") return "**better**";
  if (verdict == "worse") return "**worse**";
  if (verdict == "no_difference") return "no difference";
  return "-";
}

std::string render_markdown(const Comparison& c) {
  std::string text = "# pebench compare\n\n";
  const std::string note =
      "Δ = mean over paired seeds of (B − A), paired per sequence (schema 2) or per length (schema 1), with its 95% "
      "interval; p = two-sided sign-flip permutation test, p(Holm) corrected over all OOD (resp. ID) comparisons "
      "shown; verdict at α = 0.05.\n\n";
  if (c.mode == "baseline") {
    text += fmt::format("Source `{}`; baseline **{}** (chosen by {}); values: {} over seeds. A = {}, B = the "
                        "encoding. ",
                        c.source_a, c.baseline, c.baseline_reason, to_string(c.aggregate), c.baseline) +
            note + "## Summary (OOD accuracy)\n\n";
    for (const auto& t : c.tallies)
      text += fmt::format("- {} better than {} on {} task{}, worse on {}, no difference on {}{}.\n", t.encoding,
                          c.baseline, t.better, t.better == 1 ? "" : "s", t.worse, t.no_difference,
                          t.not_compared ? fmt::format(", not compared on {}", t.not_compared) : "");
    std::map<std::string, std::vector<const ComparisonRow*>> by_encoding;
    for (const auto& r : c.rows) by_encoding[r.encoding].push_back(&r);
    for (const auto& [encoding, rows] : by_encoding) {
      text += fmt::format("\n## {} vs {}\n\n| task | {} OOD | {} OOD | Δ OOD [95% CI] | p(Holm) | verdict | Δ ID | "
                          "p(Holm) |\n|---|---:|---:|---:|---:|---|---:|---:|\n",
                          encoding, c.baseline, c.baseline, encoding);
      for (size_t i = 0; i + 1 < rows.size(); i += 2) {
        const ComparisonRow& ood = *rows[i];
        const ComparisonRow& id = *rows[i + 1];
        text += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", ood.task, format_number(ood.reference),
                            format_number(ood.value), difference_text(ood),
                            ood.verdict == "not_compared" ? "-" : format_p(ood.p_holm), verdict_word(ood.verdict),
                            id.verdict == "not_compared" ? "-" : fmt::format("{:+.3f}", id.difference),
                            id.verdict == "not_compared" ? "-" : format_p(id.p_holm));
      }
    }
  } else {
    text += fmt::format("A = `{}`, B = `{}`: the cells (task, encoding, seed) present in both. ", c.source_a,
                        c.source_b) +
            note;
    text += "| task | encoding | seed | A OOD | B OOD | Δ OOD [95% CI] | p(Holm) | verdict | Δ ID | p(Holm) |\n"
            "|---|---|---:|---:|---:|---:|---:|---|---:|---:|\n";
    for (size_t i = 0; i + 1 < c.rows.size(); i += 2) {
      const ComparisonRow& ood = c.rows[i];
      const ComparisonRow& id = c.rows[i + 1];
      text += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", ood.task, ood.encoding, ood.seed,
                          format_number(ood.reference), format_number(ood.value), difference_text(ood),
                          ood.verdict == "not_compared" ? "-" : format_p(ood.p_holm), verdict_word(ood.verdict),
                          id.verdict == "not_compared" ? "-" : fmt::format("{:+.3f}", id.difference),
                          id.verdict == "not_compared" ? "-" : format_p(id.p_holm));
    }
    auto list = [&](const char* title, const std::vector<std::string>& cells) {
      if (cells.empty()) return;
      text += fmt::format("\n{} ({}): ", title, cells.size());
      for (size_t i = 0; i < cells.size(); ++i) text += (i ? ", " : "") + cells[i];
      text += "\n";
    };
    list("Only in A", c.only_in_a);
    list("Only in B", c.only_in_b);
  }
  if (!c.warnings.empty()) {
    text += "\n## Warnings\n\n";
    for (const auto& warning : c.warnings) text += "- " + warning + "\n";
  }
  return text;
}

}  // namespace

std::string render_comparison(const Comparison& comparison, const std::string& format) {
  if (format == "md" || format == "markdown") return render_markdown(comparison);
  if (format == "csv") return render_csv(comparison);
  if (format == "json") return render_json(comparison);
  throw UsageError("--format: " + unknown_name_message("format", format, {"md", "csv", "json"}));
}

}  // namespace pebench
