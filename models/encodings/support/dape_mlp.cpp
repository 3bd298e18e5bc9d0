#include "models/encodings/support/dape_mlp.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <vector>

#include "models/eigen.hpp"
#include "models/matrix.hpp"
#include "models/vector_math.hpp"

namespace pebench {

namespace {

template <typename T>
using Rows = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using ConstRowsMap = Eigen::Map<const Rows<T>>;

template <typename T>
T leaky(T v) { return v > 0 ? v : static_cast<T>(kDapeLeakySlope) * v; }
template <typename T>
T leaky_slope(T v) { return v > 0 ? T(1) : static_cast<T>(kDapeLeakySlope); }

// dst = lhs·rhs in Eigen's summation order (models/matrix.hpp's multiply,
// whose results depend only on values and sizes). A 1×1 result is summed here
// in index order and stored as is (multiply would add it to zero, turning a
// −0 into +0; the committed DAPE results were computed this way).
template <typename Dst, typename Lhs, typename Rhs>
void multiply(Dst&& dst, const Lhs& lhs, const Rhs& rhs) {
  using Scalar = typename std::decay_t<Dst>::Scalar;
  if (dst.rows() == 1 && dst.cols() == 1) {
    Scalar sum = 0;
    for (Eigen::Index k = 0; k < lhs.cols(); ++k) sum += lhs(0, k) * rhs(k, 0);
    dst(0, 0) = sum;
  } else {
    pebench::multiply(dst, lhs, rhs, Scalar(1), Write::assign);
  }
}

// One layer's weights as matrices.
template <typename T>
struct WeightViews {
  ConstRowsMap<T> w1;  // [w,2h]
  const T* b1;         // [w]
  ConstRowsMap<T> w2;  // [h,w]
  const T* b2;         // [h]
  WeightViews(const DapeMlpTensors<T>& t, int heads, int width)
      : w1(t.w1, width, 2 * heads), b1(t.b1), w2(t.w2, heads, width), b2(t.b2) {}
};

// Partial weight gradients of one query row, packed [w1 | b1 | w2 | b2].
template <typename T>
struct GradientSlot {
  T* w1;  // [w,2h]
  T* b1;  // [w]
  T* w2;  // [h,w]
  T* b2;  // [h]
  GradientSlot(T* base, int heads, int width)
      : w1(base), b1(base + 2 * heads * width), w2(b1 + width), b2(w2 + heads * width) {}
  static size_t size(int heads, int width) { return static_cast<size_t>(3 * heads * width + width + heads); }
};

// Adds the row slots, in row order, into the flat gradients. Each thread owns entries.
template <typename T>
void reduce_slots(const DapeMlpTensors<T>& grads, const std::vector<T>& slots, int rows, int heads, int width) {
  const size_t size = GradientSlot<T>::size(heads, width);
  const size_t w1 = 2 * static_cast<size_t>(heads) * width, b1 = width, w2 = static_cast<size_t>(heads) * width;
#pragma omp parallel for schedule(static)
  for (size_t e = 0; e < size; ++e) {
    T sum = 0;
    for (int r = 0; r < rows; ++r) sum += slots[r * size + e];
    if (e < w1) grads.w1[e] += sum;
    else if (e < w1 + b1) grads.b1[e - w1] += sum;
    else if (e < w1 + b1 + w2) grads.w2[e - w1 - b1] += sum;
    else grads.b2[e - w1 - b1 - w2] += sum;
  }
}

// out[:, b·keys, keys] = lhs · in[:, b·keys, keys] for every sequence b.
template <typename Out, typename Lhs, typename In>
void multiply_per_sequence(Out& out, const Lhs& lhs, const In& in, int batch, int keys) {
  for (int b = 0; b < batch; ++b) multiply(out.middleCols(b * keys, keys), lhs, in.middleCols(b * keys, keys));
}

}  // namespace

// One query row i at a time, the whole batch at once: the row's kept keys of
// every batch element are the columns of per-thread row-major buffers
// [channels, B·keys] (column b·keys + j is (b, j)); sums over columns go
// through vec::sum (fixed grouping, alignment-independent). The MLP itself
// runs one GEMM per sequence (columns b·keys .. b·keys + keys − 1): a GEMM's
// rounding depends on its column count, so a product over all B·keys columns
// would make a sequence's logits depend on the batch it is evaluated in
// (evaluate()'s sub-batches).
template <typename T>
void dape_mlp_forward(T* scores, const T* bias, const DapeMlpTensors<T>& weights, int batch,
                      int heads, int seq_len, int width, bool causal) {
  const WeightViews<T> mlp(weights, heads, width);
  const size_t tt = static_cast<size_t>(seq_len) * seq_len;
  const int max_columns = batch * seq_len;
#pragma omp parallel
  {
    Rows<T> inputs(2 * heads, max_columns);  // [2h,B·keys] u
    Rows<T> hidden(width, max_columns);      // [w,B·keys]
    Rows<T> out(heads, max_columns);         // [h,B·keys] W2·act(hidden)
#pragma omp for schedule(dynamic, 1)
    for (int i = 0; i < seq_len; ++i) {
      const int keys = causal ? i + 1 : seq_len, columns = batch * keys;
      const size_t row = static_cast<size_t>(i) * seq_len;
      for (int b = 0; b < batch; ++b)
        for (int a = 0; a < heads; ++a) {
          std::copy_n(scores + (b * heads + a) * tt + row, keys, &inputs(a, b * keys));
          std::copy_n(bias + a * tt + row, keys, &inputs(heads + a, b * keys));
        }
      multiply_per_sequence(hidden, mlp.w1, inputs, batch, keys);
      for (int r = 0; r < width; ++r)
        for (int c = 0; c < columns; ++c) hidden(r, c) = leaky(hidden(r, c) + mlp.b1[r]);
      multiply_per_sequence(out, mlp.w2, hidden, batch, keys);
      for (int b = 0; b < batch; ++b)
        for (int a = 0; a < heads; ++a) {
          T* s = scores + (b * heads + a) * tt + row;
          for (int j = 0; j < keys; ++j) s[j] += inputs(heads + a, b * keys + j) + (out(a, b * keys + j) + mlp.b2[a]);
        }
    }
  }
}

template <typename T>
void dape_mlp_backward(T* dscores, T* dbias, const DapeMlpTensors<T>& grads, const T* logits, const T* bias,
                       const DapeMlpTensors<T>& weights, int batch, int heads, int seq_len, int width,
                       bool causal) {
  const WeightViews<T> mlp(weights, heads, width);
  const size_t tt = static_cast<size_t>(seq_len) * seq_len;
  const size_t slot_size = GradientSlot<T>::size(heads, width);
  const int max_columns = batch * seq_len;
  std::vector<T> slots(static_cast<size_t>(seq_len) * slot_size, T(0));  // [T, slot] per query row
#pragma omp parallel
  {
    Rows<T> inputs(2 * heads, max_columns);   // [2h,B·keys] u, recomputed
    Rows<T> pre(width, max_columns);          // [w,B·keys] w1·u + b1, recomputed
    Rows<T> act(width, max_columns);          // [w,B·keys] LeakyReLU(pre)
    Rows<T> grad(heads, max_columns);         // [h,B·keys] dS
    Rows<T> dpre(width, max_columns);         // [w,B·keys]
    Rows<T> dinputs(2 * heads, max_columns);  // [2h,B·keys] du
#pragma omp for schedule(dynamic, 1)
    for (int i = 0; i < seq_len; ++i) {  // row i of dbias and slot i are this thread's alone
      const int keys = causal ? i + 1 : seq_len, columns = batch * keys;
      const size_t row = static_cast<size_t>(i) * seq_len;
      const GradientSlot<T> slot(slots.data() + i * slot_size, heads, width);
      for (int b = 0; b < batch; ++b)
        for (int a = 0; a < heads; ++a) {
          const size_t head = static_cast<size_t>(b) * heads + a;
          std::copy_n(logits + head * tt + row, keys, &inputs(a, b * keys));
          std::copy_n(bias + a * tt + row, keys, &inputs(heads + a, b * keys));
          std::copy_n(dscores + head * tt + row, keys, &grad(a, b * keys));
        }
      multiply_per_sequence(pre, mlp.w1, inputs, batch, keys);  // exactly the forward's pre-activations
      for (int r = 0; r < width; ++r)
        for (int c = 0; c < columns; ++c) {
          pre(r, c) += mlp.b1[r];
          act(r, c) = leaky(pre(r, c));
        }
      // The slot receives row i's only contribution, so its products assign.
      multiply(Eigen::Map<Rows<T>>(slot.w2, heads, width), grad.leftCols(columns),
               act.leftCols(columns).transpose());
      for (int a = 0; a < heads; ++a) slot.b2[a] = vec::sum(&grad(a, 0), columns);
      multiply(dpre.leftCols(columns), mlp.w2.transpose(), grad.leftCols(columns));
      for (int r = 0; r < width; ++r) {
        for (int c = 0; c < columns; ++c) dpre(r, c) *= leaky_slope(pre(r, c));
        slot.b1[r] = vec::sum(&dpre(r, 0), columns);
      }
      multiply(Eigen::Map<Rows<T>>(slot.w1, width, 2 * heads), dpre.leftCols(columns),
               inputs.leftCols(columns).transpose());
      multiply(dinputs.leftCols(columns), mlp.w1.transpose(), dpre.leftCols(columns));
      for (int b = 0; b < batch; ++b)  // in order: dbias sums over the batch
        for (int a = 0; a < heads; ++a) {
          T* dx = dscores + (static_cast<size_t>(b) * heads + a) * tt + row;
          T* dbias_row = dbias + a * tt + row;
          for (int j = 0; j < keys; ++j) {
            const int c = b * keys + j;
            dx[j] = grad(a, c) + dinputs(a, c);
            dbias_row[j] += grad(a, c) + dinputs(heads + a, c);
          }
        }
    }
  }
  reduce_slots(grads, slots, seq_len, heads, width);
}

template <typename T>
void dape_mlp_forward_reference(T* scores, const T* bias, const DapeMlpTensors<T>& weights, int batch,
                                int heads, int seq_len, int width, bool causal) {
  const size_t tt = static_cast<size_t>(seq_len) * seq_len;
  std::vector<T> u(2 * heads), act(width);
  for (int b = 0; b < batch; ++b)
    for (int i = 0; i < seq_len; ++i)
      for (int j = 0; j < (causal ? i + 1 : seq_len); ++j) {
        const size_t e = static_cast<size_t>(i) * seq_len + j;
        for (int a = 0; a < heads; ++a) {
          u[a] = scores[(b * heads + a) * tt + e];
          u[heads + a] = bias[a * tt + e];
        }
        for (int r = 0; r < width; ++r) {
          T sum = weights.b1[r];
          for (int c = 0; c < 2 * heads; ++c) sum += weights.w1[r * 2 * heads + c] * u[c];
          act[r] = leaky(sum);
        }
        for (int a = 0; a < heads; ++a) {
          T f = weights.b2[a];
          for (int r = 0; r < width; ++r) f += weights.w2[a * width + r] * act[r];
          scores[(b * heads + a) * tt + e] = u[a] + u[heads + a] + f;
        }
      }
}

template <typename T>
void dape_mlp_backward_reference(T* dscores, T* dbias, const DapeMlpTensors<T>& grads, const T* logits,
                                 const T* bias, const DapeMlpTensors<T>& weights, int batch, int heads,
                                 int seq_len, int width, bool causal) {
  const size_t tt = static_cast<size_t>(seq_len) * seq_len;
  std::vector<T> u(2 * heads), pre(width), g(heads), dpre(width);
  for (int b = 0; b < batch; ++b)
    for (int i = 0; i < seq_len; ++i)
      for (int j = 0; j < (causal ? i + 1 : seq_len); ++j) {
        const size_t e = static_cast<size_t>(i) * seq_len + j;
        for (int a = 0; a < heads; ++a) {
          u[a] = logits[(b * heads + a) * tt + e];
          u[heads + a] = bias[a * tt + e];
          g[a] = dscores[(b * heads + a) * tt + e];
        }
        for (int r = 0; r < width; ++r) {
          pre[r] = weights.b1[r];
          for (int c = 0; c < 2 * heads; ++c) pre[r] += weights.w1[r * 2 * heads + c] * u[c];
        }
        for (int a = 0; a < heads; ++a) {
          grads.b2[a] += g[a];
          for (int r = 0; r < width; ++r) grads.w2[a * width + r] += g[a] * leaky(pre[r]);
        }
        for (int r = 0; r < width; ++r) {
          T sum = 0;
          for (int a = 0; a < heads; ++a) sum += weights.w2[a * width + r] * g[a];
          dpre[r] = sum * leaky_slope(pre[r]);
          grads.b1[r] += dpre[r];
          for (int c = 0; c < 2 * heads; ++c) grads.w1[r * 2 * heads + c] += dpre[r] * u[c];
        }
        for (int c = 0; c < 2 * heads; ++c) {
          T du = 0;
          for (int r = 0; r < width; ++r) du += weights.w1[r * 2 * heads + c] * dpre[r];
          if (c < heads) dscores[(b * heads + c) * tt + e] = g[c] + du;
          else dbias[(c - heads) * tt + e] += g[c - heads] + du;
        }
      }
}

#define PEBENCH_INSTANTIATE_DAPE(T)                                                                     \
  template void dape_mlp_forward<T>(T*, const T*, const DapeMlpTensors<T>&, int, int, int, int, bool);  \
  template void dape_mlp_backward<T>(T*, T*, const DapeMlpTensors<T>&, const T*, const T*,              \
                                     const DapeMlpTensors<T>&, int, int, int, int, bool);               \
  template void dape_mlp_forward_reference<T>(T*, const T*, const DapeMlpTensors<T>&, int, int, int, int, \
                                              bool);                                                     \
  template void dape_mlp_backward_reference<T>(T*, T*, const DapeMlpTensors<T>&, const T*, const T*,     \
                                               const DapeMlpTensors<T>&, int, int, int, int, bool);
PEBENCH_INSTANTIATE_DAPE(float)
PEBENCH_INSTANTIATE_DAPE(double)

}  // namespace pebench
