#include "harness/run/checkpoint.hpp"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <type_traits>

#include "common/errors.hpp"
#include "common/atomic_file.hpp"
#include "harness/config/cell_settings.hpp"
#include "harness/run/result_record.hpp"

namespace pebench {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormatName = "pebench-weights";

template <typename T>
const char* scalar_name() {
  return std::is_same_v<T, float> ? "float32" : "float64";
}

bool little_endian_host() {
  const uint16_t probe = 1;
  uint8_t first = 0;
  std::memcpy(&first, &probe, 1);
  return first == 1;
}

json tensor_table(const ParamLayout& layout) {
  json tensors = json::array();
  for (const ParamTensor& t : layout.tensors())
    tensors.push_back({{"name", t.name}, {"shape", t.shape}, {"offset", t.offset}});
  return tensors;
}

[[noreturn]] void reject(const fs::path& path, const std::string& why) {
  throw UsageError("weights file '" + path.string() + "': " + why);
}

// The first key whose value differs between two flat JSON objects, as
// "<prefix>.<key> is A in the file, B in the model"; empty if equal.
std::string first_difference(const json& in_file, const json& in_model, const std::string& prefix) {
  auto describe = [](const json& object, const std::string& key) {
    return object.contains(key) ? object.at(key).dump() : std::string("absent");
  };
  for (const json* side : {&in_model, &in_file})
    for (const auto& [key, value] : side->items()) {
      (void)value;
      if (!in_file.contains(key) || !in_model.contains(key) || in_file.at(key) != in_model.at(key))
        return prefix + "." + key + " is " + describe(in_file, key) + " in the file, " + describe(in_model, key) +
               " in the model";
    }
  return "";
}

// Reads the file: header (parsed and format-checked) and the raw data after it.
struct WeightsFile {
  json header;
  std::string data;
};

WeightsFile read_weights_file(const fs::path& path, bool with_data) {
  std::ifstream in(path, std::ios::binary);
  if (!in) reject(path, "cannot be opened");
  std::string line;
  if (!std::getline(in, line)) reject(path, "is empty");
  WeightsFile file;
  file.header = json::parse(line, nullptr, false);
  if (file.header.is_discarded() || !file.header.is_object() || file.header.value("format", "") != kFormatName)
    reject(path, "is not a pebench weights file (its first line must be a JSON header with \"format\": \"" +
                     std::string(kFormatName) + "\")");
  const json& version = file.header["version"];
  if (!version.is_number_integer() || version.get<int>() != kWeightsFormatVersion)
    reject(path, "has format version " + version.dump() + "; this build reads version " +
                     std::to_string(kWeightsFormatVersion));
  const std::string scalar = file.header.value("scalar", "");
  if (scalar != "float32" && scalar != "float64")
    reject(path, "has scalar type " + file.header["scalar"].dump() + "; expected \"float32\" or \"float64\"");
  if (file.header.value("byte_order", "") != "little")
    reject(path, "has byte order " + file.header["byte_order"].dump() + "; expected \"little\"");
  for (const char* key : {"model", "encoding"})
    if (!file.header[key].is_object()) reject(path, std::string("header has no \"") + key + "\" object");
  for (const char* key : {"tensors", "num_parameters"})
    if (!file.header.contains(key)) reject(path, std::string("header has no \"") + key + "\"");
  if (with_data) file.data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return file;
}

// Little-endian scalars of type S from `bytes` into values[0, n).
template <typename S, typename T>
void decode(T* values, const std::string& bytes, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    S value;
    std::memcpy(&value, bytes.data() + i * sizeof(S), sizeof(S));
    values[i] = static_cast<T>(value);
  }
}

}  // namespace

template <typename T>
json weights_header(Transformer<T>& model) {
  return {{"format", kFormatName},
          {"version", kWeightsFormatVersion},
          {"scalar", scalar_name<T>()},
          {"byte_order", "little"},
          {"model", model_config_json(model.config())},
          {"encoding", {{"name", model.encoding().name()}, {"params", model.encoding().options()}}},
          {"num_parameters", model.num_parameters()},
          {"tensors", tensor_table(model.layout())}};
}

