#include "harness/report/report_svg.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/core.h>

namespace pebench::svg {

namespace {

bool finite(double v) { return std::isfinite(v); }

std::string marker(int style, double x, double y, const std::string& color) {
  const double r = 2.6;
  switch (style % 8) {
    case 0: return fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='{}' fill='{}'/>", x, y, r, color);
    case 1: return fmt::format("<rect x='{:.1f}' y='{:.1f}' width='{}' height='{}' fill='{}'/>", x - r, y - r, 2 * r, 2 * r, color);
    case 2: return fmt::format("<path d='M{:.1f},{:.1f}l{},{}h{}z' fill='{}'/>", x, y - r - 0.5, r + 0.5, 2 * r + 0.5, -2 * r - 1, color);
    case 3: return fmt::format("<path d='M{:.1f},{:.1f}l{},{}l{},{}l{},{}z' fill='{}'/>", x, y - r - 0.6, r + 0.6, r + 0.6, -r - 0.6, r + 0.6, -r - 0.6, -r - 0.6, color);
    case 4: return fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='{}' fill='white' stroke='{}' stroke-width='1.4'/>", x, y, r, color);
    case 5: return fmt::format("<rect x='{:.1f}' y='{:.1f}' width='{}' height='{}' fill='white' stroke='{}' stroke-width='1.4'/>", x - r, y - r, 2 * r, 2 * r, color);
    case 6: return fmt::format("<path d='M{:.1f},{:.1f}l{},{}h{}z' fill='white' stroke='{}' stroke-width='1.4'/>", x, y + r + 0.5, r + 0.5, -2 * r - 0.5, -2 * r - 1, color);
    default: return fmt::format("<path d='M{:.1f},{:.1f}l{},{}m0,{}l{},{}' stroke='{}' stroke-width='1.6'/>", x - r, y - r, 2 * r, 2 * r, -2 * r, -2 * r, 2 * r, color);
  }
}

std::string legend_swatch(int style) {
  const std::string color = kLineColors[style % 8];
  return fmt::format("<svg class='swatch' viewBox='0 0 22 10' width='22' height='10'><line x1='0' y1='5' x2='22' "
                     "y2='5' stroke='{}' stroke-width='2'/>{}</svg>",
                     color, marker(style, 11, 5, color));
}

// "Nice" tick values covering [lo, hi].
std::vector<double> ticks(double lo, double hi, int target) {
  const double span = hi - lo;
  if (!(span > 0)) return {lo};
  const double raw = span / target, magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= m * magnitude) {
      step = m * magnitude;
      break;
    }
  std::vector<double> out;
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) out.push_back(v);
  return out;
}

std::string tick_label(double v) {
  if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) >= 1) return fmt::format("{:.0f}", v);
  return fmt::format("{:g}", std::round(v * 1000) / 1000);
}

}  // namespace

