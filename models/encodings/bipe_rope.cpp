// bipe_rope: bilevel positional encoding with RoPE between segments (He et
// al. 2024, "Two Stones Hit One Bird: Bilevel Positional Encoding for Better
// Length Extrapolation", ICML; docs/encodings.md#bipe_rope).
//
//   input:  x[b,t,:] += A[intra[b,t],:]            intra-segment learned table (models/encodings/support/bipe.hpp)
//   q/k:    q'_t = R(seg_t θ) q_t,  k'_t = R(seg_t θ) k_t
// RoPE (position_math.hpp::rope_apply, base 10000) with the segment index as
// the position, so attention depends on seg_i − seg_j and every token of one
// segment shares one rotation. Segments come from the task's boundary tokens
// (EncodingContext::boundary; a boundary token ends its segment).
// Backward: rotate dq, dk by −seg θ; the table gets a scatter-add by intra id.
//
// Source: zhenyuhe00/BiPE my_modeling_llama_bipe_rope.py (get_bilevel_ids,
// position_ids = segment ids; config/bipe_rope.json: train_scale 1024).
// The reference uses HF-LLaMA's half-split RoPE pairs; we use the project's
// interleaved pairs (the same function of seg_i − seg_j up to a fixed channel
// permutation, equivalent when training from scratch).
// Parameters: encoding.bipe_rope.table [table_size, D] ~ N(0, 0.02).
// Options: table_size (default 1024; intra positions clamp to table_size − 1).
// Causal and bidirectional: both (RoPE on segment ids needs no mask trick,
// and its rotation is signed, so it tells a segment on the left from one on
// the right).
// Applies only to tasks with segment-boundary tokens (models/encodings/support/bipe.hpp lists
// them and what a segment is in each); elsewhere the cell is not_applicable.
#include <fmt/format.h>

#include "common/errors.hpp"
#include "models/encodings/support/bipe.hpp"
#include "models/encodings/support/position_math.hpp"

namespace pebench {

template <typename T>
class BipeRope : public BipeEncoding<T, Encoding> {
 public:
  void declare_parameters(ParamLayout& layout, const ModelConfig& config) override {
    if (config.d_head() % 2 != 0)
      throw UsageError(fmt::format("encoding '{}' needs an even d_head, got {}", this->name(), config.d_head()));
    BipeEncoding<T, Encoding>::declare_parameters(layout, config);
  }
  void begin_forward(const EncodingContext& ctx) override {
    BipeEncoding<T, Encoding>::begin_forward(ctx);
    positions_.assign(this->segments().begin(), this->segments().end());
  }

  void qk_forward(T* q, T* k, int, const EncodingContext& ctx) override {
    rotate(q, +1, ctx);
    rotate(k, +1, ctx);
  }
  void qk_backward(T* dq, T* dk, int, const EncodingContext& ctx) override {
    rotate(dq, -1, ctx);
    rotate(dk, -1, ctx);
  }

 private:
  void rotate(T* x, int direction, const EncodingContext& ctx) const {
    rope_apply(x, positions_.data(), true, ctx.batch, ctx.n_heads, ctx.seq_len, ctx.d_head, direction);
  }

  std::vector<double> positions_;  // [B,T] segment index as RoPE position
};

PEBENCH_ENCODING(BipeRope, "bipe_rope", EncodingKind::hybrid, "He et al. 2024 (BiPE)",
                 "a learned position within each segment, RoPE on the segment index");

}  // namespace pebench
