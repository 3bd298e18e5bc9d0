// RelativeBias<T>: base class for additive biases that depend only on the
// offset d = i − j between query i and key j (T5, KERPLE, MEP; the DAPE base
// biases reuse the two table functions). Such a bias is a Toeplitz matrix per
// head, so it is computed as a table over the 2T−1 offsets, O(h·T) kernel
// evaluations instead of O(h·T²), and expanded; in backward the gradient is
// summed along each diagonal first, so parameter gradients need O(h·T) kernel
// derivatives as well.
//
// Table layout: table[a, o] with o = i − j + (T − 1) ∈ [0, 2T−2]; offset_of(o)
// gives d back. Under a causal mask only d ≥ 0 (o ≥ T−1) is ever read or
// written: the masked upper triangle of the bias stays 0 (as in the reference
// codes, which build the distance with tril(i − j)) and gets no gradient.
#pragma once
#include <vector>

#include "models/encodings/support/additive_bias.hpp"

namespace pebench {

inline int relative_table_size(int seq_len) { return 2 * seq_len - 1; }
inline int offset_of(int o, int seq_len) { return o - (seq_len - 1); }

// bias[a,i,j] = table[a, i−j+T−1] for every (i,j) the mask keeps; other entries untouched.
// bias: [h,T,T]; table: [h,2T−1].
template <typename T>
void relative_bias_expand(T* bias, const T* table, int heads, int seq_len, bool causal);

// dtable[a, o] += Σ_{i−j = offset_of(o)} dbias[a,i,j] over the entries the mask keeps,
// i ascending (a fixed order: one thread owns each head).
// dtable: [h,2T−1]; dbias: [h,T,T].
template <typename T>
void relative_bias_reduce(T* dtable, const T* dbias, int heads, int seq_len, bool causal);

template <typename T>
class RelativeBias : public AdditiveBias<T> {
 protected:
  // table: [h,2T−1], zeroed on entry; fill the offsets the mask keeps.
  virtual void compute_table(T* table, int layer, const EncodingContext& ctx) = 0;
  // dtable: [h,2T−1], Σ_b and Σ along diagonals of dS. Accumulate (+=) parameter gradients.
  virtual void table_backward(const T* dtable, int layer, const EncodingContext& ctx) {
    (void)dtable; (void)layer; (void)ctx;
  }

  void compute_bias(T* bias, int layer, const EncodingContext& ctx) final;
  void bias_backward(const T* dbias, int layer, const EncodingContext& ctx) final;

 private:
  std::vector<T> table_;   // [h,2T−1]
  std::vector<T> dtable_;  // [h,2T−1]
};

}  // namespace pebench