const char* const kLineColors[8] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                    "#56B4E9", "#D55E00", "#000000", "#B8A000"};

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string viridis(double t) {
  static const int stops[9][3] = {{68, 1, 84},    {71, 44, 122},  {59, 81, 139},  {44, 113, 142}, {33, 144, 141},
                                  {39, 173, 129}, {92, 200, 99},  {170, 220, 50}, {253, 231, 37}};
  t = std::clamp(t, 0.0, 1.0) * 8.0;
  const int i = std::min(7, static_cast<int>(t));
  const double f = t - i;
  int rgb[3];
  for (int c = 0; c < 3; ++c) rgb[c] = static_cast<int>(std::lround(stops[i][c] + f * (stops[i + 1][c] - stops[i][c])));
  return fmt::format("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]);
}

std::string shared_defs() {
  return "<svg width='0' height='0' style='position:absolute' aria-hidden='true'><defs>"
         "<pattern id='hatch' width='6' height='6' patternUnits='userSpaceOnUse' patternTransform='rotate(45)'>"
         "<rect width='6' height='6' fill='#ffffff' fill-opacity='0.45'/><line x1='0' y1='0' x2='0' y2='6' "
         "stroke='#333' stroke-opacity='0.7' stroke-width='1.6'/></pattern></defs></svg>\n";
}

std::string line_chart(const LineChart& chart) {
  const double width = 330, height = 220, left = 42, right = 10, top = 10, bottom = 34;
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = chart.y_min, y_hi = chart.y_max;
  if (chart.auto_y) y_lo = INFINITY, y_hi = -INFINITY;
  for (const auto& s : chart.series)
    for (size_t i = 0; i < s.x.size(); ++i) {
      x_lo = std::min(x_lo, s.x[i]);
      x_hi = std::max(x_hi, s.x[i]);
      if (chart.auto_y && finite(s.y[i])) y_lo = std::min(y_lo, s.y[i]), y_hi = std::max(y_hi, s.y[i]);
    }
  if (!finite(x_lo)) x_lo = 0, x_hi = 1;
  if (x_hi == x_lo) x_lo -= 1, x_hi += 1;
  if (!finite(y_lo) || !finite(y_hi)) y_lo = 0, y_hi = 1;
  if (y_hi == y_lo) y_lo -= 0.5, y_hi += 0.5;
  if (chart.auto_y) y_lo = std::min(0.0, y_lo);
  auto px = [&](double x) { return left + (x - x_lo) / (x_hi - x_lo) * (width - left - right); };
  auto py = [&](double y) { return top + (1 - (std::clamp(y, y_lo, y_hi) - y_lo) / (y_hi - y_lo)) * (height - top - bottom); };
  std::string out = fmt::format("<figure class='chart'><figcaption>{}</figcaption><svg viewBox='0 0 {} {}' "
                                "role='img' aria-label='{}'>",
                                escape(chart.title), width, height, escape(chart.title));
  for (double t : ticks(y_lo, y_hi, 5))
    out += fmt::format("<line x1='{}' x2='{}' y1='{:.1f}' y2='{:.1f}' class='grid'/><text x='{}' y='{:.1f}' "
                       "class='tick' text-anchor='end'>{}</text>",
                       left, width - right, py(t), py(t), left - 4, py(t) + 3, tick_label(t));
  for (double t : ticks(x_lo, x_hi, 5))
    out += fmt::format("<text x='{:.1f}' y='{}' class='tick' text-anchor='middle'>{}</text>", px(t),
                       height - bottom + 12, tick_label(t));
  out += fmt::format("<line x1='{}' x2='{}' y1='{}' y2='{}' class='axis'/>", left, width - right, height - bottom,
                     height - bottom);
  out += fmt::format("<text x='{:.1f}' y='{}' class='label' text-anchor='middle'>{}</text>", (left + width - right) / 2,
                     height - 4, escape(chart.x_label));
  out += fmt::format("<text transform='translate(11,{:.1f}) rotate(-90)' class='label' text-anchor='middle'>{}</text>",
                     (top + height - bottom) / 2, escape(chart.y_label));
  if (chart.reference >= y_lo && chart.reference <= y_hi)
    out += fmt::format("<line x1='{}' x2='{}' y1='{:.1f}' y2='{:.1f}' class='chance'><title>chance level {:.3f}"
                       "</title></line>",
                       left, width - right, py(chart.reference), py(chart.reference), chart.reference);
  for (const auto& s : chart.series) {
    const std::string color = kLineColors[s.style % 8];
    out += fmt::format("<g data-enc='{}'><title>{}</title>", escape(s.label), escape(s.label));
    std::string band_top, band_bottom;
    for (size_t i = 0; i < s.x.size(); ++i)
      if (i < s.lo.size() && finite(s.lo[i]) && finite(s.hi[i])) {
        band_top += fmt::format("{}{:.1f},{:.1f}", band_top.empty() ? "M" : "L", px(s.x[i]), py(s.hi[i]));
        band_bottom = fmt::format("L{:.1f},{:.1f}", px(s.x[i]), py(s.lo[i])) + band_bottom;
      }
    if (!band_top.empty())
      out += fmt::format("<path d='{}{}Z' fill='{}' opacity='0.15'/>", band_top, band_bottom, color);
    std::string path;
    for (size_t i = 0; i < s.x.size(); ++i)
      if (finite(s.y[i])) path += fmt::format("{}{:.1f},{:.1f}", path.empty() ? "M" : "L", px(s.x[i]), py(s.y[i]));
    if (!path.empty()) out += fmt::format("<path d='{}' fill='none' stroke='{}' stroke-width='1.6'/>", path, color);
    if (s.x.size() <= 40)
      for (size_t i = 0; i < s.x.size(); ++i)
        if (finite(s.y[i])) out += marker(s.style, px(s.x[i]), py(s.y[i]), color);
    out += "</g>";
  }
  out += "</svg><div class='legend'>";
  for (const auto& s : chart.series)
    out += fmt::format("<span data-enc='{}'>{}{}</span>", escape(s.label), legend_swatch(s.style), escape(s.label));
  return out + "</div></figure>\n";
}

std::string bar_chart(const BarChart& chart) {
  const double left = 110, right = 40, width = 520, bar = 7, gap = 6;
  const double row_height = bar * chart.groups.size() + gap;
  const double top = 8, height = top + row_height * chart.rows.size() + 24;
  auto px = [&](double v) { return left + std::clamp(v, 0.0, 1.0) * (width - left - right); };
  std::string out = fmt::format("<figure class='chart bars'><figcaption>{}</figcaption><svg viewBox='0 0 {} {:.0f}' "
                                "role='img' aria-label='{}'>",
                                escape(chart.title), width, height, escape(chart.title));
  for (double t : {0.0, 0.25, 0.5, 0.75, 1.0})
    out += fmt::format("<line x1='{:.1f}' x2='{:.1f}' y1='{}' y2='{:.1f}' class='grid'/><text x='{:.1f}' "
                       "y='{:.1f}' class='tick' text-anchor='middle'>{}</text>",
                       px(t), px(t), top, height - 20, px(t), height - 8, tick_label(t));
  for (size_t r = 0; r < chart.rows.size(); ++r) {
    const double y0 = top + r * row_height;
    out += fmt::format("<g data-enc='{}'><text x='{}' y='{:.1f}' class='tick' text-anchor='end'>{}</text>",
                       escape(chart.rows[r]), left - 4, y0 + row_height / 2 + 1, escape(chart.rows[r]));
    for (size_t g = 0; g < chart.groups.size(); ++g) {
      const double v = chart.values[r][g], y = y0 + g * bar;
      if (!finite(v)) continue;
      out += fmt::format("<rect x='{}' y='{:.1f}' width='{:.1f}' height='{}' fill='{}'><title>{} {}: {:.3f}</title>"
                         "</rect>",
                         left, y, px(v) - left, bar - 1, kLineColors[g % 8], escape(chart.rows[r]),
                         escape(chart.groups[g]), v);
      if (chart.hatched[r])
        out += fmt::format("<rect x='{}' y='{:.1f}' width='{:.1f}' height='{}' fill='url(#hatch)'/>", left, y,
                           px(v) - left, bar - 1);
      if (finite(chart.lo[r][g]) && finite(chart.hi[r][g]))
        out += fmt::format("<line x1='{:.1f}' x2='{:.1f}' y1='{:.1f}' y2='{:.1f}' class='whisker'/>", px(chart.lo[r][g]),
                           px(chart.hi[r][g]), y + bar / 2 - 0.5, y + bar / 2 - 0.5);
    }
    out += "</g>";
  }
  out += "</svg><div class='legend'>";
  for (size_t g = 0; g < chart.groups.size(); ++g)
    out += fmt::format("<span><svg class='swatch' viewBox='0 0 12 10' width='12' height='10'><rect width='12' "
                       "height='10' fill='{}'/></svg>{}</span>",
                       kLineColors[g % 8], escape(chart.groups[g]));
  out += "<span><span class='hatch-swatch'></span>hatched: collapsed / not learned</span>";
  return out + "</div></figure>\n";
}

std::string heatmap(const Heatmap& map) {
  size_t longest = 0;
  for (const auto& row : map.rows) longest = std::max(longest, row.size());
  const double cell_w = 44, cell_h = 18, left = 12 + 5.6 * longest, top = 78, bar_h = 10;
  const double width = std::max(left + cell_w * map.columns.size() + 8, left + 330);
  const double grid_bottom = top + cell_h * map.rows.size();
  const double height = grid_bottom + 58;
  std::string out = fmt::format("<figure class='chart heatmap' id='{}'><figcaption>{}</figcaption><svg viewBox='0 0 "
                                "{:.0f} {:.0f}' style='max-width:{:.0f}px' role='img' aria-label='{}'>",
                                map.id, escape(map.title), width, height, 1.15 * width, escape(map.title));
  for (size_t c = 0; c < map.columns.size(); ++c)
    out += fmt::format("<text transform='translate({:.1f},{}) rotate(-55)' class='tick'>{}</text>",
                       left + c * cell_w + cell_w / 2, top - 4, escape(map.columns[c]));
  for (size_t r = 0; r < map.rows.size(); ++r) {
    const double y = top + r * cell_h;
    out += fmt::format("<text x='{}' y='{:.1f}' class='tick' text-anchor='end'>{}</text>", left - 4, y + cell_h / 2 + 3,
                       escape(map.rows[r]));
    for (size_t c = 0; c < map.columns.size(); ++c) {
      const double x = left + c * cell_w, v = map.values[r][c];
      const std::string fill = finite(v) ? viridis(v) : "#ffffff";
      const std::string ink = !finite(v) || map.hatched[r][c] || v > 0.55 ? "#111" : "#fff";
      const std::string hatch = map.hatched[r][c] ? fmt::format("<rect x='{:.1f}' y='{:.1f}' width='{}' height='{}' "
                                                                "fill='url(#hatch)'/>", x, y, cell_w, cell_h)
                                                  : "";
      out += fmt::format("<g data-enc='{}'><rect x='{:.1f}' y='{:.1f}' width='{}' height='{}' fill='{}' "
                         "stroke='#fff'/>{}<text x='{:.1f}' y='{:.1f}' class='cell' fill='{}' text-anchor='middle'>{}"
                         "</text><title>{}</title></g>",
                         escape(map.columns[c]), x, y, cell_w, cell_h, fill, hatch, x + cell_w / 2, y + cell_h / 2 + 3,
                         ink, escape(map.text[r][c]), escape(map.tooltip[r][c]));
    }
  }
  // Colour bar under the grid.
  const double bar_w = std::min(300.0, width - left - 8), bar_y = grid_bottom + 10;
  for (int i = 0; i < 50; ++i)
    out += fmt::format("<rect x='{:.1f}' y='{:.1f}' width='{:.2f}' height='{}' fill='{}'/>", left + bar_w * i / 50.0,
                       bar_y, bar_w / 50.0 + 0.3, bar_h, viridis((i + 0.5) / 50.0));
  for (double t : {0.0, 0.5, 1.0})
    out += fmt::format("<text x='{:.1f}' y='{:.1f}' class='tick' text-anchor='middle'>{}</text>", left + bar_w * t,
                       bar_y + bar_h + 11, tick_label(t));
  out += fmt::format("<text x='{:.1f}' y='{:.1f}' class='tick'>{}</text>", left + bar_w + 8, bar_y + bar_h - 1,
                     escape(map.value_label));
  out += fmt::format("<rect x='{:.1f}' y='{:.1f}' width='16' height='{}' fill='#9e9e9e'/><rect x='{:.1f}' y='{:.1f}' "
                     "width='16' height='{}' fill='url(#hatch)'/><text x='{:.1f}' y='{:.1f}' class='tick'>hatched: "
                     "collapsed / not learned</text>",
                     left, bar_y + bar_h + 16, bar_h, left, bar_y + bar_h + 16, bar_h, left + 22, bar_y + 2 * bar_h + 15);
  return out + "</svg></figure>\n";
}

std::string cd_diagram(const std::vector<std::string>& names, const std::vector<double>& mean_ranks, double cd, int k) {
  const size_t n = names.size();
  const double width = 760, axis_left = 190, axis_right = 570, axis_y = 44, row = 15;
  const size_t half = (n + 1) / 2;
  const double height = axis_y + 30 + row * half + 20;
  auto px = [&](double rank) { return axis_left + (rank - 1) / std::max(1, k - 1) * (axis_right - axis_left); };
  std::string out = fmt::format("<figure class='chart cd'><figcaption>Critical-difference diagram (mean rank, 1 = "
                                "best; CD = {:.2f})</figcaption><svg viewBox='0 0 {} {:.0f}' style='max-width:{}px' "
                                "role='img' aria-label='critical difference diagram'>",
                                cd, width, height, width * 1.3);
  out += fmt::format("<line x1='{}' x2='{}' y1='{}' y2='{}' class='axis'/>", axis_left, axis_right, axis_y, axis_y);
  for (int r = 1; r <= k; ++r)
    if (k <= 12 || r % 2 == 1 || r == k)
      out += fmt::format("<line x1='{0:.1f}' x2='{0:.1f}' y1='{1}' y2='{2}' class='axis'/><text x='{0:.1f}' y='{3}' "
                         "class='tick' text-anchor='middle'>{4}</text>",
                         px(r), axis_y - 4, axis_y, axis_y - 8, r);
  // CD scale bar.
  out += fmt::format("<line x1='{:.1f}' x2='{:.1f}' y1='12' y2='12' class='cdbar'/><text x='{:.1f}' y='9' "
                     "class='tick'>CD</text>",
                     axis_left, px(1 + cd), px(1 + cd) + 4);
  for (size_t i = 0; i < n; ++i) {
    const bool left_side = i < half;
    const size_t slot = left_side ? i : n - 1 - i;
    const double y = axis_y + 26 + row * slot, x = px(mean_ranks[i]);
    const double label_x = left_side ? axis_left - 10 : axis_right + 10;
    out += fmt::format("<g data-enc='{}'><path d='M{:.1f},{}V{:.1f}H{:.1f}' class='leader'/><text x='{:.1f}' "
                       "y='{:.1f}' class='tick' text-anchor='{}'>{} ({:.2f})</text></g>",
                       escape(names[i]), x, axis_y, y, label_x, left_side ? label_x - 3 : label_x + 3, y + 3,
                       left_side ? "end" : "start", escape(names[i]), mean_ranks[i]);
  }
  // Groups not significantly different: maximal runs within CD.
  size_t last_end = 0;
  int bar_index = 0;
  for (size_t i = 0; i < n; ++i) {
    size_t j = i;
    while (j + 1 < n && mean_ranks[j + 1] - mean_ranks[i] < cd) ++j;
    if (j > i && j + 1 > last_end) {
      const double y = axis_y + 6 + 4 * (bar_index++ % 4);
      out += fmt::format("<line x1='{:.1f}' x2='{:.1f}' y1='{:.1f}' y2='{:.1f}' class='clique'/>",
                         px(mean_ranks[i]) - 2, px(mean_ranks[j]) + 2, y, y);
      last_end = j + 1;
    }
  }
  return out + "</svg></figure>\n";
}

}  // namespace pebench::svg
