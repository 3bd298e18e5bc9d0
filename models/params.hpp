// ParamLayout: every learnable tensor of a model, the transformer's and the
// encoding's, as named slices of ONE flat buffer (values) with a parallel flat
// buffer (gradients). Zero-grad, the optimizer, clipping, checkpoints and the
// finite-difference gradient check are each one loop over the flat buffer.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "common/rng.hpp"

namespace pebench {

// How a tensor is initialised. Values drawn in layout order from the init Rng,
// so the same seed gives the same model for any thread count.
struct Init {
  enum class Kind { constant, normal, truncated_normal, uniform, xavier_normal } kind = Kind::constant;
  double a = 0.0;  // constant value | stddev | low
  double b = 0.0;  // high (uniform)
  static Init constant(double value) { return {Kind::constant, value, 0.0}; }
  static Init normal(double stddev) { return {Kind::normal, stddev, 0.0}; }
  static Init truncated_normal(double stddev) { return {Kind::truncated_normal, stddev, 0.0}; }
  static Init uniform(double low, double high) { return {Kind::uniform, low, high}; }
  static Init xavier_normal() { return {Kind::xavier_normal, 0.0, 0.0}; }
};

struct ParamTensor {
  std::string name;        // "layer2.attn.wq", "encoding.kerple.p", ...
  std::vector<int> shape;  // row-major
  size_t offset = 0;       // into the flat buffer
  size_t size = 0;         // product of shape
  Init init;
  bool weight_decay = true;  // AdamW decays matrices, not biases, norms or encoding scalars
};

class ParamLayout {
 public:
  // Appends a tensor and returns its offset in the flat buffer.
  size_t add(const std::string& name, std::vector<int> shape, Init init, bool weight_decay = true);
  const std::vector<ParamTensor>& tensors() const { return tensors_; }
  size_t total_size() const { return total_; }
  const ParamTensor& find(const std::string& name) const;  // throws RuntimeError if absent

  // Fills `values` (total_size() entries) tensor by tensor from `rng`.
  template <typename T>
  void initialize(T* values, Rng& rng) const;

 private:
  std::vector<ParamTensor> tensors_;
  size_t total_ = 0;
};

}  // namespace pebench
