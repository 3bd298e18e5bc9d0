#include "harness/config/suite_config.hpp"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <set>

#include "common/quote.hpp"
#include "common/registry.hpp"
#include "common/strict_json.hpp"
#include "harness/config/selection.hpp"
#include "models/encoding.hpp"
#include "tasks/task.hpp"

namespace pebench {

namespace {

// Labels become directory names: keep them to a portable alphabet and well
// under every file system's name limit (255 bytes).
void check_label(const std::string& label, const std::string& origin, const std::string& path) {
  const bool valid = !label.empty() && label[0] != '.' &&
                     std::all_of(label.begin(), label.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
                     });
  if (!valid) fail_config(origin, path, "must be a non-empty name of letters, digits, '_', '-', '.'; got " + quote_value(label));
  if (label.size() > kMaxLabelBytes)
    fail_config(origin, path, "must be at most " + std::to_string(kMaxLabelBytes) + " characters (it names a directory), got " +
                                  std::to_string(label.size()));
}

// Two labels that differ only in case would share a result directory on a
// case-insensitive file system (macOS, Windows shares).
template <typename Entry>
void check_labels_differ_in_more_than_case(const std::vector<Entry>& entries, const std::string& origin) {
  std::map<std::string, std::string> folded;
  for (const auto& entry : entries) {
    std::string key = entry.label;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    auto [it, inserted] = folded.emplace(key, entry.label);
    if (!inserted)
      fail_config(origin, entry.path, "label " + quote_value(entry.label) + " differs from " + quote_value(it->second) +
                                          " only in case (they would share a directory on some file systems)");
  }
}

// Runs a plugin's own validation (name lookup, configure(options)) and
// re-roots its error at where the suite wrote the entry: an option the
// plugin's OptionsReader rejected at "options.base" is reported at
// "encodings[3].options.base" of this file; any other UsageError is prefixed
// with `path`.
template <typename Make>
void validate_plugin(Make make, const std::string& origin, const std::string& entry_path, const std::string& path) {
  try {
    make();
  } catch (const ConfigError& error) {
    fail_config(origin, join_path(entry_path, error.path()), error.problem());
  } catch (const UsageError& error) {
    // A plugin's message may quote a huge option value whole: keep the line readable.
    fail_config(origin, path, printable(error.what(), 300));
  } catch (const json::exception& error) {  // a plugin reading its options with a wrong type
    fail_config(origin, path, printable(error.what(), 200));
  }
}

// The fields an entry object shares: name, label, options.
template <typename Entry>
Entry read_entry_object(OptionsReader& reader) {
  Entry entry;
  entry.path = reader.path();
  if (!reader.has("name")) reader.fail("needs a \"name\"");
  entry.name = reader.string("name", "");
  entry.label = reader.string("label", entry.name);
  if (reader.has("label")) check_label(entry.label, reader.origin(), reader.path_of("label"));
  if (const json* options = reader.get("options")) {
    if (!options->is_object())
      reader.fail("options", "must be a JSON object, got " + describe_json(*options));
    entry.options = *options;
  }
  return entry;
}

TaskEntry parse_task_object(const json& value, const std::string& origin, const std::string& path,
                            const CellSettings& base) {
  OptionsReader reader(value, origin, path);
  TaskEntry entry = read_entry_object<TaskEntry>(reader);
  validate_plugin([&] { make_task(entry.name, entry.options); }, origin, path,
                  reader.has("options") ? reader.path_of("options") : reader.path_of("name"));
  CellSettings probe = base;  // checks types and keys now; resolution happens per cell
  apply_sections(reader, probe);
  for (const char* section : {"model", "train", "eval"})
    if (reader.has(section)) entry.overrides[section] = value[section];
  reader.finish();
  return entry;
}

EncodingEntry parse_encoding_object(const json& value, const std::string& origin, const std::string& path) {
  OptionsReader reader(value, origin, path);
  EncodingEntry entry = read_entry_object<EncodingEntry>(reader);
  reader.finish();
  validate_plugin([&] { make_encoding<float>(entry.name, entry.options); }, origin, path,
                  reader.has("options") ? reader.path_of("options") : reader.path_of("name"));
  return entry;
}

// Parses "tasks" or "encodings": "*" or a non-empty list of "*", names and
// objects; then expands "*" to every registered name no explicit entry uses
// as its label. `parse_object` turns an object item into an entry.
template <typename Entry, typename ParseObject, typename Validate>
std::vector<Entry> parse_entry_list(const json* value, const std::string& key, const std::string& origin,
                                    const std::vector<std::string>& registered, ParseObject parse_object,
                                    Validate validate_name) {
  if (!value) fail_config(origin, key, "missing (use \"*\" for every registered one)");
  const json list = value->is_string() && value->get<std::string>() == "*" ? json::array({"*"}) : *value;
  if (!list.is_array()) fail_config(origin, key, "must be \"*\" or a list, got " + describe_json(list));
  if (list.empty()) fail_config(origin, key, "must not be empty");
  std::vector<Entry> entries;
  bool wildcard = false;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string path = index_path(key, i);
    const json& item = list[i];
    if (item.is_string() && item.get<std::string>() == "*") {
      wildcard = true;
    } else if (item.is_string()) {
      Entry entry;
      entry.name = entry.label = item.get<std::string>();
      entry.path = path;
      validate_plugin([&] { validate_name(entry.name); }, origin, path, path);
      entries.push_back(entry);
    } else if (item.is_object()) {
      entries.push_back(parse_object(item, path));
    } else {
      fail_config(origin, path, "must be a name, \"*\" or an object, got " + describe_json(item));
    }
  }
  std::set<std::string> labels;
  for (const auto& entry : entries)
    if (!labels.insert(entry.label).second) fail_config(origin, entry.path, "duplicate label " + quote_value(entry.label));
  check_labels_differ_in_more_than_case(entries, origin);
  if (!wildcard) return entries;
  for (const auto& name : registered) {
    if (labels.count(name)) continue;
    Entry entry;
    entry.name = entry.label = name;
    entry.path = key + "[*]";
    entries.push_back(entry);
  }
  if (entries.empty()) fail_config(origin, key, "\"*\" matched nothing: no " + key + " are registered");
  return entries;
}

