// Inline SVG charts for the HTML report: line charts with bands (accuracy vs
// length, loss curves), grouped horizontal bars (per-split accuracy), a
// heatmap with a colour bar, and Demšar's critical-difference diagram. Every
// chart scales with its container (viewBox, width 100%); legends are HTML
// next to the chart so they wrap instead of being clipped. Colours: the
// Okabe–Ito palette for lines (distinguishable with colour-vision
// deficiencies), viridis for the heatmap (perceptually uniform, readable in
// grey); lines also differ by marker shape.
#pragma once
#include <string>
#include <vector>

namespace pebench::svg {

std::string escape(const std::string& text);

// Okabe & Ito (2008) "Color Universal Design": 8 colours.
extern const char* const kLineColors[8];
// Viridis (van der Walt & Smith, matplotlib) at t in [0, 1], as "#rrggbb".
std::string viridis(double t);

struct Series {
  std::string label;  // also the data-enc attribute (highlighting)
  int style = 0;      // colour and marker index (mod 8)
  std::vector<double> x, y, lo, hi;  // lo/hi: band (NaN: none)
};

struct LineChart {
  std::string title, x_label, y_label;
  double y_min = 0.0, y_max = 1.0;
  bool auto_y = false;  // fit y to the data (loss curves)
  double reference = -1.0;  // a dashed horizontal line (chance level) when in range
  std::vector<Series> series;
};
// An SVG element (with the legend as HTML after it) inside <figure class="chart">.
std::string line_chart(const LineChart& chart);

// Rows of grouped horizontal bars: one row per label, one bar per group
// (e.g. per split), value in [0, 1] with an optional interval; hatched rows
// are degenerate entries.
struct BarChart {
  std::string title;
  std::vector<std::string> groups;  // legend
  std::vector<std::string> rows;
  std::vector<std::vector<double>> values, lo, hi;  // [row][group], NaN = none
  std::vector<bool> hatched;                        // [row]
};
std::string bar_chart(const BarChart& chart);

struct Heatmap {
  std::string id, title, value_label;
  std::vector<std::string> rows, columns;
  std::vector<std::vector<double>> values;  // [row][column] in [0, 1]; NaN = no value
  std::vector<std::vector<std::string>> text, tooltip;
  std::vector<std::vector<bool>> hatched;
};
std::string heatmap(const Heatmap& map);

// Mean ranks on an axis 1..k, names on both sides, and a bar joining every
// maximal group of encodings whose mean ranks differ by less than `cd`.
std::string cd_diagram(const std::vector<std::string>& names, const std::vector<double>& mean_ranks, double cd,
                       int k);

// The <defs> every page needs once (hatching pattern).
std::string shared_defs();

}  // namespace pebench::svg
