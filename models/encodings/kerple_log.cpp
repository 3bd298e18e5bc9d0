// kerple_log: KERPLE with the logarithmic kernel (Chi et al. 2022, "KERPLE:
// Kernelized Relative Positional Embedding for Length Extrapolation", eq. for
// the log variant; chijames/KERPLE megatron/mpu/layers.py ParallelKerpleLog;
// docs/encodings.md#kerple_log).
//
//   S[b,a,i,j] = q_i·k_j/sqrt(d_h) − p_a·log(1 + r_a·d)
//
// added after the 1/sqrt(d_h) scaling, as the reference.
// Parameters: "encoding.kerple.p" and "encoding.kerple.r", [h] each, shared by
// every layer (the reference builds one module for all layers). Init
// p ~ 2·U(0,1), r ~ U(0,1); both clamped to ≥ 0.01 after every optimizer step
// and at init (project_parameters), no gradient through the clamp.
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
class KerpleLog : public KerpleBias<T> {
 public:
  KerpleLog() : KerpleBias<T>(KerpleForm::log) {}
};

PEBENCH_ENCODING(KerpleLog, "kerple_log", EncodingKind::additive_bias, "Chi et al. 2022 (KERPLE)",
                 "a learned logarithmic kernel of the distance per head, shared by the layers");

}  // namespace pebench
