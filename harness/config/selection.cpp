#include "harness/config/selection.hpp"

#include <algorithm>
#include <climits>

#include "common/errors.hpp"
#include "common/quote.hpp"

namespace pebench {

static std::vector<std::string> split_on(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

// A whole non-negative decimal number no larger than `max`, or -1.
static long long parse_count(const std::string& text, long long max) {
  if (text.empty() || text.size() > 12) return -1;
  long long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value <= max ? value : -1;
}

std::vector<std::string> parse_name_list(const std::string& text, const std::string& what) {
  std::vector<std::string> names;
  for (const auto& name : split_on(text, ',')) {
    if (name.empty()) throw UsageError(what + ": empty name in " + quote_value(text) + " (expected a,b,c)");
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

std::vector<int> parse_seed_list(const std::string& text, const std::string& what) {
  std::vector<std::pair<long long, long long>> ranges;
  long long total = 0;
  for (const auto& item : split_on(text, ',')) {
    const auto dash = item.find('-');
    const std::string first = item.substr(0, dash);
    const std::string last = dash == std::string::npos ? first : item.substr(dash + 1);
    const long long lo = parse_count(first, INT_MAX), hi = parse_count(last, INT_MAX);
    if (lo < 0 || hi < 0)
      throw UsageError(what + ": bad seed list " + quote_value(text) + " (expected non-negative integers and ranges, e.g. 0-2,5)");
    if (hi < lo) throw UsageError(what + ": empty seed range " + quote_value(item) + " in " + quote_value(text));
    total += hi - lo + 1;  // counted before any seed is listed: 0-2000000000 must not fill memory
    if (total > kMaxSeeds)
      throw UsageError(what + ": " + quote_value(text) + " lists more than " + std::to_string(kMaxSeeds) + " seeds");
    ranges.emplace_back(lo, hi);
  }
  std::vector<int> seeds;
  for (const auto& [lo, hi] : ranges)
    for (long long seed = lo; seed <= hi; ++seed) seeds.push_back(static_cast<int>(seed));
  std::sort(seeds.begin(), seeds.end());
  seeds.erase(std::unique(seeds.begin(), seeds.end()), seeds.end());
  return seeds;
}

Shard parse_shard(const std::string& text, const std::string& what) {
  const auto slash = text.find('/');
  const long long index = slash == std::string::npos ? -1 : parse_count(text.substr(0, slash), 1000000);
  const long long count = slash == std::string::npos ? -1 : parse_count(text.substr(slash + 1), 1000000);
  if (index < 1 || count < 1 || index > count)
    throw UsageError(what + ": bad shard " + quote_value(text) + " (expected I/N with 1 <= I <= N, e.g. 2/3)");
  return Shard{static_cast<int>(index), static_cast<int>(count)};
}

}  // namespace pebench
