#include "models/dape_mlp.hpp"

#include <cmath>
#include <cstddef>
#include <vector>

#include "models/eigen.hpp"


namespace pebench {

namespace {

template <typename T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <typename T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
template <typename T>
using RowVectorMap = Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>>;
template <typename T>
using ConstRowVectorMap = Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>;

template <typename T>
T leaky(T v) { return v > 0 ? v : static_cast<T>(kDapeLeakySlope) * v; }
template <typename T>
T leaky_slope(T v) { return v > 0 ? T(1) : static_cast<T>(kDapeLeakySlope); }

// Read-only Eigen views of one layer's weights.
template <typename T>
struct WeightViews {
  Eigen::Map<const RowMatrix<T>> w1;  // [w,2h]
  Eigen::Map<const Vector<T>> b1;     // [w]
  Eigen::Map<const RowMatrix<T>> w2;  // [h,w]
  Eigen::Map<const Vector<T>> b2;     // [h]
  WeightViews(const DapeMlpTensors<T>& t, int heads, int width)
      : w1(t.w1, width, 2 * heads), b1(t.b1, width), w2(t.w2, heads, width), b2(t.b2, heads) {}
};

// Partial weight gradients of one query row, packed [w1 | b1 | w2 | b2].
template <typename T>
struct GradientSlot {
  Eigen::Map<RowMatrix<T>> w1;
  Eigen::Map<Vector<T>> b1;
  Eigen::Map<RowMatrix<T>> w2;
  Eigen::Map<Vector<T>> b2;
  GradientSlot(T* base, int heads, int width)
      : w1(base, width, 2 * heads),
        b1(base + 2 * heads * width, width),
        w2(base + 2 * heads * width + width, heads, width),
        b2(base + 3 * heads * width + width, heads) {}
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

}  // namespace

template <typename T>
void dape_mlp_forward(T* scores, const T* bias, const DapeMlpTensors<T>& weights, int batch,
                      int heads, int seq_len, int width, bool causal) {
  const WeightViews<T> mlp(weights, heads, width);
  const size_t tt = static_cast<size_t>(seq_len) * seq_len;
#pragma omp parallel
  {
    Matrix<T> inputs(2 * heads, seq_len);  // [2h,T] u for every key of the row
    Matrix<T> hidden(width, seq_len);      // [w,T]
    Matrix<T> out(heads, seq_len);         // [h,T] f(u)
#pragma omp for collapse(2) schedule(dynamic, 4)
    for (int b = 0; b < batch; ++b)
      for (int i = 0; i < seq_len; ++i) {
        const int keys = causal ? i + 1 : seq_len;
        auto u = inputs.leftCols(keys);
        auto hid = hidden.leftCols(keys);
        auto f = out.leftCols(keys);
        for (int a = 0; a < heads; ++a) {
          u.row(a) = ConstRowVectorMap<T>(scores + (b * heads + a) * tt + static_cast<size_t>(i) * seq_len, keys);
          u.row(heads + a) = ConstRowVectorMap<T>(bias + a * tt + static_cast<size_t>(i) * seq_len, keys);
        }
        hid.noalias() = mlp.w1 * u;
        hid = (hid.colwise() + mlp.b1).unaryExpr([](T v) { return leaky(v); });
        f.noalias() = mlp.w2 * hid;
        f.colwise() += mlp.b2;
        for (int a = 0; a < heads; ++a) {
          RowVectorMap<T> s(scores + (b * heads + a) * tt + static_cast<size_t>(i) * seq_len, keys);
          s += u.row(heads + a) + f.row(a);
        }
      }
  }
}

template <typename T>
void dape_mlp_backward(T* dscores, T* dbias, const DapeMlpTensors<T>& grads, const T* q, const T* k,
                       const T* bias, const DapeMlpTensors<T>& weights, int batch, int heads,
                       int seq_len, int d_head, int width, bool causal) {
  const WeightViews<T> mlp(weights, heads, width);
  const size_t tt = static_cast<size_t>(seq_len) * seq_len;
  const size_t slot_size = GradientSlot<T>::size(heads, width);
  const T scale = T(1) / std::sqrt(static_cast<T>(d_head));
  std::vector<T> slots(static_cast<size_t>(seq_len) * slot_size, T(0));  // [T, slot] per query row
#pragma omp parallel
  {
    Matrix<T> inputs(2 * heads, seq_len);   // [2h,T] u, recomputed
    Matrix<T> pre(width, seq_len);          // [w,T] w1·u + b1, recomputed
    Matrix<T> grad(heads, seq_len);         // [h,T] dS
    Matrix<T> dpre(width, seq_len);         // [w,T]
    Matrix<T> dinputs(2 * heads, seq_len);  // [2h,T] du
#pragma omp for schedule(dynamic, 1)
    for (int i = 0; i < seq_len; ++i) {
      const int keys = causal ? i + 1 : seq_len;
      GradientSlot<T> slot(slots.data() + i * slot_size, heads, width);
      auto u = inputs.leftCols(keys);
      auto hid = pre.leftCols(keys);
      auto g = grad.leftCols(keys);
      auto dhid = dpre.leftCols(keys);
      auto du = dinputs.leftCols(keys);
      for (int b = 0; b < batch; ++b) {  // in order: row i of dbias is this thread's alone
        for (int a = 0; a < heads; ++a) {
          const size_t head = static_cast<size_t>(b) * heads + a;
          Eigen::Map<const RowMatrix<T>> keys_a(k + head * seq_len * d_head, keys, d_head);
          Eigen::Map<const Vector<T>> query(q + (head * seq_len + i) * d_head, d_head);
          u.row(a) = (keys_a * query).transpose() * scale;
          u.row(heads + a) = ConstRowVectorMap<T>(bias + a * tt + static_cast<size_t>(i) * seq_len, keys);
          g.row(a) = ConstRowVectorMap<T>(dscores + head * tt + static_cast<size_t>(i) * seq_len, keys);
        }
        hid.noalias() = mlp.w1 * u;
        hid.colwise() += mlp.b1;
        slot.w2.noalias() += g * hid.unaryExpr([](T v) { return leaky(v); }).transpose();
        slot.b2 += g.rowwise().sum();
        dhid.noalias() = mlp.w2.transpose() * g;
        dhid = dhid.cwiseProduct(hid.unaryExpr([](T v) { return leaky_slope(v); }));
        slot.w1.noalias() += dhid * u.transpose();
        slot.b1 += dhid.rowwise().sum();
        du.noalias() = mlp.w1.transpose() * dhid;
        for (int a = 0; a < heads; ++a) {
          const size_t head = static_cast<size_t>(b) * heads + a;
          RowVectorMap<T> dx(dscores + head * tt + static_cast<size_t>(i) * seq_len, keys);
          RowVectorMap<T> dbias_row(dbias + a * tt + static_cast<size_t>(i) * seq_len, keys);
          dx = g.row(a) + du.row(a);
          dbias_row += g.row(a) + du.row(heads + a);
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
  template void dape_mlp_backward<T>(T*, T*, const DapeMlpTensors<T>&, const T*, const T*, const T*,    \
                                     const DapeMlpTensors<T>&, int, int, int, int, int, bool);          \
  template void dape_mlp_forward_reference<T>(T*, const T*, const DapeMlpTensors<T>&, int, int, int, int, \
                                              bool);                                                     \
  template void dape_mlp_backward_reference<T>(T*, T*, const DapeMlpTensors<T>&, const T*, const T*,     \
                                               const DapeMlpTensors<T>&, int, int, int, int, bool);
PEBENCH_INSTANTIATE_DAPE(float)
PEBENCH_INSTANTIATE_DAPE(double)

}  // namespace pebench
