#include "harness/run/progress.hpp"

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

static double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Progress::Progress(std::FILE* out, bool live, double plain_interval_s)
    : out_(out), live_(live), plain_interval_s_(plain_interval_s) {}

void Progress::begin_run(int cells_to_run, int jobs) {
  std::lock_guard<std::mutex> lock(mutex_);
  cells_to_run_ = cells_to_run;
  jobs_ = std::max(1, jobs);
  cells_started_ = cells_done_ = 0;
  finished_cells_s_ = 0.0;
  active_.clear();
}

std::string Progress::prefix(const Active& active) const {
  return fmt::format("[{}/{}] {}", active.number, cells_to_run_, active.cell);
}

int Progress::begin_cell(const std::string& cell, int steps) {
  std::lock_guard<std::mutex> lock(mutex_);
  const int slot = ++cells_started_;
  Active& active = active_[slot];
  active.cell = cell;
  active.number = slot;
  active.steps = steps;
  active.start = active.last_emit = Clock::now();
  if (!live_) emit(fmt::format("{}: training {} steps", prefix(active), steps), true);
  return slot;
}

// This cell's remaining training from its step rate, then the cells not yet
// started at the mean time of the finished ones (or of this one, projected),
// `jobs` at a time.
double Progress::eta_seconds(const Active& active, int step) const {
  if (step <= 0) return NAN;
  const double elapsed = seconds_since(active.start);
  const double this_cell_total = elapsed * active.steps / step;
  const double per_cell = cells_done_ > 0 ? finished_cells_s_ / cells_done_ : this_cell_total;
  const int not_started = std::max(0, cells_to_run_ - cells_started_);
  return (this_cell_total - elapsed) + not_started * per_cell / jobs_;
}

void Progress::step(int slot, int step, double loss) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = active_.find(slot);
  if (it == active_.end()) return;
  Active& active = it->second;
  if (step >= active.steps || seconds_since(active.last_emit) < (live_ ? 0.2 : plain_interval_s_)) return;
  active.last_emit = Clock::now();
  emit(fmt::format("{}  step {}/{}  loss {:.4f}  ETA {}", prefix(active), step, active.steps, loss,
                   format_duration(eta_seconds(active, step))),
       false);
}

void Progress::evaluating(int slot) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = active_.find(slot);
  if (live_ && it != active_.end()) emit(prefix(it->second) + "  evaluating", false);
}

void Progress::end_cell(int slot, const SummaryRow& row) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = active_.find(slot);
  const int number = it == active_.end() ? 0 : it->second.number;
  if (it != active_.end()) active_.erase(it);
  ++cells_done_;
  finished_cells_s_ += row.seconds;
  emit(fmt::format("[{}/{}] {}  {}  id {}  ood {}  {}{}", number, cells_to_run_, row.cell, row.status,
                   accuracy_text(row.id_accuracy), accuracy_text(row.ood_accuracy), format_duration(row.seconds),
                   row.note.empty() ? "" : "  (" + row.note + ")"),
       true);
}

void Progress::kept(const SummaryRow& row) {
  std::lock_guard<std::mutex> lock(mutex_);
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
  std::lock_guard<std::mutex> lock(mutex_);
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
