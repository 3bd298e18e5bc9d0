// Out-of-tree tasks and encodings: shared libraries loaded at start-up.
//
// A plugin is a shared library whose sources use the same PEBENCH_TASK /
// PEBENCH_ENCODING macros as built-in code (build one with the installed
// package's pebench_add_plugin(), see examples/plugin/). Its registrars run
// while dlopen() loads it, against the symbols the pebench executable exports.
//
// Plugins come from `--plugin PATH` (any subcommand, repeatable) and from every
// *.so in the directories listed in PEBENCH_PLUGIN_PATH (':'-separated, in
// order, files sorted by name). A file that is missing, cannot be loaded, is
// not a pebench plugin (registers nothing), was built against another pebench
// (ABI tag, common/plugin_abi.hpp) or registers a name that already exists is
// a UsageError of one line naming the file: pebench exits 2 and runs nothing.
// The same file named twice (flag and environment) is loaded once.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pebench {

using json = nlohmann::json;

struct LoadedPlugin {
  std::string name;                 // file stem without "lib": libmajority.so -> majority
  std::filesystem::path file;       // absolute, symlinks resolved
  std::string sha256;               // of the file's bytes
  std::vector<std::string> tasks;      // names it registered
  std::vector<std::string> encodings;
};

// `files` from --plugin first, then `plugin_path` (the value of
// PEBENCH_PLUGIN_PATH; empty: none). Call once, before anything reads the registries.
void load_plugins(const std::vector<std::string>& files, const std::string& plugin_path);

// Every plugin loaded so far, in load order.
const std::vector<LoadedPlugin>& loaded_plugins();

// [{"name", "file", "sha256", "tasks", "encodings"}, ...] for a result file's context.
json loaded_plugins_json();

}  // namespace pebench
