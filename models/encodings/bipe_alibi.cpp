// bipe_alibi: bilevel positional encoding with ALiBi between segments (He et
// al. 2024, "Two Stones Hit One Bird: Bilevel Positional Encoding for Better
// Length Extrapolation", ICML; docs/encodings.md#bipe_alibi).
//
//   input:  x[b,t,:] += A[intra[b,t],:]        intra-segment learned table (models/encodings/support/bipe.hpp)
//   logits: causal:        Bias[b,a,i,j] = −μ·m_a·(seg_i − seg_j)     (j ≤ i)
//           bidirectional: Bias[b,a,i,j] = −μ·m_a·(|seg_i − seg_j| − ½·[seg_j < seg_i])
//                          ("directional", default) or −μ·m_a·|seg_i − seg_j| ("symmetric")
// with m_a the standard ALiBi slopes (position_math.hpp::alibi_slopes) and
// μ = 96, added after the 1/sqrt(d_h) scaling. The bias depends on each
// example's segmentation, hence per_example(). Segments come from the task's
// boundary tokens (EncodingContext::boundary).
//
// Source: zhenyuhe00/BiPE my_modeling_llama_bipe_alibi.py (_init_alibi_mul96,
// key-only bias 96·m_a·seg_j on segment ids). The key-only form equals
// −96·m_a·(seg_i − seg_j) up to a row constant under the causal softmax; we
// add the explicit difference, which also extends to bidirectional attention
// (the reference is causal only). Option "bidirectional": "directional"
// (default) adds the CHE reference's bidirectional ALiBi term, +½·μ·m_a when
// the key's segment is left of the query's, so that a segment one to the left
// and one to the right differ (as they do for alibi; ALiBi has no parameters
// to give each side its own, so this offset is its direction-aware form);
// "symmetric" is −μ·m_a·|seg_i − seg_j|, order-blind between segments.
// Tokens of one segment get 0 either way (their order is the intra table's).
// Parameters: encoding.bipe_alibi.table [table_size, D] ~ N(0, 0.02).
// Options: table_size (default 1024), slope_multiplier (μ, default 96),
// bidirectional (above).
// Applies only to tasks with segment-boundary tokens (models/encodings/support/bipe.hpp lists
// them and what a segment is in each); elsewhere the cell is not_applicable.
#include <cmath>

#include "models/encodings/support/additive_bias.hpp"
#include "models/encodings/support/bipe.hpp"
#include "models/encodings/support/position_math.hpp"
#include "models/encodings/support/shared_options.hpp"

namespace pebench {

template <typename T>
class BipeAlibi : public BipeEncoding<T, AdditiveBias> {
 protected:
  void configure_inter_segment(OptionsReader& reader) override {
    slope_multiplier_ = reader.number("slope_multiplier", 96.0, 0.0, 1e6);
    bidirectional_ = read_bidirectional_form(reader);
  }
  json inter_segment_options() const override {
    return {{"slope_multiplier", slope_multiplier_}, {"bidirectional", to_string(bidirectional_)}};
  }

  bool per_example(const EncodingContext&) const override { return true; }

  // bias: [B,h,T,T]
  void compute_bias(T* bias, int, const EncodingContext& ctx) override {
    const int T_ = ctx.seq_len, H = ctx.n_heads;
    const std::vector<double> slopes = alibi_slopes(H);
    const int* segments = this->segments().data();  // [B,T]
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < ctx.batch; ++b)
      for (int a = 0; a < H; ++a) {
        const int* seg = segments + static_cast<size_t>(b) * T_;
        const double slope = slope_multiplier_ * slopes[a];
        const double left_offset = !ctx.causal && bidirectional_ == BidirectionalForm::directional ? 0.5 : 0.0;
        T* out = bias + (static_cast<size_t>(b) * H + a) * T_ * T_;
        for (int i = 0; i < T_; ++i) {
          const int last = ctx.causal ? i : T_ - 1;
          for (int j = 0; j <= last; ++j) {
            const double distance = std::abs(seg[i] - seg[j]) - (seg[j] < seg[i] ? left_offset : 0.0);
            out[static_cast<size_t>(i) * T_ + j] = static_cast<T>(-slope * distance);
          }
        }
      }
  }

 private:
  double slope_multiplier_ = 96.0;
  BidirectionalForm bidirectional_ = BidirectionalForm::directional;
};

PEBENCH_ENCODING(BipeAlibi, "bipe_alibi", EncodingKind::hybrid, "He et al. 2024 (BiPE)",
                 "a learned position within each segment, ALiBi on the segment index");

}  // namespace pebench
