#include "models/encodings/support/dape_mlp.hpp"

// The wide vectors (models/simd.hpp) never cross a call boundary.
#pragma GCC diagnostic ignored "-Wpsabi"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <vector>

#include "models/aligned_buffer.hpp"
#include "models/simd.hpp"

namespace pebench {

namespace {

template <typename T>
T leaky(T v) { return v > 0 ? v : static_cast<T>(kDapeLeakySlope) * v; }
template <typename T>
T leaky_slope(T v) { return v > 0 ? T(1) : static_cast<T>(kDapeLeakySlope); }

// A query row's (b, j) entries are handled in blocks of whole sequences of
// about this many columns, so that a block's buffers stay in L2.
constexpr int kBlockColumns = 512;

int round_up(int n, int multiple) { return (n + multiple - 1) / multiple * multiple; }

// The vector type of the default build: 16 floats (two AVX halves; the
// AVX-512 build holds the same lanes in one register, so the same bits), 4
// doubles.
template <typename T>
struct Lanes { using S = Simd<T>; };
template <>
struct Lanes<float> { using S = Simd16Split; };
template <typename T>
constexpr int kLanes = Lanes<T>::S::lanes;

// Multiply-adds are S::fma, explicitly fused: the one-column kernels'
// std::fma gives the same bits only if every lane fuses the same operations.
template <typename S, typename T>
[[gnu::always_inline]] inline typename S::V leaky_lanes(typename S::V v) {
  return v > 0 ? v : v * S::broadcast(static_cast<T>(kDapeLeakySlope));
}
// d·act'(pre) lane by lane (act' is 1 or the slope; d·1 is d).
template <typename S, typename T>
[[gnu::always_inline]] inline typename S::V leaky_gradient_lanes(typename S::V d, typename S::V pre) {
  return pre > 0 ? d : d * S::broadcast(static_cast<T>(kDapeLeakySlope));
}

// hid[r] = b1[r] + Σ_c w1[r,c]·u[c] lane by lane: one fused multiply-add
// chain, c ascending, from b1[r].
template <typename S, typename T, int C>
[[gnu::always_inline]] inline typename S::V hidden_lanes(const typename S::V* u, const T* w1_row, T b1) {
  typename S::V hid = S::broadcast(b1);
  _Pragma("GCC unroll 32") for (int c = 0; c < C; ++c) hid = S::fma(u[c], S::broadcast(w1_row[c]), hid);
  return hid;
}

// The MLP over the columns of a block. in: [2h, stride] u (logits, then
// biases), out: [h, stride] S; columns [0, padded), padded a multiple of the
// lanes. Per column (lane), in this order:
//   hid[r] = b1[r] + Σ_c w1[r,c]·u[c]      one fused multiply-add chain, c ascending
//   f[a]   = b2[a] + Σ_r w2[a,r]·act(hid[r])  chains over r ascending
//   S[a]   = (u[a] + u[h + a]) + f[a]
// With the head count a template argument, u and f live in registers.
template <typename T, typename S, int H>
[[gnu::always_inline]] inline void forward_columns_fixed(T* out, const T* in, int stride, int padded,
                                                         const DapeMlpTensors<const T>& w, int width) {
  using V = typename S::V;
  for (int c0 = 0; c0 < padded; c0 += S::lanes) {
    V u[2 * H], f[H];
    _Pragma("GCC unroll 32") for (int c = 0; c < 2 * H; ++c) u[c] = S::load(in + c * stride + c0);
    _Pragma("GCC unroll 16") for (int a = 0; a < H; ++a) f[a] = S::broadcast(w.b2[a]);
    for (int r = 0; r < width; ++r) {
      const V act = leaky_lanes<S, T>(hidden_lanes<S, T, 2 * H>(u, w.w1 + r * 2 * H, w.b1[r]));
      _Pragma("GCC unroll 16") for (int a = 0; a < H; ++a) f[a] = S::fma(act, S::broadcast(w.w2[a * width + r]), f[a]);
    }
    _Pragma("GCC unroll 16") for (int a = 0; a < H; ++a) S::store(out + a * stride + c0, (u[a] + u[H + a]) + f[a]);
  }
}

// The backward's per-column part. in: [2h, stride] u, grad: [h, stride] g =
// dS; out: act [w, stride] act(hid), dhid [w, stride], dinputs [2h, stride]
// du. Per column:
//   hid as in the forward;  dhid[r] = (Σ_a w2[a,r]·g[a]) · act'(hid[r])  (chain over a from w2[0,r]·g[0])
//   du[c] = Σ_r w1[r,c]·dhid[r]                                         (chain over r from w1[0,c]·dhid[0])
template <typename T, typename S, int H>
[[gnu::always_inline]] inline void backward_columns_fixed(T* act, T* dhid, T* dinputs, const T* in, const T* grad,
                                                          int stride, int padded, const DapeMlpTensors<const T>& w,
                                                          int width) {
  using V = typename S::V;
  for (int c0 = 0; c0 < padded; c0 += S::lanes) {
    V u[2 * H], g[H];
    _Pragma("GCC unroll 32") for (int c = 0; c < 2 * H; ++c) u[c] = S::load(in + c * stride + c0);
    _Pragma("GCC unroll 16") for (int a = 0; a < H; ++a) g[a] = S::load(grad + a * stride + c0);
    for (int r = 0; r < width; ++r) {
      const V hid = hidden_lanes<S, T, 2 * H>(u, w.w1 + r * 2 * H, w.b1[r]);
      S::store(act + r * stride + c0, leaky_lanes<S, T>(hid));
      V d = g[0] * S::broadcast(w.w2[r]);
      _Pragma("GCC unroll 16") for (int a = 1; a < H; ++a) d = S::fma(g[a], S::broadcast(w.w2[a * width + r]), d);
      S::store(dhid + r * stride + c0, leaky_gradient_lanes<S, T>(d, hid));
    }
    V du[2 * H];
    const V first = S::load(dhid + c0);
    _Pragma("GCC unroll 32") for (int c = 0; c < 2 * H; ++c) du[c] = first * S::broadcast(w.w1[c]);
    for (int r = 1; r < width; ++r) {
      const V d = S::load(dhid + r * stride + c0);
      const T* w1 = w.w1 + r * 2 * H;
      _Pragma("GCC unroll 32") for (int c = 0; c < 2 * H; ++c) du[c] = S::fma(d, S::broadcast(w1[c]), du[c]);
    }
    _Pragma("GCC unroll 32") for (int c = 0; c < 2 * H; ++c) S::store(dinputs + c * stride + c0, du[c]);
  }
}

// The same two computations for any head count, one column at a time, each
// multiply-add a std::fma: the same operations in the same order, so the
// same bits as the fixed-head kernels (a test compares them).
template <typename T>
void forward_columns_any(T* out, const T* in, int stride, int padded, const DapeMlpTensors<const T>& w, int heads,
                         int width) {
  std::vector<T> u(2 * heads), f(heads);
  for (int col = 0; col < padded; ++col) {
    for (int c = 0; c < 2 * heads; ++c) u[c] = in[c * stride + col];
    for (int a = 0; a < heads; ++a) f[a] = w.b2[a];
    for (int r = 0; r < width; ++r) {
      T hid = w.b1[r];
      for (int c = 0; c < 2 * heads; ++c) hid = std::fma(w.w1[r * 2 * heads + c], u[c], hid);
      const T a_r = leaky(hid);
      for (int a = 0; a < heads; ++a) f[a] = std::fma(w.w2[a * width + r], a_r, f[a]);
    }
    for (int a = 0; a < heads; ++a) out[a * stride + col] = (u[a] + u[heads + a]) + f[a];
  }
}

template <typename T>
void backward_columns_any(T* act, T* dhid, T* dinputs, const T* in, const T* grad, int stride, int padded,
                          const DapeMlpTensors<const T>& w, int heads, int width) {
  std::vector<T> u(2 * heads), g(heads), d(width);
  for (int col = 0; col < padded; ++col) {
    for (int c = 0; c < 2 * heads; ++c) u[c] = in[c * stride + col];
    for (int a = 0; a < heads; ++a) g[a] = grad[a * stride + col];
    for (int r = 0; r < width; ++r) {
      T hid = w.b1[r];
      for (int c = 0; c < 2 * heads; ++c) hid = std::fma(w.w1[r * 2 * heads + c], u[c], hid);
      act[r * stride + col] = leaky(hid);
      T sum = w.w2[r] * g[0];
      for (int a = 1; a < heads; ++a) sum = std::fma(w.w2[a * width + r], g[a], sum);
      d[r] = sum * leaky_slope(hid);
      dhid[r * stride + col] = d[r];
    }
    for (int c = 0; c < 2 * heads; ++c) {
      T du = w.w1[c] * d[0];
      for (int r = 1; r < width; ++r) du = std::fma(w.w1[r * 2 * heads + c], d[r], du);
      dinputs[c * stride + col] = du;
    }
  }
}

std::atomic<bool> fixed_head_kernels_allowed{true};  // tests switch them off to compare

template <typename T, typename S>
[[gnu::always_inline]] inline void forward_columns(T* out, const T* in, int stride, int padded,
                                                   const DapeMlpTensors<const T>& w, int heads, int width) {
  switch (fixed_head_kernels_allowed.load(std::memory_order_relaxed) ? heads : 0) {
    case 1: return forward_columns_fixed<T, S, 1>(out, in, stride, padded, w, width);
    case 2: return forward_columns_fixed<T, S, 2>(out, in, stride, padded, w, width);
    case 4: return forward_columns_fixed<T, S, 4>(out, in, stride, padded, w, width);
    case 8: return forward_columns_fixed<T, S, 8>(out, in, stride, padded, w, width);
    case 16: return forward_columns_fixed<T, S, 16>(out, in, stride, padded, w, width);
    default: return forward_columns_any(out, in, stride, padded, w, heads, width);
  }
}

template <typename T, typename S>
[[gnu::always_inline]] inline void backward_columns(T* act, T* dhid, T* dinputs, const T* in, const T* grad,
                                                    int stride, int padded, const DapeMlpTensors<const T>& w,
                                                    int heads, int width) {
  switch (fixed_head_kernels_allowed.load(std::memory_order_relaxed) ? heads : 0) {
    case 1: return backward_columns_fixed<T, S, 1>(act, dhid, dinputs, in, grad, stride, padded, w, width);
    case 2: return backward_columns_fixed<T, S, 2>(act, dhid, dinputs, in, grad, stride, padded, w, width);
    case 4: return backward_columns_fixed<T, S, 4>(act, dhid, dinputs, in, grad, stride, padded, w, width);
    case 8: return backward_columns_fixed<T, S, 8>(act, dhid, dinputs, in, grad, stride, padded, w, width);
    case 16: return backward_columns_fixed<T, S, 16>(act, dhid, dinputs, in, grad, stride, padded, w, width);
    default: return backward_columns_any(act, dhid, dinputs, in, grad, stride, padded, w, heads, width);
  }
}

// partial[m, n, lane] += Σ over the block's column chunks of a[m]·b[n] lane
// by lane: a: [M, stride], b: [N, stride], columns [0, padded). Each output
// lane is one chain over the chunks in order, continued from block to block:
// the weight gradients' summation order is fixed by the batch and the
// lengths alone. Tiles of up to 4×4 outputs share their loads.
template <typename T, typename S, int RM, int RN>
[[gnu::always_inline]] inline void product_tile(T* partial, const T* a, const T* b, int N, int m0, int n0,
                                                int stride, int padded) {
  using V = typename S::V;
  V acc[RM][RN];
  auto at = [&](int m, int n) { return partial + (static_cast<size_t>(m0 + m) * N + n0 + n) * S::lanes; };
  _Pragma("GCC unroll 4") for (int m = 0; m < RM; ++m)
    _Pragma("GCC unroll 4") for (int n = 0; n < RN; ++n) acc[m][n] = S::load(at(m, n));
  for (int c0 = 0; c0 < padded; c0 += S::lanes) {
    V x[RM], y[RN];
    _Pragma("GCC unroll 4") for (int m = 0; m < RM; ++m) x[m] = S::load(a + (m0 + m) * stride + c0);
    _Pragma("GCC unroll 4") for (int n = 0; n < RN; ++n) y[n] = S::load(b + (n0 + n) * stride + c0);
    _Pragma("GCC unroll 4") for (int m = 0; m < RM; ++m)
      _Pragma("GCC unroll 4") for (int n = 0; n < RN; ++n) acc[m][n] = S::fma(x[m], y[n], acc[m][n]);
  }
  _Pragma("GCC unroll 4") for (int m = 0; m < RM; ++m)
    _Pragma("GCC unroll 4") for (int n = 0; n < RN; ++n) S::store(at(m, n), acc[m][n]);
}

template <typename T, typename S>
[[gnu::always_inline]] inline void accumulate_products(T* partial, const T* a, const T* b, int M, int N, int stride,
                                                       int padded) {
  const int M4 = M - M % 4, N4 = N - N % 4;
  for (int m = 0; m < M4; m += 4)
    for (int n = 0; n < N4; n += 4) product_tile<T, S, 4, 4>(partial, a, b, N, m, n, stride, padded);
  for (int m = 0; m < M; ++m)  // the outputs the 4×4 tiles left
    for (int n = m < M4 ? N4 : 0; n < N; ++n) product_tile<T, S, 1, 1>(partial, a, b, N, m, n, stride, padded);
}

// partial[m, lane] += a[m] over the block's chunks, lane by lane.
template <typename T, typename S>
[[gnu::always_inline]] inline void accumulate_sums(T* partial, const T* a, int M, int stride, int padded) {
  for (int m = 0; m < M; ++m) {
    typename S::V acc = S::load(partial + m * S::lanes);
    for (int c0 = 0; c0 < padded; c0 += S::lanes) acc = acc + S::load(a + m * stride + c0);
    S::store(partial + m * S::lanes, acc);
  }
}

// A block's buffers, [channels, stride] each (column (b − b0)·keys + j).
template <typename T>
struct BlockBuffers {
  int stride;
  AlignedBuffer<T> inputs, grad, out, act, dhid, dinputs;
  BlockBuffers(int heads, int width, int seq_len, bool backward)
      : stride(round_up(std::max(kBlockColumns, seq_len), kLanes<T>)),
        inputs(static_cast<size_t>(2 * heads) * stride),
        grad(backward ? static_cast<size_t>(heads) * stride : 0),
        out(backward ? 0 : static_cast<size_t>(heads) * stride),
        act(backward ? static_cast<size_t>(width) * stride : 0),
        dhid(act.size()),
        dinputs(backward ? inputs.size() : 0) {}
};

// The lane partials of one query row's weight gradients, packed like a
// GradientSlot ([w1 | b1 | w2 | b2]), each entry `lanes` wide.
template <typename T>
struct PartialOffsets {
  size_t w1, b1, w2, b2;
  PartialOffsets(int heads, int width)
      : w1(0), b1(w1 + 2 * static_cast<size_t>(heads) * width * kLanes<T>), w2(b1 + static_cast<size_t>(width) * kLanes<T>),
        b2(w2 + static_cast<size_t>(heads) * width * kLanes<T>) {}
};

// All the vector work of one backward block: the per-column part, then its
// columns' contributions to the weight gradients' lane partials.
template <typename T, typename S>
[[gnu::always_inline]] inline void backward_block(BlockBuffers<T>& buf, T* partial, int padded,
                                                  const DapeMlpTensors<const T>& w, int heads, int width) {
  const int stride = buf.stride;
  backward_columns<T, S>(buf.act.data(), buf.dhid.data(), buf.dinputs.data(), buf.inputs.data(), buf.grad.data(),
                         stride, padded, w, heads, width);
  const PartialOffsets<T> at(heads, width);
  accumulate_products<T, S>(partial + at.w1, buf.dhid.data(), buf.inputs.data(), width, 2 * heads, stride, padded);
  accumulate_sums<T, S>(partial + at.b1, buf.dhid.data(), width, stride, padded);
  accumulate_products<T, S>(partial + at.w2, buf.grad.data(), buf.act.data(), heads, width, stride, padded);
  accumulate_sums<T, S>(partial + at.b2, buf.grad.data(), heads, stride, padded);
}

#ifdef PEBENCH_AVX512_KERNELS
[[gnu::target("avx512f"), gnu::flatten]] void forward_columns_avx512(float* out, const float* in, int stride, int padded,
                                                       const DapeMlpTensors<const float>& w, int heads, int width) {
  forward_columns<float, Simd16>(out, in, stride, padded, w, heads, width);
}
[[gnu::target("avx512f"), gnu::flatten]] void backward_block_avx512(BlockBuffers<float>& buf, float* partial, int padded,
                                                      const DapeMlpTensors<const float>& w, int heads, int width) {
  backward_block<float, Simd16>(buf, partial, padded, w, heads, width);
}
#else
// Never called: avx512_kernels_enabled() is false.
void forward_columns_avx512(float*, const float*, int, int, const DapeMlpTensors<const float>&, int, int) {}
void backward_block_avx512(BlockBuffers<float>&, float*, int, const DapeMlpTensors<const float>&, int, int) {}
#endif

template <typename T>
void forward_block_dispatch(BlockBuffers<T>& buf, int padded, const DapeMlpTensors<const T>& w, int heads,
                            int width) {
  if constexpr (std::is_same_v<T, float>) {
    if (avx512_kernels_enabled()) {
      forward_columns_avx512(buf.out.data(), buf.inputs.data(), buf.stride, padded, w, heads, width);
      return;
    }
  }
  forward_columns<T, typename Lanes<T>::S>(buf.out.data(), buf.inputs.data(), buf.stride, padded, w, heads, width);
}

template <typename T>
void backward_block_dispatch(BlockBuffers<T>& buf, T* partial, int padded, const DapeMlpTensors<const T>& w,
                             int heads, int width) {
  if constexpr (std::is_same_v<T, float>) {
    if (avx512_kernels_enabled()) {
      backward_block_avx512(buf, partial, padded, w, heads, width);
      return;
    }
  }
  backward_block<T, typename Lanes<T>::S>(buf, partial, padded, w, heads, width);
}

// The size of one query row's weight gradients, packed [w1 | b1 | w2 | b2].
size_t slot_size(int heads, int width) { return static_cast<size_t>(3 * heads * width + width + heads); }

// Adds the row slots, in row order, into the flat gradients. Each thread owns entries.
template <typename T>
void reduce_slots(const DapeMlpTensors<T>& grads, const std::vector<T>& slots, int rows, int heads, int width) {
  const size_t size = slot_size(heads, width);
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

// The blocks of a query row with `keys` kept keys: whole sequences
// [b0, b0 + sequences), `columns` of them, `padded` to the lanes.
struct Block {
  int b0, sequences, columns, padded;
};
template <typename T, typename Fn>
void for_blocks(int batch, int keys, Fn fn) {
  const int per_block = std::max(1, kBlockColumns / keys);
  for (int b0 = 0; b0 < batch; b0 += per_block) {
    const int sequences = std::min(per_block, batch - b0), columns = sequences * keys;
    fn(Block{b0, sequences, columns, round_up(columns, kLanes<T>)});
  }
}

// dst [channels, stride]: channel c, column (b − b0)·keys + j = row(b, c)[j];
// the padding columns zero.
template <typename T, typename Row>
void gather_columns(T* dst, int stride, int channels, const Block& block, int keys, Row row) {
  for (int c = 0; c < channels; ++c) {
    T* d = dst + static_cast<size_t>(c) * stride;
    for (int b = 0; b < block.sequences; ++b) std::copy_n(row(block.b0 + b, c), keys, d + b * keys);
    std::fill(d + block.columns, d + block.padded, T(0));
  }
}

template <typename T>
DapeMlpTensors<const T> const_view(const DapeMlpTensors<T>& t) {
  return {t.w1, t.b1, t.w2, t.b2};
}

}  // namespace

// One query row i at a time, in blocks of whole sequences: the row's kept
// keys of the block's sequences are the columns of per-thread buffers
// [channels, columns]. Each column's MLP is its own fixed chain of
// operations (forward_columns_fixed), so a logit does not depend on the
// batch it is computed in (evaluate()'s sub-batches), nor on the thread.
template <typename T>
void dape_mlp_forward(T* scores, const T* bias, const DapeMlpTensors<T>& weights, int batch, int heads,
                      int seq_len, int width, bool causal) {
  const DapeMlpTensors<const T> w = const_view(weights);
  const size_t tt = static_cast<size_t>(seq_len) * seq_len;
#pragma omp parallel
  {
    BlockBuffers<T> buf(heads, width, seq_len, false);
#pragma omp for schedule(dynamic, 1)
    for (int i = 0; i < seq_len; ++i) {
      const int keys = causal ? i + 1 : seq_len;
      const size_t row = static_cast<size_t>(i) * seq_len;
      for_blocks<T>(batch, keys, [&](const Block& block) {
        gather_columns(buf.inputs.data(), buf.stride, 2 * heads, block, keys, [&](int b, int c) {
          return c < heads ? scores + (static_cast<size_t>(b) * heads + c) * tt + row : bias + (c - heads) * tt + row;
        });
        forward_block_dispatch(buf, block.padded, w, heads, width);
        for (int b = 0; b < block.sequences; ++b)
          for (int a = 0; a < heads; ++a)
            std::copy_n(buf.out.data() + static_cast<size_t>(a) * buf.stride + b * keys, keys,
                        scores + (static_cast<size_t>(block.b0 + b) * heads + a) * tt + row);
      });
    }
  }
}

template <typename T>
void dape_mlp_backward(T* dscores, T* dbias, const DapeMlpTensors<T>& grads, const T* logits, const T* bias,
                       const DapeMlpTensors<T>& weights, int batch, int heads, int seq_len, int width,
                       bool causal) {
  const DapeMlpTensors<const T> w = const_view(weights);
  const size_t tt = static_cast<size_t>(seq_len) * seq_len;
  const size_t slot = slot_size(heads, width);
  std::vector<T> slots(static_cast<size_t>(seq_len) * slot, T(0));  // [T, slot] per query row
#pragma omp parallel
  {
    BlockBuffers<T> buf(heads, width, seq_len, true);
    AlignedBuffer<T> partial(slot * kLanes<T>);  // [slot, lanes] of the current row
#pragma omp for schedule(dynamic, 1)
    for (int i = 0; i < seq_len; ++i) {  // row i of dbias and slot i are this thread's alone
      const int keys = causal ? i + 1 : seq_len;
      const size_t row = static_cast<size_t>(i) * seq_len;
      std::fill(partial.begin(), partial.end(), T(0));
      for_blocks<T>(batch, keys, [&](const Block& block) {
        gather_columns(buf.inputs.data(), buf.stride, 2 * heads, block, keys, [&](int b, int c) {
          return c < heads ? logits + (static_cast<size_t>(b) * heads + c) * tt + row : bias + (c - heads) * tt + row;
        });
        gather_columns(buf.grad.data(), buf.stride, heads, block, keys, [&](int b, int a) {
          return dscores + (static_cast<size_t>(b) * heads + a) * tt + row;
        });
        backward_block_dispatch(buf, partial.data(), block.padded, w, heads, width);
        for (int b = 0; b < block.sequences; ++b)  // in order: dbias sums over the batch
          for (int a = 0; a < heads; ++a) {
            T* dx = dscores + (static_cast<size_t>(block.b0 + b) * heads + a) * tt + row;
            T* dbias_row = dbias + a * tt + row;
            const T* g = buf.grad.data() + static_cast<size_t>(a) * buf.stride + b * keys;
            const T* du_logit = buf.dinputs.data() + static_cast<size_t>(a) * buf.stride + b * keys;
            const T* du_bias = buf.dinputs.data() + static_cast<size_t>(heads + a) * buf.stride + b * keys;
            for (int j = 0; j < keys; ++j) {
              dx[j] = g[j] + du_logit[j];
              dbias_row[j] += g[j] + du_bias[j];
            }
          }
      });
      T* row_slot = slots.data() + i * slot;  // the lanes of each entry, added in lane order
      for (size_t e = 0; e < slot; ++e) {
        T sum = partial[e * kLanes<T>];
        for (int l = 1; l < kLanes<T>; ++l) sum += partial[e * kLanes<T> + l];
        row_slot[e] = sum;
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

void dape_mlp_allow_fixed_head_kernels(bool allow) {
  fixed_head_kernels_allowed.store(allow, std::memory_order_relaxed);
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
