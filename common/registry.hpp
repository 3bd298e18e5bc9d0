// Registry<Factory>: name -> factory, filled by static registration objects in
// each plugin's own .cpp (PEBENCH_TASK, PEBENCH_ENCODING). Plugins are linked
// as an OBJECT library so that the linker cannot drop their registrars.
//
// A duplicate built-in name aborts start-up with a message (a programming
// error, found by the first test run); an unknown name is a UsageError that
// suggests the closest registered names by edit distance.
//
// Out-of-tree plugins (harness/config/plugin_loader.hpp) register through the same
// registrars while their library loads. During that load a PluginLoadScope is
// active and registrations are checked rather than trusted: a wrong ABI tag or
// a name that exists is recorded as a problem (the loader turns it into exit
// status 2 naming the file) and nothing is registered.
#pragma once
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "common/errors.hpp"
#include "common/plugin_abi.hpp"

namespace pebench {

size_t edit_distance(const std::string& a, const std::string& b);

// Up to `max_count` names closest to `name` (ties broken alphabetically).
std::vector<std::string> closest_names(const std::string& name,
                                       const std::vector<std::string>& candidates,
                                       size_t max_count = 3);

// The names tied at the smallest distance to `name` (at most `max_count`):
// "stepz" among {steps, eps, lr} is {steps} alone.
std::vector<std::string> nearest_names(const std::string& name, const std::vector<std::string>& candidates,
                                       size_t max_count = 3);

// "unknown task 'revers_string' (closest: reverse_string, ...)"
std::string unknown_name_message(const std::string& kind, const std::string& name,
                                 const std::vector<std::string>& candidates);

// What the registrars of the plugin library being loaded did.
struct PluginLoadScope {
  std::vector<std::string> registered;  // "task majority", "encoding my_rope"
  std::vector<std::string> problems;    // one line each, without the file name
};
// The scope of the plugin load in progress; null outside one (built-in code).
PluginLoadScope*& active_plugin_load();

template <typename Factory>
class Registry {
 public:
  explicit Registry(std::string kind) : kind_(std::move(kind)) {}

  // `abi_tag`: PEBENCH_PLUGIN_ABI_TAG as the registering code was compiled.
  void add(const std::string& name, Factory factory, const char* abi_tag) {
    if (PluginLoadScope* plugin = active_plugin_load()) {
      add_from_plugin(*plugin, name, std::move(factory), abi_tag);
      return;
    }
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
  void add_from_plugin(PluginLoadScope& plugin, const std::string& name, Factory factory, const char* abi_tag) {
    if (std::strcmp(abi_tag, builtin_abi_tag()) != 0) {
      plugin.problems.push_back(std::string("built against another pebench (its ABI tag '") + abi_tag +
                                "', this pebench's '" + builtin_abi_tag() + "'); rebuild it against this pebench");
      return;
    }
    if (!entries_.emplace(name, std::move(factory)).second) {
      plugin.problems.push_back("registers " + kind_ + " '" + name + "', which already exists");
      return;
    }
    plugin.registered.push_back(kind_ + " " + name);
  }

  std::string kind_;
  std::map<std::string, Factory> entries_;
};

}  // namespace pebench
