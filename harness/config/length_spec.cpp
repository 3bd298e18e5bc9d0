#include "harness/config/length_spec.hpp"

#include <algorithm>
#include <climits>

#include "common/options_reader.hpp"

namespace pebench {

static constexpr int kMaxLength = 1000000;

static void sort_unique(std::vector<int>& lengths) {
  std::sort(lengths.begin(), lengths.end());
  lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
}

static LengthSpec parse_length_list(const OptionValue& value) {
  if (value.json_value().empty()) value.fail("must not be an empty list");
  LengthSpec spec;
  spec.kind = LengthSpec::Kind::list;
  for (size_t i = 0; i < value.json_value().size(); ++i) spec.values.push_back(value.item(i).integer(1, kMaxLength));
  sort_unique(spec.values);
  return spec;
}

static LengthSpec parse_length_object(const OptionValue& value) {
  OptionsReader reader(value.json_value(), value.origin(), value.path());
  LengthSpec spec;
  const bool has_from = reader.has("from"), has_to = reader.has("to");
  const bool has_step = reader.has("step"), has_count = reader.has("count");
  spec.from = reader.integer("from", spec.from, 1, kMaxLength);
  spec.to = reader.integer("to", spec.to, 1, kMaxLength);
  spec.step = reader.integer("step", spec.step, 1, kMaxLength);
  spec.count = reader.integer("count", spec.count, 1, kMaxLength);
  reader.finish();
  if (has_from != has_to) reader.fail(has_from ? "to" : "from", "is required together with '" +
                                                                     std::string(has_from ? "from" : "to") + "'");
  if (!has_from) {
    if (!has_count) reader.fail("needs 'from' and 'to', or 'count'");
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
  const OptionValue spec(value, origin, path);
  if (value.is_string() && value.get<std::string>() == "default") return LengthSpec{};
  if (value.is_array()) return parse_length_list(spec);
  if (value.is_object()) return parse_length_object(spec);
  spec.expected("\"default\", a list of lengths, or an object {from, to[, step | count]} / {count}");
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