std::vector<std::string> known_families() {
  std::set<std::string> families = {"regular", "dcf", "cs", "memory"};
  for (const auto& name : task_registry().names()) families.insert(make_task(name)->family());
  return {families.begin(), families.end()};
}

std::map<std::string, json> parse_families(const json* value, const std::string& origin, const CellSettings& base) {
  std::map<std::string, json> overrides;
  if (!value) return overrides;
  OptionsReader families(*value, origin, "families");
  const auto known = known_families();
  for (const auto& [family, sections] : value->items()) {
    if (std::find(known.begin(), known.end(), family) == known.end())
      fail_config(origin, "families", unknown_name_message("family", family, known));
    OptionsReader reader(sections, origin, families.path_of(family));
    CellSettings probe = base;
    apply_sections(reader, probe);
    reader.finish();
    overrides[family] = sections;
  }
  return overrides;
}

std::vector<int> parse_seeds(const json* value, const std::string& origin) {
  if (!value) return {0};
  if (value->is_string()) {
    try {
      return parse_seed_list(value->get<std::string>(), "seeds");
    } catch (const UsageError& error) {
      fail_config(origin, "", error.what());
    }
  }
  const OptionValue list(*value, origin, "seeds");
  if (!value->is_array() || value->empty()) list.expected("a non-empty list of seeds or a range string like \"0-2\"");
  if (value->size() > static_cast<size_t>(kMaxSeeds))
    list.fail("lists " + std::to_string(value->size()) + " seeds, more than a run may have (" +
              std::to_string(kMaxSeeds) + ")");
  std::vector<int> seeds;
  for (size_t i = 0; i < value->size(); ++i) seeds.push_back(list.item(i).integer(0, INT_MAX));
  std::sort(seeds.begin(), seeds.end());
  seeds.erase(std::unique(seeds.begin(), seeds.end()), seeds.end());
  return seeds;
}

