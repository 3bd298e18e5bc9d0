#include "models/encodings/support/relative_bias.hpp"

namespace pebench {

template <typename T>
void relative_bias_expand(T* bias, const T* table, int heads, int seq_len, bool causal) {
  const size_t tt = static_cast<size_t>(seq_len) * seq_len;
  const int width = relative_table_size(seq_len);
#pragma omp parallel for collapse(2) schedule(static)
  for (int a = 0; a < heads; ++a)
    for (int i = 0; i < seq_len; ++i) {
      T* row = bias + a * tt + static_cast<size_t>(i) * seq_len;
      const T* diagonal = table + static_cast<size_t>(a) * width + i + seq_len - 1;  // o at j = 0
      const int keys = causal ? i + 1 : seq_len;
      for (int j = 0; j < keys; ++j) row[j] = diagonal[-j];
    }
}

template <typename T>
void relative_bias_reduce(T* dtable, const T* dbias, int heads, int seq_len, bool causal) {
  const size_t tt = static_cast<size_t>(seq_len) * seq_len;
  const int width = relative_table_size(seq_len);
#pragma omp parallel for schedule(static)
  for (int a = 0; a < heads; ++a)
    for (int i = 0; i < seq_len; ++i) {
      const T* row = dbias + a * tt + static_cast<size_t>(i) * seq_len;
      T* diagonal = dtable + static_cast<size_t>(a) * width + i + seq_len - 1;
      const int keys = causal ? i + 1 : seq_len;
      for (int j = 0; j < keys; ++j) diagonal[-j] += row[j];
    }
}

template <typename T>
void RelativeBias<T>::compute_bias(T* bias, int layer, const EncodingContext& ctx) {
  table_.assign(static_cast<size_t>(ctx.n_heads) * relative_table_size(ctx.seq_len), T(0));
  compute_table(table_.data(), layer, ctx);
  relative_bias_expand(bias, table_.data(), ctx.n_heads, ctx.seq_len, ctx.causal);
}

template <typename T>
void RelativeBias<T>::bias_backward(const T* dbias, int layer, const EncodingContext& ctx) {
  dtable_.assign(static_cast<size_t>(ctx.n_heads) * relative_table_size(ctx.seq_len), T(0));
  relative_bias_reduce(dtable_.data(), dbias, ctx.n_heads, ctx.seq_len, ctx.causal);
  table_backward(dtable_.data(), layer, ctx);
}

template void relative_bias_expand<float>(float*, const float*, int, int, bool);
template void relative_bias_expand<double>(double*, const double*, int, int, bool);
template void relative_bias_reduce<float>(float*, const float*, int, int, bool);
template void relative_bias_reduce<double>(double*, const double*, int, int, bool);
template class RelativeBias<float>;
template class RelativeBias<double>;

}  // namespace pebench
