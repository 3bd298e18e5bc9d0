#include "models/encodings/support/additive_bias.hpp"

#include <algorithm>

namespace pebench {

template <typename T>
void AdditiveBias<T>::logits_forward(T* scores, const T*, const T*, int layer,
                                     const EncodingContext& ctx) {
  const size_t tt = static_cast<size_t>(ctx.seq_len) * ctx.seq_len;
  const size_t bias_size = (per_example(ctx) ? ctx.batch : 1) * ctx.n_heads * tt;
  bias_.assign(bias_size, T(0));
  compute_bias(bias_.data(), layer, ctx);
  const size_t per_batch = per_example(ctx) ? static_cast<size_t>(ctx.n_heads) * tt : 0;
#pragma omp parallel for collapse(2) schedule(static)
  for (int b = 0; b < ctx.batch; ++b)
    for (int a = 0; a < ctx.n_heads; ++a) {
      T* s = scores + (static_cast<size_t>(b) * ctx.n_heads + a) * tt;
      const T* bias = bias_.data() + b * per_batch + a * tt;
      for (size_t e = 0; e < tt; ++e) s[e] += bias[e];
    }
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
