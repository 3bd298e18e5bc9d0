// Registry<Factory>: name -> factory, filled by static registration objects in
// each plugin's own .cpp (PEBENCH_TASK, PEBENCH_ENCODING). Plugins are linked
// as an OBJECT library so that the linker cannot drop their registrars.
//
// A duplicate name aborts start-up with a message (a programming error, found by
// the first test run); an unknown name is a UsageError that suggests the closest
// registered names by edit distance.
#pragma once
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "common/errors.hpp"

namespace pebench {

size_t edit_distance(const std::string& a, const std::string& b);

// Up to `max_count` names closest to `name` (ties broken alphabetically).
std::vector<std::string> closest_names(const std::string& name,
                                       const std::vector<std::string>& candidates,
                                       size_t max_count = 3);

// "unknown task 'revers_string' (closest: reverse_string, ...)"
std::string unknown_name_message(const std::string& kind, const std::string& name,
                                 const std::vector<std::string>& candidates);

template <typename Factory>
class Registry {
 public:
  explicit Registry(std::string kind) : kind_(std::move(kind)) {}

  void add(const std::string& name, Factory factory) {
    if (!entries_.emplace(name, std::move(factory)).second) {
      std::fprintf(stderr, "pebench: %s '%s' is registered twice\n", kind_.c_str(), name.c_str());
      std::abort();
    }
  }
  bool contains(const std::string& name) const { return entries_.count(name) != 0; }
  const Factory& get(const std::string& name) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) throw UsageError(unknown_name_message(kind_, name, names()));
    return it->second;
  }
  // Sorted by name.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [name, factory] : entries_) out.push_back(name);
    return out;
  }
  const std::string& kind() const { return kind_; }

 private:
  std::string kind_;
  std::map<std::string, Factory> entries_;
};

}  // namespace pebench
