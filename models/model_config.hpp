// ModelConfig: the size and shape of the transformer (docs/architecture.md#the-model). Every field
// is settable from a suite's "model" object (harness/config/cell_settings.cpp reads and validates it).
#pragma once
#include <string>

#include "common/enum_names.hpp"

namespace pebench {

enum class NormPlacement { pre, post };
constexpr EnumName<NormPlacement> kNormPlacementNames[] = {{NormPlacement::pre, "pre"}, {NormPlacement::post, "post"}};
constexpr const auto& enum_names(NormPlacement) { return kNormPlacementNames; }

enum class Activation { relu, gelu };
constexpr EnumName<Activation> kActivationNames[] = {{Activation::relu, "relu"}, {Activation::gelu, "gelu"}};
constexpr const auto& enum_names(Activation) { return kActivationNames; }

// The inputs of the model's matrix products (the linear layers): float32, or
// rounded to bfloat16 with float32 sums (models/gemm_bf16.hpp). Weights,
// their updates, attention, softmax and LayerNorm stay float32 either way.
enum class Precision { fp32, bf16 };
constexpr EnumName<Precision> kPrecisionNames[] = {{Precision::fp32, "fp32"}, {Precision::bf16, "bf16"}};
constexpr const auto& enum_names(Precision) { return kPrecisionNames; }

struct ModelConfig {
  int input_vocab = 0;      // token ids in [0, input_vocab)
  int output_vocab = 0;     // classes of the per-position head
  int d_model = 64;         // D
  int n_layers = 5;         // N blocks
  int n_heads = 8;          // h; d_head = D / h
  int d_ff = 256;           // feed-forward width
  NormPlacement norm = NormPlacement::post;  // CHE reference is post-LN
  Activation activation = Activation::relu;
  double dropout = 0.0;     // residual + embedding dropout at training; always off at evaluation
  bool embed_scale = true;  // multiply token embeddings by sqrt(D) (CHE/RPE reference)
  int max_seq_len = 2048;   // longest sequence the model accepts (sizes learned tables)
  Precision precision = Precision::fp32;  // of the linear layers' products (a float model's only)

  int d_head() const { return d_model / n_heads; }
};

}  // namespace pebench
