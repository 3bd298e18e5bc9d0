#include "harness/config/plugin_loader.hpp"

#include <dlfcn.h>

#include <algorithm>

#include "common/errors.hpp"
#include "common/registry.hpp"
#include "common/sha256.hpp"

namespace pebench {

namespace fs = std::filesystem;

namespace {

std::vector<LoadedPlugin>& plugins() {
  static std::vector<LoadedPlugin> all;
  return all;
}

[[noreturn]] void fail(const fs::path& file, const std::string& problem) {
  throw UsageError("plugin " + file.string() + ": " + problem);
}

std::string plugin_name(const fs::path& file) {
  std::string stem = file.filename().string();
  stem = stem.substr(0, stem.find(".so"));
  if (stem.rfind("lib", 0) == 0 && stem.size() > 3) stem = stem.substr(3);
  return stem;
}

// Splits "task majority" / "encoding my_rope" into the plugin's two name lists.
void record_registrations(LoadedPlugin& plugin, const std::vector<std::string>& registered) {
  for (const auto& entry : registered) {
    const auto space = entry.find(' ');
    const std::string kind = entry.substr(0, space), name = entry.substr(space + 1);
    (kind == "task" ? plugin.tasks : plugin.encodings).push_back(name);
  }
}

bool already_loaded(const fs::path& file) {
  return std::any_of(plugins().begin(), plugins().end(), [&](const LoadedPlugin& p) { return p.file == file; });
}

void load_plugin(const fs::path& given) {
  std::error_code error;
  if (!fs::exists(given, error)) fail(given, "no such file");
  if (!fs::is_regular_file(given, error)) fail(given, "not a file");
  const fs::path file = fs::canonical(given, error);
  if (error) fail(given, error.message());
  if (already_loaded(file)) return;

  LoadedPlugin plugin{plugin_name(file), file, "", {}, {}};
  try {
    plugin.sha256 = sha256_file_hex(file);
  } catch (const std::exception& e) {
    fail(given, e.what());
  }
  PluginLoadScope scope;
  active_plugin_load() = &scope;
  // RTLD_NOW: an undefined symbol (a plugin built against another pebench
  // whose functions changed) fails here, not in the middle of a run.
  void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  active_plugin_load() = nullptr;
  if (handle == nullptr) {
    const char* why = ::dlerror();
    fail(given, std::string("cannot load it: ") + (why ? why : "unknown dlopen error"));
  }
  // The handle stays open for the life of the process: the registries hold
  // factories whose code lives in the library.
  if (!scope.problems.empty()) fail(given, scope.problems.front());
  if (scope.registered.empty())
    fail(given, "not a pebench plugin (it registers no task or encoding; see examples/plugin/)");
  record_registrations(plugin, scope.registered);
  plugins().push_back(std::move(plugin));
}

// The *.so files of each directory of `plugin_path`, directories in order,
// files sorted by name so that the load order does not depend on the file system.
std::vector<fs::path> files_in_plugin_path(const std::string& plugin_path) {
  std::vector<fs::path> files;
  size_t start = 0;
  while (start <= plugin_path.size()) {
    const size_t end = std::min(plugin_path.find(':', start), plugin_path.size());
    const std::string directory = plugin_path.substr(start, end - start);
    start = end + 1;
    if (directory.empty()) continue;
    std::error_code error;
    if (!fs::is_directory(directory, error))
      throw UsageError("PEBENCH_PLUGIN_PATH: '" + directory + "' is not a directory");
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(directory, error))
      if (entry.path().extension() == ".so") found.push_back(entry.path());
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

}  // namespace

void load_plugins(const std::vector<std::string>& files, const std::string& plugin_path) {
  for (const auto& file : files) load_plugin(file);
  for (const auto& file : files_in_plugin_path(plugin_path)) load_plugin(file);
}

const std::vector<LoadedPlugin>& loaded_plugins() { return plugins(); }

json loaded_plugins_json() {
  json all = json::array();
  for (const auto& plugin : plugins())
    all.push_back({{"name", plugin.name}, {"file", plugin.file.string()}, {"sha256", plugin.sha256},
                   {"tasks", plugin.tasks}, {"encodings", plugin.encodings}});
  return all;
}

}  // namespace pebench
