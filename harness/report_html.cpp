// HTML report: one self-contained page (no scripts, no external files) with
// the ranking, a task × encoding heatmap of OOD accuracy (inline SVG), the
// per-family tables, and an accuracy-vs-length chart per (task, split) with
// one line per encoding.
#include <algorithm>
#include <cmath>

#include <fmt/core.h>

#include "harness/report_render.hpp"

namespace pebench {

namespace {

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// Red (0) through yellow to green (1).
std::string accuracy_color(double accuracy) {
  const double hue = 120.0 * std::clamp(accuracy, 0.0, 1.0);
  return fmt::format("hsl({:.0f},70%,55%)", hue);
}

const char* const kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                                "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939",
                                "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354",
                                "#756bb1", "#636363", "#9c9ede", "#cedb9c", "#e7ba52", "#ad494a"};
constexpr size_t kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);

std::string encoding_color(const Report& report, const std::string& encoding) {
  const auto it = std::find(report.encodings.begin(), report.encodings.end(), encoding);
  return kPalette[static_cast<size_t>(it - report.encodings.begin()) % kPaletteSize];
}

std::string ranking_table(const Report& report) {
  std::string html = "<table><tr><th>rank</th><th>encoding</th><th>mean OOD accuracy</th><th>tasks with a value</th>"
                     "<th>tasks won</th></tr>\n";
  int rank = 0;
  for (const auto& entry : report.ranking)
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{} of {}</td><td>{}</td></tr>\n", ++rank,
                        escape(entry.encoding), format_accuracy(entry.mean_ood), entry.tasks_with_value,
                        report.total_tasks, entry.tasks_won);
  return html + "</table>\n";
}

std::string accuracy_table(const Report& report, const FamilyTable& family, bool ood) {
  std::string html = "<table><tr><th>task</th>";
  for (const auto& encoding : report.encodings) html += "<th>" + escape(encoding) + "</th>";
  html += "</tr>\n";
  for (const auto& task : family.tasks) {
    html += "<tr><th>" + escape(task) + "</th>";
    for (const auto& encoding : report.encodings) {
      const PairSummary& pair = report.pairs.at({task, encoding});
      const bool best = ood ? pair.best_ood : pair.best_id;
      html += std::string(best ? "<td class=\"best\">" : "<td>") + escape(pair_text(pair, ood)) + "</td>";
    }
    html += "</tr>\n";
  }
  return html + "</table>\n";
}

// Rows: tasks grouped by family; columns: encodings; colour: mean OOD accuracy.
std::string heatmap(const Report& report) {
  const int cell_w = 64, cell_h = 22, left = 200, top = 110;
  std::vector<std::string> tasks;
  for (const auto& family : report.families)
    for (const auto& task : family.tasks) tasks.push_back(task);
  const int width = left + cell_w * static_cast<int>(report.encodings.size()) + 10;
  const int height = top + cell_h * static_cast<int>(tasks.size()) + 10;
  std::string svg = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
                                "font-family=\"sans-serif\" font-size=\"11\">\n",
                                width, height);
  for (size_t e = 0; e < report.encodings.size(); ++e) {
    const int x = left + cell_w * static_cast<int>(e) + cell_w / 2;
    svg += fmt::format("<text transform=\"translate({},{}) rotate(-50)\">{}</text>\n", x, top - 6,
                       escape(report.encodings[e]));
  }
  for (size_t t = 0; t < tasks.size(); ++t) {
    const int y = top + cell_h * static_cast<int>(t);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", left - 6, y + 15, escape(tasks[t]));
    for (size_t e = 0; e < report.encodings.size(); ++e) {
      const PairSummary& pair = report.pairs.at({tasks[t], report.encodings[e]});
      const int x = left + cell_w * static_cast<int>(e);
      const bool has_value = pair.ood.n > 0;
      const std::string label = has_value ? fmt::format("{:.2f}", pair.ood.mean) : pair_text(pair, true);
      svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#fff\"/>", x, y,
                         cell_w, cell_h, has_value ? accuracy_color(pair.ood.mean) : "#d9d9d9");
      svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\"{}>{}</text>\n", x + cell_w / 2, y + 15,
                         pair.best_ood ? " font-weight=\"bold\"" : "", escape(label.substr(0, 10)));
    }
  }
  return svg + "</svg>\n";
}

