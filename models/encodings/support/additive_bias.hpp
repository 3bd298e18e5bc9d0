// AdditiveBias<T>: base class for encodings whose logit hook adds a bias
// Bias[a,i,j] (ALiBi, T5, KERPLE, FIRE, MEP, randomized ALiBi, BiPE-ALiBi):
//   forward:  S[b,a,i,j] += Bias[a,i,j]            (or Bias[b,a,i,j] if per_example(ctx))
//   backward: dS passes through unchanged; dBias[a,i,j] = Σ_b dS[b,a,i,j]
//             (docs/encodings.md#where-biases-go), handed to bias_backward() for the
//             encoding's own parameters.
// The batch sum runs in a fixed order with each thread owning rows (a,i), so
// parameter gradients are bit-identical for any thread count.
// The transformer asks for the bias itself (attention_bias) and adds it
// inside its fused attention kernel, one (b, a) unit at a time, with the
// same additions as logits_forward; the kernel's backward sums dBias over
// the batch in the same order and hands it to attention_bias_backward. The
// logits hook stays for everything else that calls it (tests, the
// conformance suite, a per-example bias's backward).
#pragma once
#include <vector>

#include "models/encoding.hpp"

namespace pebench {

template <typename T>
class AdditiveBias : public Encoding<T> {
 public:
  bool has_logits_hook() const override { return true; }
  void logits_forward(T* scores, const T* q, const T* k, int layer,
                      const EncodingContext& ctx) override;
  void logits_backward(T* dscores, T* dq, T* dk, const T* q, const T* k, int layer,
                       const EncodingContext& ctx) override;
  AttentionBias<T> attention_bias(int layer, const EncodingContext& ctx) override;
  void attention_bias_backward(const T* dbias, int layer, const EncodingContext& ctx) override {
    bias_backward(dbias, layer, ctx);
  }

 protected:
  // True when the bias differs per batch element in this pass (BiPE-ALiBi's
  // segment ids; a randomized bias drawn per sequence at evaluation).
  virtual bool per_example(const EncodingContext& ctx) const { (void)ctx; return false; }
  // True when bias_backward needs dBias (the bias has parameters).
  virtual bool learnable() const { return false; }
  // bias: [h,T,T] (or [B,h,T,T] if per_example()). Fill every entry the mask
  // keeps; causal encodings may leave j > i at 0.
  virtual void compute_bias(T* bias, int layer, const EncodingContext& ctx) = 0;
  // dbias: same shape as bias. Accumulate (+=) parameter gradients.
  virtual void bias_backward(const T* dbias, int layer, const EncodingContext& ctx) {
    (void)dbias; (void)layer; (void)ctx;
  }

 private:
  std::vector<T> bias_;   // [h,T,T] or [B,h,T,T], this pass
  std::vector<T> dbias_;  // same shape, backward scratch
};

}  // namespace pebench