void require_registered_task(const std::string& name) { task_registry().get(name); }
void require_registered_encoding(const std::string& name) { encoding_registry().get(name); }

}  // namespace

Suite parse_suite(const json& document, const std::string& name, const std::string& origin) {
  OptionsReader reader(document, origin);
  Suite suite;
  suite.name = name;
  suite.origin = origin;
  reader.allow("description");
  apply_sections(reader, suite.base);
  suite.family_overrides = parse_families(reader.get("families"), origin, suite.base);
  suite.tasks = parse_entry_list<TaskEntry>(
      reader.get("tasks"), "tasks", origin, task_registry().names(),
      [&](const json& item, const std::string& path) { return parse_task_object(item, origin, path, suite.base); },
      require_registered_task);
  suite.encodings = parse_entry_list<EncodingEntry>(
      reader.get("encodings"), "encodings", origin, encoding_registry().names(),
      [&](const json& item, const std::string& path) { return parse_encoding_object(item, origin, path); },
      require_registered_encoding);
  suite.seeds = parse_seeds(reader.get("seeds"), origin);
  reader.finish();
  return suite;
}

Suite load_suite_file(const std::string& path) {
  const std::string origin = "suite " + printable(std::filesystem::path(path).filename().string(), 80);
  const json document = read_json_file(path, origin);
  try {
    return parse_suite(document, std::filesystem::path(path).stem().string(), origin);
  } catch (const json::exception& error) {
    // The readers check every type; this is a safety net so that no library
    // message can ever end a run with exit 1 on a bad suite.
    throw UsageError(origin + ": " + printable(error.what(), 200));
  }
}

// Picks the suite entries (by label) or plain registered plugins named on the
// command line, in the order given.
template <typename Entry, typename Validate>
static std::vector<Entry> select_entries(const std::vector<Entry>& suite_entries, const std::vector<std::string>& names,
                                         const std::string& flag, Validate validate_name,
                                         const std::vector<std::string>& registered) {
  std::vector<Entry> selected;
  for (const auto& name : names) {
    auto it = std::find_if(suite_entries.begin(), suite_entries.end(), [&](const Entry& e) { return e.label == name; });
    if (it != suite_entries.end()) {
      selected.push_back(*it);
      continue;
    }
    std::vector<std::string> candidates = registered;
    for (const auto& entry : suite_entries) candidates.push_back(entry.label);
    if (std::find(registered.begin(), registered.end(), name) == registered.end())
      throw UsageError(flag + ": " + unknown_name_message(flag == "--tasks" ? "task" : "encoding", name, candidates));
    Entry entry;
    entry.name = entry.label = name;
    entry.path = flag;
    validate_name(name);
    selected.push_back(entry);
  }
  return selected;
}

void apply_overrides(Suite& suite, const SuiteOverrides& overrides) {
  if (overrides.tasks)
    suite.tasks = select_entries(suite.tasks, *overrides.tasks, "--tasks", require_registered_task,
                                 task_registry().names());
  if (overrides.encodings)
    suite.encodings = select_entries(suite.encodings, *overrides.encodings, "--encodings",
                                     require_registered_encoding, encoding_registry().names());
  if (overrides.seeds) suite.seeds = *overrides.seeds;
  if (overrides.steps) suite.steps_override = *overrides.steps;
}

CellSettings resolve_task_settings(const Suite& suite, const TaskEntry& entry, const std::string& family) {
  CellSettings settings = suite.base;
  auto family_override = suite.family_overrides.find(family);
  if (family_override != suite.family_overrides.end()) {
    OptionsReader reader(family_override->second, suite.origin, join_path("families", family));
    apply_sections(reader, settings);
  }
  OptionsReader reader(entry.overrides, suite.origin, entry.path);
  apply_sections(reader, settings);
  if (suite.steps_override) {
    // A shorter budget from --steps keeps a valid warmup by capping it.
    settings.train.steps = *suite.steps_override;
    settings.train.optimizer.total_steps = settings.train.steps;
    settings.train.optimizer.warmup_steps = std::min(settings.train.optimizer.warmup_steps, settings.train.steps);
  }
  return settings;
}

}  // namespace pebench
