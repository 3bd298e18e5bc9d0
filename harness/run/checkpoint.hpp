// Saved model parameters ("weights files"): what `train.save_model` writes
// beside each result file and what `pebench eval` reads back.
//
// Format, version 1 (readable without pebench: one JSON line, then raw numbers):
//
//   line 1   a JSON object ending in '\n' (the header):
//              "format":         "pebench-weights"
//              "version":        1
//              "scalar":         "float32" | "float64"   (the type of the data below)
//              "byte_order":     "little"
//              "model":          every ModelConfig field, vocabularies included
//                                (the same object as a result file's config.model)
//              "encoding":       {"name": registered name, "params": resolved options}
//              "num_parameters": P
//              "tensors":        [{"name", "shape", "offset"}, ...] in layout order:
//                                tensor k is data[offset, offset + prod(shape)),
//                                row-major (a linear weight is [out, in])
//              "source":         free JSON the writer adds (the cell, for suites)
//   then     P scalars, little-endian, nothing after them.
//
// In Python: header = json.loads(f.readline());
//            data = numpy.frombuffer(f.read(), "<f4" if header["scalar"] == "float32" else "<f8").
//
// Loading checks, before touching the model, that the file is a weights file
// of a version this build reads, that its model config, encoding name and
// encoding params equal the model's, that its tensors are the model's (names,
// shapes, offsets) and that exactly P scalars follow. Any mismatch is a
// UsageError naming the file and the first difference (the CLI exits 2).
// float32 and float64 data load into either model type (converted).
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/transformer.hpp"

namespace pebench {

using json = nlohmann::json;

constexpr int kWeightsFormatVersion = 1;

// The header of `model`'s weights file (without "source").
template <typename T>
json weights_header(Transformer<T>& model);

// The whole file as bytes: header line, then the data.
template <typename T>
std::string weights_bytes(Transformer<T>& model, const json& source = json::object());

// Writes the weights file atomically (common/atomic_file.hpp). RuntimeError on I/O failure.
template <typename T>
void save_weights(const std::filesystem::path& path, Transformer<T>& model, const json& source = json::object());

// Where a result file's weights live: "<dir>/seed<k>.weights" beside "<dir>/seed<k>.json".
std::filesystem::path weights_path_for(const std::filesystem::path& result_path);

// Reads the header only (UsageError if the file is missing or not a weights file).
json read_weights_header(const std::filesystem::path& path);

// Replaces every parameter of `model` with the file's (checks above).
template <typename T>
void load_weights(const std::filesystem::path& path, Transformer<T>& model);

// Sets every parameter tensor from `tensors` (name -> row-major values). Every
// tensor of the model must be present with its exact size and no other name
// may appear; UsageError otherwise, naming `origin` and the tensor. The golden
// tests load PyTorch weights this way.
template <typename T>
void assign_parameters(Transformer<T>& model, const std::map<std::string, std::vector<double>>& tensors,
                       const std::string& origin);

}  // namespace pebench
