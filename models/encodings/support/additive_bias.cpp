#include "models/encodings/support/additive_bias.hpp"

#include <algorithm>

#include "models/layers.hpp"

namespace pebench {

template <typename T>
AttentionBias<T> AdditiveBias<T>::attention_bias(int layer, const EncodingContext& ctx) {
  const size_t tt = static_cast<size_t>(ctx.seq_len) * ctx.seq_len;
  const size_t bias_size = (per_example(ctx) ? ctx.batch : 1) * ctx.n_heads * tt;
  bias_.assign(bias_size, T(0));
  compute_bias(bias_.data(), layer, ctx);
  return {bias_.data(), per_example(ctx), learnable()};
}

template <typename T>
void AdditiveBias<T>::logits_forward(T* scores, const T*, const T*, int layer,
                                     const EncodingContext& ctx) {
  const size_t tt = static_cast<size_t>(ctx.seq_len) * ctx.seq_len;
  const AttentionBias<T> bias = attention_bias(layer, ctx);
#pragma omp parallel for collapse(2) schedule(static)
  for (int b = 0; b < ctx.batch; ++b)
    for (int a = 0; a < ctx.n_heads; ++a)
      attention_bias_add(scores + (static_cast<size_t>(b) * ctx.n_heads + a) * tt,
                         attention_bias_unit(bias, b, a, ctx.n_heads, ctx.seq_len), ctx.seq_len);
}

template <typename T>
void AdditiveBias<T>::logits_backward(T* dscores, T*, T*, const T*, const T*, int layer,
                                      const EncodingContext& ctx) {
  if (!learnable()) return;
  const int T_ = ctx.seq_len;
  const size_t tt = static_cast<size_t>(T_) * T_;
  if (per_example(ctx)) {
    bias_backward(dscores, layer, ctx);  // dBias[b,a,i,j] = dS[b,a,i,j]
    return;
  }
  dbias_.assign(static_cast<size_t>(ctx.n_heads) * tt, T(0));
#pragma omp parallel for collapse(2) schedule(static)
  for (int a = 0; a < ctx.n_heads; ++a)
    for (int i = 0; i < T_; ++i) {
      T* out = dbias_.data() + a * tt + static_cast<size_t>(i) * T_;
      for (int b = 0; b < ctx.batch; ++b) {
        const T* in = dscores + (static_cast<size_t>(b) * ctx.n_heads + a) * tt + static_cast<size_t>(i) * T_;
        for (int j = 0; j < T_; ++j) out[j] += in[j];
      }
    }
  bias_backward(dbias_.data(), layer, ctx);
}

template class AdditiveBias<float>;
template class AdditiveBias<double>;

}  // namespace pebench