std::string length_chart(const Report& report, const LengthChart& chart) {
  const int width = 720, height = 300, left = 50, right = 170, top = 20, bottom = 40;
  const int plot_w = width - left - right, plot_h = height - top - bottom;
  int lo = INT32_MAX, hi = INT32_MIN;
  for (const auto& [encoding, points] : chart.series)
    for (const auto& point : points) {
      lo = std::min(lo, point.first);
      hi = std::max(hi, point.first);
    }
  if (lo > hi) return "";
  const double span = hi > lo ? hi - lo : 1.0;
  auto x_of = [&](int length) { return left + plot_w * (length - lo) / span; };
  auto y_of = [&](double accuracy) { return top + plot_h * (1.0 - std::clamp(accuracy, 0.0, 1.0)); };
  std::string svg = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
                                "font-family=\"sans-serif\" font-size=\"11\">\n",
                                width, height);
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>\n", left, top,
                     plot_w, plot_h);
  for (double tick : {0.0, 0.25, 0.5, 0.75, 1.0})
    svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{:.2f}</text>"
                       "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#eee\"/>\n",
                       left - 4, y_of(tick) + 4, tick, left, left + plot_w, y_of(tick), y_of(tick));
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"start\">{}</text><text x=\"{}\" y=\"{}\" "
                     "text-anchor=\"end\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">length</text>\n",
                     left, top + plot_h + 15, lo, left + plot_w, top + plot_h + 15, hi, left + plot_w / 2,
                     top + plot_h + 32);
  int legend_row = 0;
  for (const auto& [encoding, points] : chart.series) {
    const std::string color = encoding_color(report, encoding);
    std::string coords;
    for (const auto& [length, accuracy] : points) coords += fmt::format("{:.1f},{:.1f} ", x_of(length), y_of(accuracy));
    svg += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"{}\"/>\n", color, coords);
    if (points.size() == 1)
      svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"{}\"/>\n", x_of(points[0].first),
                         y_of(points[0].second), color);
    const int y = top + 12 * legend_row++;
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"3\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}"
                       "</text>\n",
                       left + plot_w + 10, y + 1, color, left + plot_w + 24, y + 5, escape(encoding));
  }
  return svg + "</svg>\n";
}

const char* const kStyle =
    "body{font-family:sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse;margin:0.5em 0 1.5em}"
    "td,th{border:1px solid #ccc;padding:3px 6px;font-size:12px;text-align:right;white-space:nowrap}"
    "th{background:#f3f3f3}td.best{font-weight:bold;background:#e6f4e6}.warn{color:#a33}";

}  // namespace

std::string render_html(const Report& report) {
  std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>pebench report</title><style>";
  html += kStyle;
  html += "</style></head><body>\n<h1>pebench report</h1>\n";
  html += fmt::format("<p>Source: <code>{}</code>: {} result files, {} tasks, {} encodings. Entries: accuracy mean "
                      "&plusmn; sample std over seeds (n = seeds with status ok); bold = best encoding of the task.</p>\n",
                      escape(report.source), report.files, report.total_tasks, report.encodings.size());
  html += "<h2>Ranking of encodings</h2>\n" + ranking_table(report);
  html += "<h2>OOD accuracy heatmap</h2>\n" + heatmap(report);
  for (const auto& family : report.families) {
    html += "<h2>Family: " + escape(family.family) + "</h2>\n<h3>OOD accuracy</h3>\n" +
            accuracy_table(report, family, true) + "<h3>ID accuracy</h3>\n" + accuracy_table(report, family, false);
  }
  html += "<h2>Accuracy vs length</h2>\n";
  for (const auto& chart : report.charts)
    html += "<h3>" + escape(chart.task) + ": split " + escape(chart.split) + " (" + escape(chart.kind) + ")</h3>\n" +
            length_chart(report, chart);
  if (!report.warnings.empty()) {
    html += "<h2>Warnings</h2>\n<ul>\n";
    for (const auto& warning : report.warnings) html += "<li class=\"warn\">" + escape(warning) + "</li>\n";
    html += "</ul>\n";
  }
  return html + "</body></html>\n";
}

}  // namespace pebench
