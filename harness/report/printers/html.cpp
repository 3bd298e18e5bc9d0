// HTML report: one self-contained page (inline CSS, SVG and a few lines of
// JavaScript; nothing fetched). Sections: summary with the critical-difference
// diagram and the ranking; a heatmap of OOD accuracy (raw or chance-
// normalised); per-family tables; per task, small multiples of accuracy vs
// length by encoding kind with a band over seeds, per-split bars where a task
// has several splits, and loss curves; parameter counts and tokens/s.
// Degenerate (collapsed / not learned) entries are greyed and hatched.
#include <algorithm>
#include <set>

#include <fmt/core.h>

#include "harness/report/report_render.hpp"
#include "harness/report/report_svg.hpp"

namespace pebench {

namespace {

using svg::escape;

constexpr size_t kMaxLines = 8;

const char* const kStyle = R"(
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1a1a1a;background:#fff}
main{max-width:1200px;margin:0 auto;padding:16px 20px 60px}
h1{font-size:26px;margin:8px 0}h2{font-size:20px;margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:16px;margin:22px 0 6px}
nav.toc{background:#f6f6f6;border:1px solid #e2e2e2;padding:8px 14px;border-radius:4px;columns:3 220px;font-size:13px}
nav.toc a{display:block;color:#0b5394;text-decoration:none}nav.toc a.sub{padding-left:12px;color:#3d6f9e}
.note{color:#444;font-size:13px;max-width:900px}.warn{color:#8a4b00}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:12.5px;margin:6px 0}
th,td{border:1px solid #ddd;padding:2px 6px;text-align:right;white-space:nowrap}
th{background:#f3f3f3;position:sticky;top:0}td.name,th.name{text-align:left}
td.best{font-weight:700;background:#e8f1fa}td.degenerate{color:#9a9a9a;background:repeating-linear-gradient(45deg,#f7f7f7,#f7f7f7 4px,#ececec 4px,#ececec 8px)}
td.chance{color:#666;font-style:italic}
figure.chart{margin:0;border:1px solid #eee;border-radius:4px;padding:6px;background:#fff;min-width:0}
figure.chart svg{width:100%;height:auto;display:block}
figure.bars svg{max-width:640px}
figcaption{font-size:12.5px;font-weight:600;margin-bottom:2px}
.grid3{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:10px}
.legend{font-size:11.5px;display:flex;flex-wrap:wrap;gap:2px 10px;margin-top:2px}
.legend span{display:inline-flex;align-items:center;gap:3px}
.hatch-swatch{display:inline-block;width:14px;height:10px;background:repeating-linear-gradient(45deg,#9e9e9e,#9e9e9e 2px,#e0e0e0 2px,#e0e0e0 4px)}
svg .grid{stroke:#e6e6e6;stroke-width:.8}svg .axis{stroke:#555;stroke-width:1}
svg .tick{font-size:9.5px;fill:#333}figure.heatmap svg .tick,figure.cd svg .tick{font-size:10.5px}svg .label{font-size:10px;fill:#333}svg .cell{font-size:8.5px}
svg .chance{stroke:#777;stroke-dasharray:4 3;stroke-width:1}svg .whisker{stroke:#222;stroke-width:1}
svg .leader{fill:none;stroke:#888;stroke-width:.8}svg .clique{stroke:#000;stroke-width:2.4}svg .cdbar{stroke:#c00;stroke-width:2}
.dim{opacity:.12}.controls{font-size:13px;margin:8px 0;display:flex;flex-wrap:wrap;gap:4px 12px;align-items:center}
.controls label{white-space:nowrap}
details{margin:6px 0}summary{cursor:pointer;color:#0b5394}
)";

// Highlighting: checked encodings stay opaque, the others are dimmed
// everywhere; the heatmap toggles between raw and chance-normalised accuracy.
const char* const kScript = R"(
function pebenchHighlight(){
  var on=[].slice.call(document.querySelectorAll('#highlight input:checked')).map(function(e){return e.value;});
  document.querySelectorAll('[data-enc]').forEach(function(el){
    el.classList.toggle('dim', on.length>0 && on.indexOf(el.getAttribute('data-enc'))<0);});
}
function pebenchHeatmap(which){
  document.getElementById('heatmap-raw').style.display = which==='raw'?'':'none';
  var n=document.getElementById('heatmap-normalized'); if(n) n.style.display = which==='raw'?'none':'';
}
document.addEventListener('DOMContentLoaded',function(){
  document.querySelectorAll('#highlight input').forEach(function(e){e.addEventListener('change',pebenchHighlight);});
  document.querySelectorAll('input[name=heatmap]').forEach(function(e){
    e.addEventListener('change',function(){pebenchHeatmap(e.value);});});
  pebenchHeatmap('raw');
});
)";

// The shared explanations are Markdown: **bold** and `code` become HTML.
std::string inline_markdown(const std::string& text) {
  std::string out, escaped = escape(text);
  bool bold = false, code = false;
  for (size_t i = 0; i < escaped.size(); ++i) {
    if (escaped.compare(i, 2, "**") == 0) {
      out += (bold = !bold) ? "<b>" : "</b>";
      ++i;
    } else if (escaped[i] == '`') {
      out += (code = !code) ? "<code>" : "</code>";
    } else {
      out += escaped[i];
    }
  }
  return out;
}

std::string anchor(const std::string& text) {
  std::string out;
  for (char c : text) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return out;
}

std::vector<std::string> ordered_tasks(const Report& report) {
  std::vector<std::string> tasks;
  for (const auto& family : report.families) tasks.insert(tasks.end(), family.tasks.begin(), family.tasks.end());
  return tasks;
}

// Encodings grouped by kind, each group split into charts of at most kMaxLines.
std::vector<std::pair<std::string, std::vector<std::string>>> encoding_groups(const Report& report) {
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  for (const char* kind : kEncodingKinds) {
    std::vector<std::string> members;
    for (const auto& encoding : report.encodings)
      if (encoding_kind(report.encoding_names.at(encoding)) == kind) members.push_back(encoding);
    const size_t parts = (members.size() + kMaxLines - 1) / kMaxLines;
    for (size_t p = 0; p < parts; ++p) {
      const size_t per = (members.size() + parts - 1) / parts;
      std::vector<std::string> chunk(members.begin() + p * per, members.begin() + std::min(members.size(), (p + 1) * per));
      groups.emplace_back(parts > 1 ? fmt::format("{} ({}/{})", kind, p + 1, parts) : kind, chunk);
    }
  }
  return groups;
}

std::string summary_section(const Report& report) {
  const RankComparison& r = report.ranking;
  const stats::FriedmanResult& f = r.friedman;
  std::string html = "<h2 id='summary'>Summary</h2>\n<ul>";
  html += fmt::format("<li>Tasks learned (some encoding reaches ID accuracy ≥ {:.2f} without collapsing): <b>{} of "
                      "{}</b>.</li>",
                      report.options.learned_threshold, report.learned_tasks(), report.total_tasks);
  if (r.encodings.size() >= 2 && r.tasks.size() >= 2)
    html += fmt::format("<li>Friedman test over {} tasks × {} encodings: χ²<sub>F</sub> = {:.2f}, Iman–Davenport F = "
                        "{:.2f}, <b>p = {}</b>. Nemenyi critical difference (α = 0.05): <b>CD = {:.2f}</b>; encodings "
                        "joined by a bar are not distinguishable.</li>",
                        r.tasks.size(), r.encodings.size(), f.chi_square, f.iman_davenport_f, format_p(f.p_value),
                        f.critical_difference);
  for (const auto& note : r.notes) html += "<li class='note'>Rank comparison: " + escape(note) + ".</li>";
  html += "</ul>\n";
  if (r.encodings.size() >= 2 && r.tasks.size() >= 2)
    html += svg::cd_diagram(r.encodings, r.mean_ranks, f.critical_difference, static_cast<int>(r.encodings.size()));
  if (r.encodings.empty()) return html;
  html += "<div class='scroll'><table><tr><th>rank</th><th class='name'>encoding</th><th>kind</th><th>mean rank</th>"
          "<th>within CD of best</th><th>tasks learned</th><th>best on</th></tr>\n";
  for (size_t i = 0; i < r.encodings.size(); ++i) {
    int learned = 0, best = 0;
    for (const auto& [task, info] : report.tasks) {
      const Entry& e = report.entry(task, r.encodings[i]);
      learned += e.has_value() && !e.degenerate();
      best += e.best_ood;
    }
    html += fmt::format("<tr data-enc='{0}'><td>{1}</td><td class='name'>{0}</td><td>{2}</td><td>{3:.2f}</td><td>{4}"
                        "</td><td>{5}</td><td>{6}</td></tr>\n",
                        escape(r.encodings[i]), i + 1, encoding_kind(report.encoding_names.at(r.encodings[i])),
                        r.mean_ranks[i], r.mean_ranks[i] - r.mean_ranks[0] < f.critical_difference ? "=" : "",
                        learned, best);
  }
  return html + "</table></div>\n";
}

std::string heatmap_section(const Report& report) {
  const std::vector<std::string> tasks = ordered_tasks(report);
  auto build = [&](bool normalized) {
    svg::Heatmap map;
    map.id = normalized ? "heatmap-normalized" : "heatmap-raw";
    map.title = normalized ? "OOD accuracy normalised to chance: (acc − chance) / (1 − chance)" : "OOD accuracy";
    map.value_label = normalized ? "normalised accuracy" : "accuracy";
    map.rows = tasks;
    map.columns = report.encodings;
    for (const auto& task : tasks) {
      std::vector<double> values;
      std::vector<std::string> text, tip;
      std::vector<bool> hatched;
      for (const auto& encoding : report.encodings) {
        const Entry& e = report.entry(task, encoding);
        double v = e.ood_value;
        if (normalized) v = chance_normalized(v, report.tasks.at(task).chance_ood);
        values.push_back(v);
        text.push_back(std::isfinite(v) ? fmt::format("{:.2f}", v) : (e.missing() ? "" : "–"));
        const std::string flags = degenerate_text(e);
        tip.push_back(fmt::format("{} / {}: {}{}", task, encoding, entry_text(e, true), flags.empty() ? "" : " (" + flags + ")"));
        hatched.push_back(e.has_value() && e.degenerate());
      }
      map.values.push_back(values);
      map.text.push_back(text);
      map.tooltip.push_back(tip);
      map.hatched.push_back(hatched);
    }
    return svg::heatmap(map);
  };
  bool chance_known = false;
  for (const auto& [task, info] : report.tasks) chance_known = chance_known || std::isfinite(info.chance_ood);
  std::string html = "<h2 id='heatmap'>OOD accuracy at a glance</h2>\n";
  if (chance_known)
    html += "<div class='controls'>Heatmap: <label><input type='radio' name='heatmap' value='raw' checked> accuracy"
            "</label><label><input type='radio' name='heatmap' value='normalized'> normalised to chance</label></div>";
  else
    html += "<p class='note'>Chance levels are unknown (schema-1 results have no class histograms), so no "
            "chance-normalised view.</p>";
  html += "<div class='scroll'>" + build(false) + (chance_known ? build(true) : "") + "</div>\n";
  return html;
}

std::string table_cell(const Report& report, const std::string& task, const std::string& encoding, bool ood) {
  const Entry& e = report.entry(task, encoding);
  const char* cls = e.has_value() && e.degenerate() ? " class='degenerate'" : (ood && e.best_ood ? " class='best'" : "");
  const std::string flags = degenerate_text(e);
  return fmt::format("<td{}{}>{}</td>", cls, flags.empty() ? "" : " title='" + flags + "'", escape(entry_text(e, ood)));
}

std::string family_tables(const Report& report) {
  std::string html = "<h2 id='tables'>Tables</h2>\n<p class='note'>" + inline_markdown(interval_explanation(report)) +
                     " " + inline_markdown(degenerate_explanation(report)) +
                     " Bold = best, significant after Holm's correction.</p>\n";
  for (const auto& family : report.families)
    for (bool ood : {true, false}) {
      html += fmt::format("<h3 id='table-{}-{}'>{}: {} accuracy</h3><div class='scroll'><table><tr><th class='name'>"
                          "encoding</th>",
                          anchor(family.family), ood ? "ood" : "id", escape(family.family), ood ? "OOD" : "ID");
      for (const auto& task : family.tasks) html += "<th>" + escape(task) + "</th>";
      html += "</tr>\n<tr><td class='name chance'>chance</td>";
      for (const auto& task : family.tasks)
        html += "<td class='chance'>" +
                format_number(ood ? report.tasks.at(task).chance_ood : report.tasks.at(task).chance_id) + "</td>";
      html += "</tr>\n";
      for (const auto& encoding : report.encodings) {
        html += fmt::format("<tr data-enc='{0}'><td class='name'>{0}</td>", escape(encoding));
        for (const auto& task : family.tasks) html += table_cell(report, task, encoding, ood);
        html += "</tr>\n";
      }
      html += "</table></div>\n";
    }
  return html;
}

// Accuracy vs length of one split: per encoding of the group, the aggregate
// over seeds per length, and a band: min–max over seeds (2+ seeds) or the
// 95% interval over sequences (1 seed).
svg::Series length_series(const Report& report, const std::string& task, const std::string& encoding,
                          const std::string& split, int style) {
  svg::Series series;
  series.label = encoding;
  series.style = style;
  std::map<int, std::vector<const LengthPoint*>> by_length;
  for (const auto* record : report.entry(task, encoding).seeds)
    for (const auto& s : record->splits)
      if (s.name == split)
        for (const auto& p : s.points)
          if (std::isfinite(p.accuracy)) by_length[p.length].push_back(&p);
  for (const auto& [length, points] : by_length) {
    std::vector<double> values;
    for (const auto* p : points) values.push_back(p->accuracy);
    const stats::SeedSummary s = stats::summarize_seeds(values);
    series.x.push_back(length);
    series.y.push_back(report.options.aggregate == Aggregate::mean ? s.mean
                       : report.options.aggregate == Aggregate::median ? s.median : s.max);
    series.lo.push_back(points.size() > 1 ? s.min : points[0]->interval.lo);
    series.hi.push_back(points.size() > 1 ? s.max : points[0]->interval.hi);
  }
  return series;
}

std::string task_section(const Report& report, const std::string& task,
                         const std::vector<std::pair<std::string, std::vector<std::string>>>& groups) {
  const TaskInfo& info = report.tasks.at(task);
  std::string html = fmt::format("<h3 id='task-{}'>{} <small>({})</small></h3>\n", anchor(task), escape(task),
                                 escape(info.family));
  // Splits evaluated at several lengths get accuracy-vs-length charts.
  std::set<std::string> multi_length;
  for (const auto& encoding : report.encodings)
    for (const auto* record : report.entry(task, encoding).seeds)
      for (const auto& s : record->splits)
        if (s.points.size() >= 2) multi_length.insert(s.name);
  for (const auto& split : info.split_names) {
    if (!multi_length.count(split)) continue;
    html += "<div class='grid3'>";
    for (const auto& [kind, members] : groups) {
      svg::LineChart chart;
      chart.title = fmt::format("{} · {} split · {}", task, split, kind);
      chart.x_label = "length";
      chart.y_label = "accuracy";
      bool ood_split = false;
      for (const auto* record : report.entry(task, members.front()).seeds)
        for (const auto& s : record->splits)
          if (s.name == split) ood_split = s.kind == "ood";
      const double chance = ood_split ? info.chance_ood : info.chance_id;
      if (std::isfinite(chance)) chart.reference = chance;
      for (size_t i = 0; i < members.size(); ++i) {
        svg::Series series = length_series(report, task, members[i], split, static_cast<int>(i));
        if (!series.x.empty()) chart.series.push_back(std::move(series));
      }
      if (!chart.series.empty()) html += svg::line_chart(chart);
    }
    html += "</div>\n";
  }
  // Several splits: per-split bars (the memory tasks' ID / sparse / dense / length).
  if (info.split_names.size() > 2 || multi_length.empty()) {
    svg::BarChart bars;
    bars.title = fmt::format("{} · accuracy per split ({} over seeds; whisker = 95% interval)", task,
                             to_string(report.options.aggregate));
    bars.groups = info.split_names;
    for (const auto& encoding : report.encodings) {
      const Entry& e = report.entry(task, encoding);
      std::vector<double> values, lo, hi;
      for (const auto& split : info.split_names) {
        std::vector<double> accuracies;
        double se = std::nan("");
        for (const auto* record : e.seeds)
          for (const auto& s : record->splits)
            if (s.name == split && std::isfinite(s.accuracy)) accuracies.push_back(s.accuracy), se = s.std_error;
        const stats::SeedSummary s = stats::summarize_seeds(accuracies);
        const double v = report.options.aggregate == Aggregate::mean ? s.mean
                         : report.options.aggregate == Aggregate::median ? s.median : s.max;
        values.push_back(v);
        const bool seeds = s.n >= 2 && report.options.aggregate == Aggregate::mean;
        lo.push_back(seeds ? s.interval.lo : v - 1.96 * se);
        hi.push_back(seeds ? s.interval.hi : v + 1.96 * se);
      }
      bars.rows.push_back(encoding);
      bars.values.push_back(values);
      bars.lo.push_back(lo);
      bars.hi.push_back(hi);
      bars.hatched.push_back(e.has_value() && e.degenerate());
    }
    html += svg::bar_chart(bars);
  }
  // Loss curves, mean over seeds, same grouping.
  std::string curves;
  for (const auto& [kind, members] : groups) {
    svg::LineChart chart;
    chart.title = fmt::format("{} · training loss · {}", task, kind);
    chart.x_label = "step";
    chart.y_label = "loss";
    chart.auto_y = true;
    for (size_t i = 0; i < members.size(); ++i) {
      std::map<int, std::vector<double>> by_step;
      for (const auto* record : report.entry(task, members[i]).seeds)
        for (const auto& [step, loss] : record->loss_curve)
          if (std::isfinite(loss)) by_step[step].push_back(loss);
      svg::Series series;
      series.label = members[i];
      series.style = static_cast<int>(i);
      for (const auto& [step, losses] : by_step) {
        const stats::SeedSummary s = stats::summarize_seeds(losses);
        series.x.push_back(step);
        series.y.push_back(s.mean);
        series.lo.push_back(losses.size() > 1 ? s.min : std::nan(""));
        series.hi.push_back(losses.size() > 1 ? s.max : std::nan(""));
      }
      if (!series.x.empty()) chart.series.push_back(std::move(series));
    }
    if (!chart.series.empty()) curves += svg::line_chart(chart);
  }
  if (!curves.empty()) html += "<details><summary>training loss curves</summary><div class='grid3'>" + curves + "</div></details>\n";
  return html;
}

std::string cost_section(const Report& report) {
  std::string html = "<h2 id='cost'>Parameters and speed</h2>\n<p class='note'>Per encoding over the tasks it ran: "
                     "parameter count (range over tasks; vocabularies differ) and training throughput in tokens/s "
                     "(median over cells; measured on whatever machine ran each cell, see the result files' "
                     "context).</p><div class='scroll'><table><tr><th class='name'>encoding</th><th>kind</th>"
                     "<th>parameters</th><th>tokens/s (median)</th><th>cells</th></tr>\n";
  for (const auto& encoding : report.encodings) {
    int64_t lo = INT64_MAX, hi = 0;
    std::vector<double> speeds;
    for (const auto& [task, info] : report.tasks)
      for (const auto* record : report.entry(task, encoding).seeds) {
        if (record->num_parameters > 0) lo = std::min(lo, record->num_parameters), hi = std::max(hi, record->num_parameters);
        if (std::isfinite(record->tokens_per_s)) speeds.push_back(record->tokens_per_s);
      }
    const std::string params = hi == 0 ? "-" : lo == hi ? fmt::format("{}", lo) : fmt::format("{}–{}", lo, hi);
    html += fmt::format("<tr data-enc='{0}'><td class='name'>{0}</td><td>{1}</td><td>{2}</td><td>{3}</td><td>{4}</td>"
                        "</tr>\n",
                        escape(encoding), encoding_kind(report.encoding_names.at(encoding)), params,
                        speeds.empty() ? "-" : fmt::format("{:.0f}", stats::summarize_seeds(speeds).median),
                        speeds.size());
  }
  return html + "</table></div>\n";
}

std::string render_html(const Report& report) {
  const auto groups = encoding_groups(report);
  const std::vector<std::string> tasks = ordered_tasks(report);
  std::string html = "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><meta name='viewport' "
                     "content='width=device-width,initial-scale=1'><title>pebench report</title><style>" +
                     std::string(kStyle) + "</style><script>" + kScript + "</script></head><body>" +
                     svg::shared_defs() + "<main>\n<h1>pebench report</h1>\n";
  html += fmt::format("<p class='note'>Source <code>{}</code>: {} result files, {} tasks, {} encodings. Aggregate over "
                      "seeds: <b>{}</b>.</p>\n",
                      escape(report.source), report.files, report.total_tasks, report.encodings.size(),
                      to_string(report.options.aggregate));
  html += "<nav class='toc'><a href='#summary'>Summary and ranking</a><a href='#heatmap'>Heatmap</a>"
          "<a href='#tables'>Tables</a>";
  for (const auto& family : report.families)
    html += fmt::format("<a class='sub' href='#table-{}-ood'>{}</a>", anchor(family.family), escape(family.family));
  html += "<a href='#charts'>Accuracy vs length</a>";
  for (const auto& task : tasks) html += fmt::format("<a class='sub' href='#task-{}'>{}</a>", anchor(task), escape(task));
  html += "<a href='#cost'>Parameters and speed</a>";
  if (!report.warnings.empty()) html += "<a href='#warnings'>Warnings</a>";
  html += "</nav>\n<div class='controls' id='highlight'><b>Highlight:</b>";
  for (const auto& encoding : report.encodings)
    html += fmt::format("<label><input type='checkbox' value='{0}'> {0}</label>", escape(encoding));
  html += "</div>\n";
  html += summary_section(report) + heatmap_section(report) + family_tables(report);
  html += "<h2 id='charts'>Accuracy vs length</h2>\n<p class='note'>Per task and split, encodings grouped by kind "
          "(absolute, relative, randomized, adaptive). Line = aggregate over seeds; band = min–max over seeds, or the "
          "95% interval over sequences for a single seed; dashed line = chance level.</p>\n";
  for (const auto& task : tasks) html += task_section(report, task, groups);
  html += cost_section(report);
  if (!report.warnings.empty()) {
    html += "<h2 id='warnings'>Warnings</h2><ul>";
    for (const auto& warning : report.warnings) html += "<li class='warn'>" + escape(warning) + "</li>";
    html += "</ul>";
  }
  return html + "</main></body></html>\n";
}

}  // namespace

PEBENCH_REPORT_PRINTER("html", "self-contained HTML page with charts", {".html", ".htm"}, render_html);

}  // namespace pebench
