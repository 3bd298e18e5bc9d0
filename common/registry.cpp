#include "common/registry.hpp"

#include <algorithm>
#include <cstdint>

#include "common/quote.hpp"

namespace pebench {

PluginLoadScope*& active_plugin_load() {
  static PluginLoadScope* scope = nullptr;
  return scope;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
    }
  }
  return row[b.size()];
}

// Candidates with their distance to `name`, nearest first (ties alphabetically).
static std::vector<std::pair<size_t, std::string>> by_distance(const std::string& name,
                                                               const std::vector<std::string>& candidates) {
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& candidate : candidates) {
    size_t distance = edit_distance(name, candidate);
    // A prefix or substring match is a strong hint even when the edit distance is large.
    if (candidate.find(name) != std::string::npos || name.find(candidate) != std::string::npos)
      distance = std::min<size_t>(distance, 1);
    scored.emplace_back(distance, candidate);
  }
  std::sort(scored.begin(), scored.end());
  return scored;
}

static std::vector<std::string> first_names(const std::vector<std::pair<size_t, std::string>>& scored,
                                            size_t max_count, size_t max_distance) {
  std::vector<std::string> out;
  for (const auto& [distance, candidate] : scored) {
    if (out.size() == max_count || distance > max_distance) break;
    // Callers may pass a name twice (a registered name and a suite label).
    if (std::find(out.begin(), out.end(), candidate) == out.end()) out.push_back(candidate);
  }
  return out;
}

std::vector<std::string> closest_names(const std::string& name,
                                       const std::vector<std::string>& candidates,
                                       size_t max_count) {
  return first_names(by_distance(name, candidates), max_count, SIZE_MAX);
}

std::vector<std::string> nearest_names(const std::string& name, const std::vector<std::string>& candidates,
                                       size_t max_count) {
  const auto scored = by_distance(name, candidates);
  return scored.empty() ? std::vector<std::string>{} : first_names(scored, max_count, scored.front().first);
}

std::string unknown_name_message(const std::string& kind, const std::string& name,
                                 const std::vector<std::string>& candidates) {
  std::string message = "unknown " + kind + " " + quote_value(name);
  const auto close = closest_names(name, candidates);
  if (!close.empty()) {
    message += " (closest: ";
    for (size_t i = 0; i < close.size(); ++i) message += (i ? ", " : "") + close[i];
    message += ")";
  }
  return message;
}

}  // namespace pebench
