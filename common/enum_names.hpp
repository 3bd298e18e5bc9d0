// The names of an enum's values, written once: each enum that appears in a
// config, a result file or a listing declares one table next to itself,
//
//   enum class Schedule { constant, warmup_linear, warmup_cosine };
//   constexpr EnumName<Schedule> kScheduleNames[] = {
//       {Schedule::constant, "constant"}, {Schedule::warmup_linear, "warmup_linear"}, ...};
//   constexpr const auto& enum_names(Schedule) { return kScheduleNames; }
//
// and everything else goes through that table: to_string(value) when writing,
// enum_from_name() and OptionsReader::choice() (common/options_reader.hpp)
// when reading. `enum_names` is found by argument-dependent lookup, so the
// table lives in the enum's own namespace and header.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace pebench {

template <typename Enum>
struct EnumName {
  Enum value;
  const char* name;
};

// The name of `value` in its table ("?" for a value the table lacks).
template <typename Enum, typename = decltype(enum_names(Enum{}))>
const char* to_string(Enum value) {
  for (const auto& entry : enum_names(value))
    if (entry.value == value) return entry.name;
  return "?";
}

// The value named `name`, or nullopt.
template <typename Enum>
std::optional<Enum> enum_from_name(const std::string& name) {
  for (const auto& entry : enum_names(Enum{}))
    if (name == entry.name) return entry.value;
  return std::nullopt;
}

// Every name in table order (for messages: "must be one of pre, post").
template <typename Enum>
std::vector<std::string> enum_name_list() {
  std::vector<std::string> names;
  for (const auto& entry : enum_names(Enum{})) names.push_back(entry.name);
  return names;
}

}  // namespace pebench
