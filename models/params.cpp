#include "models/params.hpp"

#include <cmath>

#include "common/errors.hpp"

namespace pebench {

size_t ParamLayout::add(const std::string& name, std::vector<int> shape, Init init, bool weight_decay) {
  ParamTensor tensor;
  tensor.name = name;
  tensor.size = 1;
  for (int dim : shape) tensor.size *= static_cast<size_t>(dim);
  tensor.shape = std::move(shape);
  tensor.offset = total_;
  tensor.init = init;
  tensor.weight_decay = weight_decay;
  total_ += tensor.size;
  tensors_.push_back(std::move(tensor));
  return tensors_.back().offset;
}

const ParamTensor& ParamLayout::find(const std::string& name) const {
  for (const auto& tensor : tensors_)
    if (tensor.name == name) return tensor;
  throw RuntimeError("no parameter tensor named '" + name + "'");
}

// Xavier/Glorot normal: std = sqrt(2 / (fan_in + fan_out)) over the last two dims.
static double xavier_stddev(const std::vector<int>& shape) {
  const double fan_out = shape.empty() ? 1.0 : shape[0];
  const double fan_in = shape.size() < 2 ? 1.0 : shape[1];
  return std::sqrt(2.0 / (fan_in + fan_out));
}

template <typename T>
void ParamLayout::initialize(T* values, Rng& rng) const {
  for (const auto& tensor : tensors_) {
    T* out = values + tensor.offset;
    const Init& init = tensor.init;
    for (size_t i = 0; i < tensor.size; ++i) {
      double v = 0.0;
      switch (init.kind) {
        case Init::Kind::constant: v = init.a; break;
        case Init::Kind::normal: v = rng.normal() * init.a; break;
        case Init::Kind::truncated_normal: v = rng.truncated_normal(init.a); break;
        case Init::Kind::uniform: v = rng.uniform(init.a, init.b); break;
        case Init::Kind::xavier_normal: v = rng.normal() * xavier_stddev(tensor.shape); break;
      }
      out[i] = static_cast<T>(v);
    }
  }
}

template void ParamLayout::initialize<float>(float*, Rng&) const;
template void ParamLayout::initialize<double>(double*, Rng&) const;

}  // namespace pebench
