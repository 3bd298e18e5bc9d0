#include "models/encoding_info.hpp"

namespace pebench {

const char* to_string(EncodingKind kind) {
  switch (kind) {
    case EncodingKind::none: return "none";
    case EncodingKind::absolute: return "absolute";
    case EncodingKind::rotary: return "rotary";
    case EncodingKind::additive_bias: return "additive_bias";
    case EncodingKind::relative_embedding: return "relative_embedding";
    case EncodingKind::contextual: return "contextual";
    case EncodingKind::randomized: return "randomized";
    case EncodingKind::hybrid: return "hybrid";
  }
  return "unknown";
}

std::vector<EncodingKind> encoding_kinds() {
  return {EncodingKind::none,          EncodingKind::absolute,           EncodingKind::rotary,
          EncodingKind::additive_bias, EncodingKind::relative_embedding, EncodingKind::contextual,
          EncodingKind::randomized,    EncodingKind::hybrid};
}

}  // namespace pebench
