#include "harness/progress.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/core.h>

namespace pebench {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long long s = std::llround(seconds);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

static std::string accuracy_text(double accuracy) {
  return std::isfinite(accuracy) ? fmt::format("{:.3f}", accuracy) : "-";
}

Progress::Progress(std::FILE* out, bool live, double plain_interval_s)
    : out_(out), live_(live), plain_interval_s_(plain_interval_s) {}

double Progress::seconds_since(Clock::time_point start) const {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void Progress::begin_run(int cells_to_run) {
  cells_to_run_ = cells_to_run;
  cells_done_ = 0;
  finished_cells_s_ = 0.0;
}

void Progress::begin_cell(const std::string& cell, int steps) {
  cell_ = cell;
  steps_ = steps;
  cell_start_ = Clock::now();
  last_emit_ = cell_start_;
  if (!live_) emit(fmt::format("[{}/{}] {}: training {} steps", cells_done_ + 1, cells_to_run_, cell_, steps_), true);
}

// This cell's remaining training from its step rate, then every cell still to
// come at the mean time of the finished ones (or of this one, projected).
double Progress::eta_seconds(int step) const {
  const double elapsed = seconds_since(cell_start_);
  if (step <= 0) return NAN;
  const double this_cell_total = elapsed * steps_ / step;
  const double per_cell = cells_done_ > 0 ? finished_cells_s_ / cells_done_ : this_cell_total;
  const int cells_after = std::max(0, cells_to_run_ - cells_done_ - 1);
  return (this_cell_total - elapsed) + cells_after * per_cell;
}

void Progress::step(int step, double loss) {
  const double since_emit = seconds_since(last_emit_);
  if (since_emit < (live_ ? 0.2 : plain_interval_s_) && step != steps_) return;
  if (!live_ && step == steps_) return;  // the end-of-cell line follows
  last_emit_ = Clock::now();
  emit(fmt::format("[{}/{}] {}  step {}/{}  loss {:.4f}  ETA {}", cells_done_ + 1, cells_to_run_, cell_, step, steps_,
                   loss, format_duration(eta_seconds(step))),
       false);
}

void Progress::evaluating() {
  if (live_) emit(fmt::format("[{}/{}] {}  evaluating", cells_done_ + 1, cells_to_run_, cell_), false);
}

void Progress::end_cell(const SummaryRow& row) {
  ++cells_done_;
  finished_cells_s_ += row.seconds;
  emit(fmt::format("[{}/{}] {}  {}  id {}  ood {}  {}{}", cells_done_, cells_to_run_, row.cell, row.status,
                   accuracy_text(row.id_accuracy), accuracy_text(row.ood_accuracy), format_duration(row.seconds),
                   row.note.empty() ? "" : "  (" + row.note + ")"),
       true);
}

void Progress::kept(const SummaryRow& row) {
  emit(fmt::format("skip {} (finished earlier: {}, id {}  ood {})", row.cell, row.status,
                   accuracy_text(row.id_accuracy), accuracy_text(row.ood_accuracy)),
       true);
}

void Progress::emit(const std::string& line, bool final_line) {
  if (live_) {
    // Pad so a shorter line fully covers the previous one.
    std::fprintf(out_, "\r%-100s", line.c_str());
    if (final_line) std::fputc('\n', out_);
  } else {
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
}

void Progress::summary(const std::vector<SummaryRow>& rows) const {
  size_t width = 4;
  for (const auto& row : rows) width = std::max(width, row.cell.size());
  std::fprintf(out_, "\n%-*s  %-13s  %7s  %7s  %8s\n", static_cast<int>(width), "cell", "status", "id", "ood",
               "time");
  for (const auto& row : rows)
    std::fprintf(out_, "%-*s  %-13s  %7s  %7s  %8s%s\n", static_cast<int>(width), row.cell.c_str(),
                 row.status.c_str(), accuracy_text(row.id_accuracy).c_str(), accuracy_text(row.ood_accuracy).c_str(),
                 format_duration(row.seconds).c_str(), row.note.empty() ? "" : ("  " + row.note).c_str());
  std::fflush(out_);
}

}  // namespace pebench
