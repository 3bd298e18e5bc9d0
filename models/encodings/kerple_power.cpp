// kerple_power: KERPLE with the power kernel (Chi et al. 2022, "KERPLE:
// Kernelized Relative Positional Embedding for Length Extrapolation", the power
// variant; chijames/KERPLE megatron/mpu/layers.py ParallelKerplePower, the
// `kerple_power_ap_` configuration used in train.sh; docs/encodings.md#kerple_power).
//
//   S[b,a,i,j] = q_i·k_j/sqrt(d_h) − r_a·d^{p_a}
//
// added after the 1/sqrt(d_h) scaling, as the reference. The reference's
// optional multiplicative "weight kernel" is not part of the paper's runs and
// is not implemented.
// Parameters: "encoding.kerple.p" and "encoding.kerple.r", [h] each, shared by
// every layer. Init r ~ U(0,1), p ~ 2·U(0,1); clamps r ≥ 0.01 and
// 0.01 ≤ p ≤ 2 (p ≤ 2 keeps the kernel conditionally positive definite) after
// every optimizer step and at init (project_parameters). ∂/∂p at d = 0 is 0.
// Options: bidirectional ("directional" | "symmetric", below).
// Causal: d = i − j on the kept entries. Bidirectional, option "bidirectional":
// "directional" (default) d = |i − j| with separate right-hand parameters
// "encoding.kerple.p_right", ".r_right" (same init and clamps) for keys j > i,
// so the bias tells left from right (why: kerple_kernel.hpp); "symmetric"
// d = |i − j| with one (p, r) for both sides, order-blind (the form of the
// paper's kernel on |m − n|).
#include "models/encodings/support/kerple_kernel.hpp"

namespace pebench {

template <typename T>
class KerplePower : public KerpleBias<T> {
 public:
  KerplePower() : KerpleBias<T>(KerpleForm::power) {}
};

PEBENCH_ENCODING(KerplePower, "kerple_power", EncodingKind::additive_bias, "Chi et al. 2022 (KERPLE)",
                 "a learned power kernel of the distance per head, shared by the layers");

}  // namespace pebench
