#include "models/model_config.hpp"

namespace pebench {

const char* to_string(NormPlacement norm) { return norm == NormPlacement::pre ? "pre" : "post"; }

const char* to_string(Activation activation) { return activation == Activation::relu ? "relu" : "gelu"; }

}  // namespace pebench
