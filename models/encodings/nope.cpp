// nope: no positional encoding (docs/encodings.md#nope; Kazemnejad et al. 2023).
//
// Nothing is added anywhere: S = q·kᵀ/sqrt(d_h) + mask. Under causal attention
// position reaches the model only through the mask (token i sees i+1 keys);
// under bidirectional attention the model is permutation-equivariant and has
// no order information at all: a deliberate "no order" baseline there.
// Parameters: none.
#include "models/encoding.hpp"

namespace pebench {

template <typename T>
class NoPE : public Encoding<T> {};

PEBENCH_ENCODING(NoPE, "nope", EncodingKind::none, "Kazemnejad et al. 2023 (NoPE)",
                 "no positional encoding: order reaches the model only through the causal mask");

}  // namespace pebench
