#include "harness/config/length_spec.hpp"

#include <algorithm>
#include <climits>

#include "harness/config/config_reader.hpp"

namespace pebench {

static constexpr int kMaxLength = 1000000;

static void sort_unique(std::vector<int>& lengths) {
  std::sort(lengths.begin(), lengths.end());
  lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
}

static LengthSpec parse_length_list(const json& value, const std::string& origin, const std::string& path) {
  if (value.empty()) fail_config(origin, path, "must not be an empty list");
  LengthSpec spec;
  spec.kind = LengthSpec::Kind::list;
  for (size_t i = 0; i < value.size(); ++i) {
    const json& item = value[i];
    if (!item.is_number_integer() || item.get<long long>() < 1 || item.get<long long>() > kMaxLength)
      fail_config(origin, path + "[" + std::to_string(i) + "]",
                  "must be " + integer_range_phrase(1, kMaxLength) + ", got " + describe_json(item));
    spec.values.push_back(item.get<int>());
  }
  sort_unique(spec.values);
  return spec;
}

static LengthSpec parse_length_object(const json& value, const std::string& origin, const std::string& path) {
  ObjectReader reader(value, origin, path);
  LengthSpec spec;
  const bool has_from = reader.read_int("from", spec.from, 1, kMaxLength);
  const bool has_to = reader.read_int("to", spec.to, 1, kMaxLength);
  const bool has_step = reader.read_int("step", spec.step, 1, kMaxLength);
  const bool has_count = reader.read_int("count", spec.count, 1, kMaxLength);
  reader.finish();
  if (has_from != has_to) reader.fail(has_from ? "to" : "from", "is required together with '" +
                                                                     std::string(has_from ? "from" : "to") + "'");
  if (!has_from) {
    if (!has_count) fail_config(origin, path, "needs 'from' and 'to', or 'count'");
    if (has_step) reader.fail("step", "needs 'from' and 'to'");
    spec.kind = LengthSpec::Kind::sample_defaults;
    return spec;
  }
  if (spec.to < spec.from) reader.fail("to", "must be >= from (" + std::to_string(spec.from) + "), got " +
                                                 std::to_string(spec.to));
  if (has_step && has_count) reader.fail("count", "cannot be combined with 'step'");
  spec.kind = LengthSpec::Kind::range;
  return spec;
}

LengthSpec parse_length_spec(const json& value, const std::string& origin, const std::string& path) {
  if (value.is_string() && value.get<std::string>() == "default") return LengthSpec{};
  if (value.is_array()) return parse_length_list(value, origin, path);
  if (value.is_object()) return parse_length_object(value, origin, path);
  fail_config(origin, path,
              "must be \"default\", a list of lengths, or an object {from, to[, step | count]} / {count}; got " +
                  describe_json(value));
}

std::vector<int> evenly_spaced_picks(const std::vector<int>& sorted, int count) {
  if (count <= 0 || sorted.empty()) return {};
  if (count >= static_cast<int>(sorted.size())) return sorted;
  if (count == 1) return {sorted.front()};
  std::vector<int> picks;
  const double last = static_cast<double>(sorted.size() - 1);
  for (int i = 0; i < count; ++i) {
    const auto index = static_cast<size_t>(i * last / (count - 1) + 0.5);
    picks.push_back(sorted[index]);
  }
  sort_unique(picks);
  return picks;
}

static std::vector<int> range_lengths(const LengthSpec& spec) {
  std::vector<int> all;
  const int stride = spec.count > 0 ? 1 : spec.step;
  for (long long length = spec.from; length <= spec.to; length += stride) all.push_back(static_cast<int>(length));
  return spec.count > 0 ? evenly_spaced_picks(all, spec.count) : all;
}

std::vector<int> resolve_lengths(const LengthSpec& spec, const std::vector<int>& task_lengths) {
  std::vector<int> defaults = task_lengths;
  sort_unique(defaults);
  switch (spec.kind) {
    case LengthSpec::Kind::task_default: return defaults;
    case LengthSpec::Kind::list: return spec.values;
    case LengthSpec::Kind::range: return range_lengths(spec);
    case LengthSpec::Kind::sample_defaults: return evenly_spaced_picks(defaults, spec.count);
  }
  return defaults;
}

json LengthSpec::to_json() const {
  switch (kind) {
    case Kind::task_default: return "default";
    case Kind::list: return values;
    case Kind::range:
      if (count > 0) return {{"from", from}, {"to", to}, {"count", count}};
      return {{"from", from}, {"to", to}, {"step", step}};
    case Kind::sample_defaults: return {{"count", count}};
  }
  return "default";
}

}  // namespace pebench