template <typename T>
std::string weights_bytes(Transformer<T>& model, const json& source) {
  if (!little_endian_host()) throw RuntimeError("weights files are little-endian; this host is not");
  json header = weights_header(model);
  header["source"] = source;
  std::string bytes = header.dump() + "\n";
  const size_t data_start = bytes.size();
  bytes.resize(data_start + model.num_parameters() * sizeof(T));
  std::memcpy(bytes.data() + data_start, model.parameters(), model.num_parameters() * sizeof(T));
  return bytes;
}

template <typename T>
void save_weights(const fs::path& path, Transformer<T>& model, const json& source) {
  write_file_atomically(path, weights_bytes(model, source));
}

fs::path weights_path_for(const fs::path& result_path) {
  fs::path path = result_path;
  return path.replace_extension(".weights");
}

json read_weights_header(const fs::path& path) { return read_weights_file(path, false).header; }

template <typename T>
void load_weights(const fs::path& path, Transformer<T>& model) {
  if (!little_endian_host()) throw RuntimeError("weights files are little-endian; this host is not");
  const WeightsFile file = read_weights_file(path, true);
  const json expected = weights_header(model);
  std::string difference = first_difference(file.header["model"], expected["model"], "model");
  if (difference.empty() && file.header["encoding"].value("name", "") != model.encoding().name())
    difference = "encoding is " + file.header["encoding"].value("name", json()).dump() + " in the file, \"" +
                 model.encoding().name() + "\" in the model";
  if (difference.empty())
    difference = first_difference(file.header["encoding"].value("params", json::object()),
                                  expected["encoding"]["params"], "encoding.params");
  if (difference.empty() && file.header["tensors"] != expected["tensors"])
    difference = "its parameter tensors (names, shapes, offsets) differ from the model's";
  if (!difference.empty()) reject(path, "does not fit this model: " + difference);

  const size_t n = model.num_parameters();
  const bool single = file.header["scalar"] == "float32";
  const size_t expected_bytes = n * (single ? sizeof(float) : sizeof(double));
  if (file.header["num_parameters"] != n || file.data.size() != expected_bytes)
    reject(path, "holds " + std::to_string(file.data.size()) + " bytes of data; " + std::to_string(n) + " " +
                     file.header["scalar"].get<std::string>() + " parameters need " +
                     std::to_string(expected_bytes) + " (truncated or corrupt)");
  if (single) decode<float>(model.parameters(), file.data, n);
  else decode<double>(model.parameters(), file.data, n);
}

template <typename T>
void assign_parameters(Transformer<T>& model, const std::map<std::string, std::vector<double>>& tensors,
                       const std::string& origin) {
  const ParamLayout& layout = model.layout();
  for (const auto& [name, values] : tensors) {
    bool known = false;
    for (const ParamTensor& t : layout.tensors()) known = known || t.name == name;
    if (!known) throw UsageError(origin + ": tensor '" + name + "' is not a parameter of this model");
  }
  for (const ParamTensor& t : layout.tensors()) {
    const auto found = tensors.find(t.name);
    if (found == tensors.end()) throw UsageError(origin + ": no values for tensor '" + t.name + "'");
    if (found->second.size() != t.size)
      throw UsageError(origin + ": tensor '" + t.name + "' has " + std::to_string(found->second.size()) +
                       " values, the model's has " + std::to_string(t.size));
    for (size_t i = 0; i < t.size; ++i) model.parameters()[t.offset + i] = static_cast<T>(found->second[i]);
  }
}

#define PEBENCH_INSTANTIATE_CHECKPOINT(T)                                                                     \
  template json weights_header<T>(Transformer<T>&);                                                         \
  template std::string weights_bytes<T>(Transformer<T>&, const json&);                                      \
  template void save_weights<T>(const fs::path&, Transformer<T>&, const json&);                              \
  template void load_weights<T>(const fs::path&, Transformer<T>&);                                           \
  template void assign_parameters<T>(Transformer<T>&, const std::map<std::string, std::vector<double>>&,     \
                                     const std::string&);
PEBENCH_INSTANTIATE_CHECKPOINT(float)
PEBENCH_INSTANTIATE_CHECKPOINT(double)
#undef PEBENCH_INSTANTIATE_CHECKPOINT

}  // namespace pebench
