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

// Lanes of the weight gradients' partial sums, and the padding of a block:
// 16 floats (the AVX-512 build's vector), 4 doubles. Column c of a block
// adds into partial lane c mod kLanes whatever the vector width, so the
// AVX-512 build and the default one give the same bits.
template <typename T>
constexpr int kLanes = std::is_same_v<T, float> ? 16 : Simd<T>::lanes;
// The vector type of the default build: one AVX register (8 floats, 4
// doubles). Not 16 floats as two halves: with 16 AVX registers, the
// fixed-head kernels' logits and outputs (and the 4×4 product tiles) would
// then spill on every step.
template <typename T>
using DefaultSimd = Simd<T>;

// What the kernels read, per query row. Columns are (b, j) entries of a
// block, column (b − b0)·keys + j; every buffer is [channels, stride].
template <typename T>
struct RowInputs {
  const DapeMlpTensors<const T>& w;
  int heads, width, stride;
  const T* bias;        // [h, stride] the row's biases, the same for every sequence of a block
  const T* hid_bias;    // [w, stride] b1 + w1[:, h:]·bias: the bias half of the hidden layer
};

// Multiply-adds are S::fma, explicitly fused: the one-column kernels'
// std::fma gives the same bits only if every lane fuses the same operations.
template <typename S, typename T>
[[gnu::always_inline]] inline typename S::V leaky_lanes(typename S::V v) {
  return v > 0 ? v : v * S::broadcast(static_cast<T>(kDapeLeakySlope));
}
// d·act'(pre) lane by lane (act' is 1 or the slope; d·1 is d), from
// act(pre) or pre: act(pre) > 0 exactly where pre > 0, as the slope is positive.
template <typename S, typename T>
[[gnu::always_inline]] inline typename S::V leaky_gradient_lanes(typename S::V d, typename S::V act_or_pre) {
  return act_or_pre > 0 ? d : d * S::broadcast(static_cast<T>(kDapeLeakySlope));
}

// fn(r0, units) over the hidden units [0, width) in groups of kUnitGroup
// (the last ones alone), units a std::integral_constant: the kernels run a
// group's chains side by side, as each is a chain of dependent FMAs whose
// latency one chain alone would wait out.
constexpr int kUnitGroup = 4;
template <typename Fn>
[[gnu::always_inline]] inline void for_unit_groups(int width, Fn&& fn) {
  int r = 0;
  for (; r + kUnitGroup <= width; r += kUnitGroup) fn(r, std::integral_constant<int, kUnitGroup>{});
  for (; r < width; ++r) fn(r, std::integral_constant<int, 1>{});
}

// hid[u] = hid_bias[r0 + u] + Σ_c w1[r0 + u, c]·x[c] for u < R, c ascending,
// one fused chain per unit.
template <typename S, typename T, int H, int R>
[[gnu::always_inline]] inline void hidden_units(typename S::V* hid, const typename S::V* x, const T* w1,
                                                const T* hid_bias, int stride, int r0, int c0) {
  _Pragma("GCC unroll 4") for (int u = 0; u < R; ++u) hid[u] = S::load(hid_bias + (r0 + u) * stride + c0);
  _Pragma("GCC unroll 16") for (int c = 0; c < H; ++c)
    _Pragma("GCC unroll 4") for (int u = 0; u < R; ++u)
      hid[u] = S::fma(x[c], S::broadcast(w1[(r0 + u) * 2 * H + c]), hid[u]);
}

// act[r·act_stride .. + lanes) = act(hid[r]) for every hidden unit r of the
// chunk of columns at c0, with the chunk's x [h, stride] in registers.
template <typename S, typename T, int H>
[[gnu::always_inline]] inline void hidden_layer_chunk(T* act, int act_stride, const T* x_in, const T* w1,
                                                      const T* hid_bias, int stride, int width, int c0) {
  using V = typename S::V;
  V x[H];
  _Pragma("GCC unroll 16") for (int c = 0; c < H; ++c) x[c] = S::load(x_in + c * stride + c0);
  for_unit_groups(width, [&](int r0, auto unit_count) __attribute__((always_inline)) {
    constexpr int units = decltype(unit_count)::value;
    V hid[units];
    hidden_units<S, T, H, units>(hid, x, w1, hid_bias, stride, r0, c0);
    _Pragma("GCC unroll 4") for (int u = 0; u < units; ++u)
      S::store(act + (r0 + u) * act_stride, leaky_lanes<S, T>(hid[u]));
  });
}

// The MLP over a block's columns [0, padded), padded a multiple of the
// lanes. x: [h, stride] logits; out: [h, stride] S. Per column (lane):
//   hid[r] = (b1[r] + Σ_c w1[r,h+c]·bias[c]) + Σ_c w1[r,c]·x[c]   fused chains, c ascending
//            (the first part per key, shared by the batch: hid_bias)
//   f[a]   = b2[a] + Σ_r w2[a,r]·act(hid[r])                       chains over r ascending
//   S[a]   = (x[a] + bias[a]) + f[a]
// With the head count a template argument, x and then f live in registers:
// the hidden layer of a chunk of columns goes to act_chunk [w, lanes] (L1)
// first, so that x and f are never live together (2h vectors would not fit
// in 16 AVX registers).
template <typename T, typename S, int H>
[[gnu::always_inline]] inline void forward_columns_fixed(T* out, T* act_chunk, const T* x_in, int padded,
                                                         const RowInputs<T>& in) {
  using V = typename S::V;
  const int stride = in.stride, width = in.width;
  // Locals: the stores below could otherwise alias `in`, which would be read again after each.
  const T *w1 = in.w.w1, *w2 = in.w.w2, *b2 = in.w.b2, *hid_bias = in.hid_bias, *bias = in.bias;
  for (int c0 = 0; c0 < padded; c0 += S::lanes) {
    hidden_layer_chunk<S, T, H>(act_chunk, S::lanes, x_in, w1, hid_bias, stride, width, c0);
    V f[H];
    _Pragma("GCC unroll 16") for (int a = 0; a < H; ++a) f[a] = S::broadcast(b2[a]);
    for (int r = 0; r < width; ++r) {
      const V act = S::load(act_chunk + r * S::lanes);
      _Pragma("GCC unroll 16") for (int a = 0; a < H; ++a) f[a] = S::fma(act, S::broadcast(w2[a * width + r]), f[a]);
    }
    _Pragma("GCC unroll 16") for (int a = 0; a < H; ++a)
      S::store(out + a * stride + c0, (S::load(x_in + a * stride + c0) + S::load(bias + a * stride + c0)) + f[a]);
  }
}

// The backward's per-column part. x, grad: [h, stride] logits and g = dS;
// out: act [w, stride] act(hid), dhid [w, stride], dx_mlp [h, stride]. Per column:
//   hid as in the forward;  dhid[r] = (Σ_a w2[a,r]·g[a]) · act'(hid[r])  (chain over a from w2[0,r]·g[0])
//   dx_mlp[c] = Σ_r w1[r,c]·dhid[r]                                      (chain over r from w1[0,c]·dhid[0])
// (The biases' half of w1ᵀ·dhid is the same linear map for every sequence,
// so it is applied once per key to the batch's sum of dhid: dape_mlp_backward.)
// Three passes over a chunk, each with one set of h vectors in registers
// (x, then g, then dx_mlp); act'(hid) is read off act, which has hid's sign.
template <typename T, typename S, int H>
[[gnu::always_inline]] inline void backward_columns_fixed(T* act, T* dhid, T* dx_mlp, const T* x_in, const T* grad,
                                                          int padded, const RowInputs<T>& in) {
  using V = typename S::V;
  const int stride = in.stride, width = in.width;
  const T *w1 = in.w.w1, *w2 = in.w.w2, *hid_bias = in.hid_bias;  // locals: see forward_columns_fixed
  for (int c0 = 0; c0 < padded; c0 += S::lanes) {
    hidden_layer_chunk<S, T, H>(act + c0, stride, x_in, w1, hid_bias, stride, width, c0);
    {
      V g[H];
      _Pragma("GCC unroll 16") for (int a = 0; a < H; ++a) g[a] = S::load(grad + a * stride + c0);
      for_unit_groups(width, [&](int r0, auto unit_count) __attribute__((always_inline)) {
        constexpr int units = decltype(unit_count)::value;
        V d[units];
        _Pragma("GCC unroll 4") for (int u = 0; u < units; ++u) d[u] = g[0] * S::broadcast(w2[r0 + u]);
        _Pragma("GCC unroll 16") for (int a = 1; a < H; ++a)
          _Pragma("GCC unroll 4") for (int u = 0; u < units; ++u)
            d[u] = S::fma(g[a], S::broadcast(w2[a * width + r0 + u]), d[u]);
        _Pragma("GCC unroll 4") for (int u = 0; u < units; ++u)
          S::store(dhid + (r0 + u) * stride + c0,
                   leaky_gradient_lanes<S, T>(d[u], S::load(act + (r0 + u) * stride + c0)));
      });
    }
    V du[H];
    const V first = S::load(dhid + c0);
    _Pragma("GCC unroll 16") for (int c = 0; c < H; ++c) du[c] = first * S::broadcast(w1[c]);
    for (int r = 1; r < width; ++r) {
      const V d = S::load(dhid + r * stride + c0);
      _Pragma("GCC unroll 16") for (int c = 0; c < H; ++c) du[c] = S::fma(d, S::broadcast(w1[r * 2 * H + c]), du[c]);
    }
    _Pragma("GCC unroll 16") for (int c = 0; c < H; ++c) S::store(dx_mlp + c * stride + c0, du[c]);
  }
}

// The same two computations for any head count, one column at a time, each
// multiply-add a std::fma: the same operations in the same order, so the
// same bits as the fixed-head kernels (a test compares them).
template <typename T>
void forward_columns_any(T* out, const T* x_in, int padded, const RowInputs<T>& in) {
  const int heads = in.heads, width = in.width, stride = in.stride;
  std::vector<T> f(heads);
  for (int col = 0; col < padded; ++col) {
    for (int a = 0; a < heads; ++a) f[a] = in.w.b2[a];
    for (int r = 0; r < width; ++r) {
      T hid = in.hid_bias[r * stride + col];
      for (int c = 0; c < heads; ++c) hid = std::fma(x_in[c * stride + col], in.w.w1[r * 2 * heads + c], hid);
      const T act = leaky(hid);
      for (int a = 0; a < heads; ++a) f[a] = std::fma(act, in.w.w2[a * width + r], f[a]);
    }
    for (int a = 0; a < heads; ++a) out[a * stride + col] = (x_in[a * stride + col] + in.bias[a * stride + col]) + f[a];
  }
}

template <typename T>
void backward_columns_any(T* act, T* dhid, T* dx_mlp, const T* x_in, const T* grad, int padded,
                          const RowInputs<T>& in) {
  const int heads = in.heads, width = in.width, stride = in.stride;
  const T* w1 = in.w.w1;
  std::vector<T> d(width);
  for (int col = 0; col < padded; ++col) {
    for (int r = 0; r < width; ++r) {
      T hid = in.hid_bias[r * stride + col];
      for (int c = 0; c < heads; ++c) hid = std::fma(x_in[c * stride + col], w1[r * 2 * heads + c], hid);
      act[r * stride + col] = leaky(hid);
      T sum = grad[col] * in.w.w2[r];
      for (int a = 1; a < heads; ++a) sum = std::fma(grad[a * stride + col], in.w.w2[a * width + r], sum);
      d[r] = sum * leaky_slope(hid);
      dhid[r * stride + col] = d[r];
    }
    for (int c = 0; c < heads; ++c) {
      T du = d[0] * w1[c];
      for (int r = 1; r < width; ++r) du = std::fma(d[r], w1[r * 2 * heads + c], du);
      dx_mlp[c * stride + col] = du;
    }
  }
}

std::atomic<bool> fixed_head_kernels_allowed{true};  // tests switch them off to compare

template <typename T, typename S>
[[gnu::always_inline]] inline void forward_columns(T* out, T* act_chunk, const T* x, int padded,
                                                   const RowInputs<T>& in) {
  switch (fixed_head_kernels_allowed.load(std::memory_order_relaxed) ? in.heads : 0) {
    case 1: return forward_columns_fixed<T, S, 1>(out, act_chunk, x, padded, in);
    case 2: return forward_columns_fixed<T, S, 2>(out, act_chunk, x, padded, in);
    case 4: return forward_columns_fixed<T, S, 4>(out, act_chunk, x, padded, in);
    case 8: return forward_columns_fixed<T, S, 8>(out, act_chunk, x, padded, in);
    case 16: return forward_columns_fixed<T, S, 16>(out, act_chunk, x, padded, in);
    default: return forward_columns_any(out, x, padded, in);
  }
}

template <typename T, typename S>
[[gnu::always_inline]] inline void backward_columns(T* act, T* dhid, T* dx_mlp, const T* x, const T* grad,
                                                    int padded, const RowInputs<T>& in) {
  switch (fixed_head_kernels_allowed.load(std::memory_order_relaxed) ? in.heads : 0) {
    case 1: return backward_columns_fixed<T, S, 1>(act, dhid, dx_mlp, x, grad, padded, in);
    case 2: return backward_columns_fixed<T, S, 2>(act, dhid, dx_mlp, x, grad, padded, in);
    case 4: return backward_columns_fixed<T, S, 4>(act, dhid, dx_mlp, x, grad, padded, in);
    case 8: return backward_columns_fixed<T, S, 8>(act, dhid, dx_mlp, x, grad, padded, in);
    case 16: return backward_columns_fixed<T, S, 16>(act, dhid, dx_mlp, x, grad, padded, in);
    default: return backward_columns_any(act, dhid, dx_mlp, x, grad, padded, in);
  }
}

// hid_bias[r, j] = b1[r] + Σ_c w1[r,h+c]·bias[c, j] for the columns [0, padded),
// one fused chain per entry, c ascending.  bias: [h, stride], hid_bias: [w, stride].
template <typename T, typename S>
[[gnu::always_inline]] inline void hidden_bias_columns(T* hid_bias, const T* bias, int padded,
                                                       const DapeMlpTensors<const T>& w, int heads, int width,
                                                       int stride) {
  for (int r = 0; r < width; ++r)
    for (int c0 = 0; c0 < padded; c0 += S::lanes) {
      typename S::V acc = S::broadcast(w.b1[r]);
      for (int c = 0; c < heads; ++c)
        acc = S::fma(S::load(bias + c * stride + c0), S::broadcast(w.w1[r * 2 * heads + heads + c]), acc);
      S::store(hid_bias + r * stride + c0, acc);
    }
}

// partial[m·ldp + n, lane] += Σ over the column chunks of a[m]·b[n] lane by
// lane: a: [M, stride], b: [N, stride], columns [0, padded), kLanes columns
// to a chunk and kLanes lanes to an entry. Each output lane is one chain
// over the chunks in order, continued from block to block: the weight
// gradients' summation order is fixed by the batch and the lengths alone.
// A vector narrower than kLanes takes the entry's lanes part by part.
// Tiles of RM×RN outputs share their loads.
template <typename T, typename S, int RM, int RN>
[[gnu::always_inline]] inline void product_tile(T* partial, int ldp, const T* a, const T* b, int m0, int n0,
                                                int stride, int padded) {
  using V = typename S::V;
  for (int lane0 = 0; lane0 < kLanes<T>; lane0 += S::lanes) {
    V acc[RM][RN];
    auto at = [&](int m, int n) {
      return partial + (static_cast<size_t>(m0 + m) * ldp + n0 + n) * kLanes<T> + lane0;
    };
    _Pragma("GCC unroll 4") for (int m = 0; m < RM; ++m)
      _Pragma("GCC unroll 4") for (int n = 0; n < RN; ++n) acc[m][n] = S::load(at(m, n));
    for (int c0 = lane0; c0 < padded; c0 += kLanes<T>) {
      V x[RM], y[RN];
      _Pragma("GCC unroll 4") for (int m = 0; m < RM; ++m) x[m] = S::load(a + (m0 + m) * stride + c0);
      _Pragma("GCC unroll 4") for (int n = 0; n < RN; ++n) y[n] = S::load(b + (n0 + n) * stride + c0);
      _Pragma("GCC unroll 4") for (int m = 0; m < RM; ++m)
        _Pragma("GCC unroll 4") for (int n = 0; n < RN; ++n) acc[m][n] = S::fma(x[m], y[n], acc[m][n]);
    }
    _Pragma("GCC unroll 4") for (int m = 0; m < RM; ++m)
      _Pragma("GCC unroll 4") for (int n = 0; n < RN; ++n) S::store(at(m, n), acc[m][n]);
  }
}

// Tiles of 4×4 outputs with 32 vector registers (AVX-512), 2×4 with 16.
template <typename T, typename S>
[[gnu::always_inline]] inline void accumulate_products(T* partial, int ldp, const T* a, const T* b, int M, int N,
                                                       int stride, int padded) {
  constexpr int RM = sizeof(typename S::V) >= 64 ? 4 : 2, RN = 4;
  const int M_tiled = M - M % RM, N_tiled = N - N % RN;
  for (int m = 0; m < M_tiled; m += RM)
    for (int n = 0; n < N_tiled; n += RN) product_tile<T, S, RM, RN>(partial, ldp, a, b, m, n, stride, padded);
  for (int m = 0; m < M; ++m)  // the outputs the tiles left
    for (int n = m < M_tiled ? N_tiled : 0; n < N; ++n)
      product_tile<T, S, 1, 1>(partial, ldp, a, b, m, n, stride, padded);
}

// partial[m, lane] += a[m] over the chunks, lane by lane (entries as above).
template <typename T, typename S>
[[gnu::always_inline]] inline void accumulate_sums(T* partial, const T* a, int M, int stride, int padded) {
  for (int m = 0; m < M; ++m)
    for (int lane0 = 0; lane0 < kLanes<T>; lane0 += S::lanes) {
      T* entry = partial + m * kLanes<T> + lane0;
      typename S::V acc = S::load(entry);
      for (int c0 = lane0; c0 < padded; c0 += kLanes<T>) acc = acc + S::load(a + m * stride + c0);
      S::store(entry, acc);
    }
}

// Where each tensor starts in one query row's packed weight gradients
// [w1 | b1 | w2 | b2], each entry `lanes` wide (the lane partials; 1 for the
// row slots), and the packed size in entries.
struct SlotOffsets {
  size_t w1, b1, w2, b2;
  SlotOffsets(int heads, int width, int lanes = 1)
      : w1(0), b1(w1 + 2 * static_cast<size_t>(heads) * width * lanes),
        w2(b1 + static_cast<size_t>(width) * lanes), b2(w2 + static_cast<size_t>(heads) * width * lanes) {}
};
size_t slot_size(int heads, int width) { return static_cast<size_t>(3 * heads * width + width + heads); }

// Per-thread buffers, [channels, stride] each. They live as long as the
// thread and only grow: allocating them per call cost page faults on every
// layer, which two threads then wait on together.
template <typename T>
struct RowBuffers {
  int stride = 0;
  AlignedBuffer<T> bias, hid_bias;                    // the row's, for a whole block
  AlignedBuffer<T> x, grad, out, act, dhid, dx_mlp;   // the current block's
  AlignedBuffer<T> dhid_sum, grad_sum;                // [w | h, stride] sums over the batch, per key
  AlignedBuffer<T> partial;                           // [slot, lanes] the current row's weight gradients
  AlignedBuffer<T> act_chunk;                         // [w, lanes] the forward's hidden layer of one chunk
  // This thread's buffers, sized for a pass.
  static RowBuffers& for_pass(int heads, int width, int seq_len, bool backward) {
    static thread_local RowBuffers buffers;
    buffers.stride = round_up(std::max(kBlockColumns, seq_len), kLanes<T>);
    const size_t per_head = static_cast<size_t>(heads) * buffers.stride;
    const size_t per_unit = static_cast<size_t>(width) * buffers.stride;
    for (auto* b : {&buffers.bias, &buffers.x, &buffers.grad, &buffers.out, &buffers.dx_mlp, &buffers.grad_sum})
      grow(*b, per_head);
    for (auto* b : {&buffers.hid_bias, &buffers.act, &buffers.dhid, &buffers.dhid_sum}) grow(*b, per_unit);
    grow(buffers.act_chunk, static_cast<size_t>(width) * kLanes<T>);
    if (backward) grow(buffers.partial, slot_size(heads, width) * kLanes<T>);
    return buffers;
  }

 private:
  static void grow(AlignedBuffer<T>& b, size_t n) {
    if (b.size() < n) b.resize(n);
  }
};

// All the vector work of one backward block: the per-column part, then its
// columns' contributions to the weight gradients' lane partials (the bias
// half of w1 and b1 come from the per-key sums at the row's end).
template <typename T, typename S>
[[gnu::always_inline]] inline void backward_block(RowBuffers<T>& buf, T* partial, int padded, const RowInputs<T>& in) {
  const int stride = buf.stride, heads = in.heads, width = in.width;
  backward_columns<T, S>(buf.act.data(), buf.dhid.data(), buf.dx_mlp.data(), buf.x.data(), buf.grad.data(), padded,
                         in);
  const SlotOffsets at(heads, width, kLanes<T>);
  accumulate_products<T, S>(partial + at.w1, 2 * heads, buf.dhid.data(), buf.x.data(), width, heads, stride, padded);
  accumulate_products<T, S>(partial + at.w2, width, buf.grad.data(), buf.act.data(), heads, width, stride, padded);
  accumulate_sums<T, S>(partial + at.b2, buf.grad.data(), heads, stride, padded);
}

// The row's end: the bias half of w1's gradient and b1's from the per-key
// sums of dhid over the batch (keys [0, padded)).
template <typename T, typename S>
[[gnu::always_inline]] inline void backward_row_end(RowBuffers<T>& buf, T* partial, int padded,
                                                    const RowInputs<T>& in) {
  const SlotOffsets at(in.heads, in.width, kLanes<T>);
  accumulate_products<T, S>(partial + at.w1 + static_cast<size_t>(in.heads) * kLanes<T>, 2 * in.heads,
                            buf.dhid_sum.data(), buf.bias.data(), in.width, in.heads, buf.stride, padded);
  accumulate_sums<T, S>(partial + at.b1, buf.dhid_sum.data(), in.width, buf.stride, padded);
}

#ifdef PEBENCH_AVX512_KERNELS
[[gnu::target("avx512f"), gnu::flatten]] void hidden_bias_columns_avx512(float* hid_bias, const float* bias, int padded,
                                                                        const DapeMlpTensors<const float>& w, int heads,
                                                                        int width, int stride) {
  hidden_bias_columns<float, Simd16>(hid_bias, bias, padded, w, heads, width, stride);
}
[[gnu::target("avx512f"), gnu::flatten]] void forward_columns_avx512(float* out, float* act_chunk, const float* x,
                                                                    int padded, const RowInputs<float>& in) {
  forward_columns<float, Simd16>(out, act_chunk, x, padded, in);
}
[[gnu::target("avx512f"), gnu::flatten]] void backward_block_avx512(RowBuffers<float>& buf, float* partial,
                                                                   int padded, const RowInputs<float>& in) {
  backward_block<float, Simd16>(buf, partial, padded, in);
}
[[gnu::target("avx512f"), gnu::flatten]] void backward_row_end_avx512(RowBuffers<float>& buf, float* partial,
                                                                     int padded, const RowInputs<float>& in) {
  backward_row_end<float, Simd16>(buf, partial, padded, in);
}
#else
// Never called: avx512_kernels_enabled() is false.
void hidden_bias_columns_avx512(float*, const float*, int, const DapeMlpTensors<const float>&, int, int, int) {}
void forward_columns_avx512(float*, float*, const float*, int, const RowInputs<float>&) {}
void backward_block_avx512(RowBuffers<float>&, float*, int, const RowInputs<float>&) {}
void backward_row_end_avx512(RowBuffers<float>&, float*, int, const RowInputs<float>&) {}
#endif

// The four vector steps, each in the AVX-512 build where the CPU has it.
template <typename T>
void run_hidden_bias_columns(T* hid_bias, const T* bias, int padded, const DapeMlpTensors<const T>& w, int heads,
                             int width, int stride) {
  if constexpr (std::is_same_v<T, float>)
    if (avx512_kernels_enabled()) return hidden_bias_columns_avx512(hid_bias, bias, padded, w, heads, width, stride);
  hidden_bias_columns<T, DefaultSimd<T>>(hid_bias, bias, padded, w, heads, width, stride);
}
template <typename T>
void run_forward_columns(T* out, T* act_chunk, const T* x, int padded, const RowInputs<T>& in) {
  if constexpr (std::is_same_v<T, float>)
    if (avx512_kernels_enabled()) return forward_columns_avx512(out, act_chunk, x, padded, in);
  forward_columns<T, DefaultSimd<T>>(out, act_chunk, x, padded, in);
}
template <typename T>
void run_backward_block(RowBuffers<T>& buf, T* partial, int padded, const RowInputs<T>& in) {
  if constexpr (std::is_same_v<T, float>)
    if (avx512_kernels_enabled()) return backward_block_avx512(buf, partial, padded, in);
  backward_block<T, DefaultSimd<T>>(buf, partial, padded, in);
}
template <typename T>
void run_backward_row_end(RowBuffers<T>& buf, T* partial, int padded, const RowInputs<T>& in) {
  if constexpr (std::is_same_v<T, float>)
    if (avx512_kernels_enabled()) return backward_row_end_avx512(buf, partial, padded, in);
  backward_row_end<T, DefaultSimd<T>>(buf, partial, padded, in);
}

// The blocks of a query row with `keys` kept keys: whole sequences
// [b0, b0 + sequences), `columns` of them, `padded` to the lanes.
struct Block {
  int b0, sequences, columns, padded;
};
int sequences_per_block(int keys) { return std::max(1, kBlockColumns / keys); }
template <typename T, typename Fn>
void for_blocks(int batch, int keys, Fn fn) {
  const int per_block = sequences_per_block(keys);
  for (int b0 = 0; b0 < batch; b0 += per_block) {
    const int sequences = std::min(per_block, batch - b0), columns = sequences * keys;
    fn(Block{b0, sequences, columns, round_up(columns, kLanes<T>)});
  }
}

// dst [channels, stride]: channel c, column (b − b0)·keys + j = row(b, c)[j];
// the padding columns zero.
template <typename T, typename Row>
void gather_columns(T* dst, int stride, int channels, const Block& block, int keys, Row row, int prefetch_ahead = 0) {
  constexpr int kLine = 64 / sizeof(T);
  for (int c = 0; c < channels; ++c) {
    T* d = dst + static_cast<size_t>(c) * stride;
    for (int b = 0; b < block.sequences; ++b) {
      const T* src = row(block.b0 + b, c);
      if (prefetch_ahead)
        for (int e = 0; e <= keys; e += kLine) __builtin_prefetch(src + prefetch_ahead + e, 0, 2);
      std::copy_n(src, keys, d + b * keys);
    }
    std::fill(d + block.columns, d + block.padded, T(0));
  }
}

// The row's bias and hid_bias for a whole block (every block's columns start
// alike): computed for the row's keys, then repeated for each sequence.
template <typename T>
void prepare_row(RowBuffers<T>& buf, const T* bias_row, size_t tt, int batch, int keys,
                 const DapeMlpTensors<const T>& w, int heads, int width) {
  const int sequences = std::min(batch, sequences_per_block(keys));
  const Block block{0, sequences, sequences * keys, round_up(sequences * keys, kLanes<T>)};
  gather_columns(buf.bias.data(), buf.stride, heads, block, keys, [&](int, int c) { return bias_row + c * tt; });
  run_hidden_bias_columns(buf.hid_bias.data(), buf.bias.data(), round_up(keys, kLanes<T>), w, heads, width,
                          buf.stride);
  for (int r = 0; r < width; ++r) {
    T* row = buf.hid_bias.data() + static_cast<size_t>(r) * buf.stride;
    for (int b = 1; b < sequences; ++b) std::copy_n(row, keys, row + b * keys);
    std::fill(row + block.columns, row + block.padded, T(0));
  }
}

// Where query row i's saved inputs start: rows in order, each the row's
// blocks in order, each [h, columns] (its channels' columns, unpadded).
size_t saved_row_offset(int i, int batch, int heads, int seq_len, bool causal) {
  const size_t keys_before = causal ? static_cast<size_t>(i) * (i + 1) / 2 : static_cast<size_t>(i) * seq_len;
  return keys_before * batch * heads;
}

// Where channel c of a block starts in a row's saved inputs: the row's
// blocks in order (a block starts heads·b0·keys in), each [h, columns].
template <typename T>
T* saved_block_channel(T* saved_row, int heads, const Block& block, int keys, int c) {
  return saved_row + static_cast<size_t>(heads) * block.b0 * keys + static_cast<size_t>(c) * block.columns;
}
// The block's kernel buffer x [h, stride] into the saved layout.
template <typename T>
void save_block_inputs(T* saved_row, const T* x, int stride, int heads, const Block& block, int keys) {
  for (int c = 0; c < heads; ++c)
    std::copy_n(x + static_cast<size_t>(c) * stride, block.columns,
                saved_block_channel(saved_row, heads, block, keys, c));
}

template <typename T>
DapeMlpTensors<const T> const_view(const DapeMlpTensors<T>& t) {
  return {t.w1, t.b1, t.w2, t.b2};
}

// Adds the row slots, in row order, into the flat gradients. Each thread owns entries.
template <typename T>
void reduce_slots(const DapeMlpTensors<T>& grads, const std::vector<T>& slots, int rows, int heads, int width) {
  const size_t size = slot_size(heads, width);
  const SlotOffsets at(heads, width);
#pragma omp parallel for schedule(static)
  for (size_t e = 0; e < size; ++e) {
    T sum = 0;
    for (int r = 0; r < rows; ++r) sum += slots[r * size + e];
    if (e < at.b1) grads.w1[e - at.w1] += sum;
    else if (e < at.w2) grads.b1[e - at.b1] += sum;
    else if (e < at.b2) grads.w2[e - at.w2] += sum;
    else grads.b2[e - at.b2] += sum;
  }
}

}  // namespace

// One query row i at a time, in blocks of whole sequences: the row's kept
// keys of the block's sequences are the columns of per-thread buffers
// [channels, columns]. Each column's MLP is its own fixed chain of
// operations (forward_columns_fixed), so a logit does not depend on the
// batch it is computed in (evaluate()'s sub-batches), nor on the thread.
template <typename T>
void dape_mlp_forward(T* scores, const T* bias, const DapeMlpTensors<T>& weights, int batch, int heads,
                      int seq_len, int width, bool causal, T* saved_inputs) {
  const DapeMlpTensors<const T> w = const_view(weights);
  const size_t tt = static_cast<size_t>(seq_len) * seq_len;
#pragma omp parallel
  {
    RowBuffers<T>& buf = RowBuffers<T>::for_pass(heads, width, seq_len, false);
    const RowInputs<T> in{w, heads, width, buf.stride, buf.bias.data(), buf.hid_bias.data()};
#pragma omp for schedule(dynamic, 1)
    for (int i = 0; i < seq_len; ++i) {
      const int keys = causal ? i + 1 : seq_len;
      const size_t row = static_cast<size_t>(i) * seq_len;
      prepare_row(buf, bias + row, tt, batch, keys, w, heads, width);
      for_blocks<T>(batch, keys, [&](const Block& block) {
        gather_columns(buf.x.data(), buf.stride, heads, block, keys,
                       [&](int b, int c) { return scores + (static_cast<size_t>(b) * heads + c) * tt + row; }, seq_len);
        if (saved_inputs)
          save_block_inputs(saved_inputs + saved_row_offset(i, batch, heads, seq_len, causal), buf.x.data(),
                            buf.stride, heads, block, keys);
        run_forward_columns(buf.out.data(), buf.act_chunk.data(), buf.x.data(), block.padded, in);
        for (int b = 0; b < block.sequences; ++b)
          for (int a = 0; a < heads; ++a)
            std::copy_n(buf.out.data() + static_cast<size_t>(a) * buf.stride + b * keys, keys,
                        scores + (static_cast<size_t>(block.b0 + b) * heads + a) * tt + row);
      });
    }
  }
}

// As the forward, and per key the sums over the batch of dhid and g: the
// bias half of the MLP's input gradient, w1[:, h:]ᵀ·Σ_b dhid, reaches dbias
// once per key, with Σ_b g; the bias half of w1's gradient and b1's come from
// the same sums (backward_row_end).
template <typename T>
void dape_mlp_backward(T* dscores, T* dbias, const DapeMlpTensors<T>& grads, const T* logits, const T* bias,
                       const DapeMlpTensors<T>& weights, int batch, int heads, int seq_len, int width,
                       bool causal, const T* saved_inputs) {
  const DapeMlpTensors<const T> w = const_view(weights);
  const size_t tt = static_cast<size_t>(seq_len) * seq_len;
  const size_t slot = slot_size(heads, width);
  std::vector<T> slots(static_cast<size_t>(seq_len) * slot, T(0));  // [T, slot] per query row
#pragma omp parallel
  {
    RowBuffers<T>& buf = RowBuffers<T>::for_pass(heads, width, seq_len, true);
    const RowInputs<T> in{w, heads, width, buf.stride, buf.bias.data(), buf.hid_bias.data()};
    T* partial = buf.partial.data();  // [slot, lanes] of the current row
#pragma omp for schedule(dynamic, 1)
    for (int i = 0; i < seq_len; ++i) {  // row i of dbias and slot i are this thread's alone
      const int keys = causal ? i + 1 : seq_len, key_columns = round_up(keys, kLanes<T>);
      const size_t row = static_cast<size_t>(i) * seq_len;
      prepare_row(buf, bias + row, tt, batch, keys, w, heads, width);
      std::fill_n(partial, slot * kLanes<T>, T(0));
      std::fill_n(buf.dhid_sum.data(), static_cast<size_t>(width) * buf.stride, T(0));
      std::fill_n(buf.grad_sum.data(), static_cast<size_t>(heads) * buf.stride, T(0));
      for_blocks<T>(batch, keys, [&](const Block& block) {
        if (saved_inputs) {
          const T* saved_row = saved_inputs + saved_row_offset(i, batch, heads, seq_len, causal);
          gather_columns(buf.x.data(), buf.stride, heads, block, keys, [&](int b, int c) {
            return saved_block_channel(saved_row, heads, block, keys, c) + static_cast<size_t>(b - block.b0) * keys;
          });
        } else
          gather_columns(buf.x.data(), buf.stride, heads, block, keys,
                         [&](int b, int c) { return logits + (static_cast<size_t>(b) * heads + c) * tt + row; },
                         seq_len);
        gather_columns(buf.grad.data(), buf.stride, heads, block, keys,
                       [&](int b, int a) { return dscores + (static_cast<size_t>(b) * heads + a) * tt + row; },
                       seq_len);
        run_backward_block(buf, partial, block.padded, in);
        for (int b = 0; b < block.sequences; ++b) {  // in order: the per-key sums run over the batch
          for (int a = 0; a < heads; ++a) {
            T* dx = dscores + (static_cast<size_t>(block.b0 + b) * heads + a) * tt + row;
            const T* g = buf.grad.data() + static_cast<size_t>(a) * buf.stride + b * keys;
            const T* du = buf.dx_mlp.data() + static_cast<size_t>(a) * buf.stride + b * keys;
            T* g_sum = buf.grad_sum.data() + static_cast<size_t>(a) * buf.stride;
            for (int j = 0; j < keys; ++j) {
              dx[j] = g[j] + du[j];
              g_sum[j] += g[j];
            }
          }
          for (int r = 0; r < width; ++r) {
            const T* d = buf.dhid.data() + static_cast<size_t>(r) * buf.stride + b * keys;
            T* d_sum = buf.dhid_sum.data() + static_cast<size_t>(r) * buf.stride;
            for (int j = 0; j < keys; ++j) d_sum[j] += d[j];
          }
        }
      });
      // dbias[c, j] += Σ_b g + Σ_r w1[r,h+c]·Σ_b dhid[r]  (chain over r from r = 0),
      // the keys side by side (buf.out, unused by the backward, holds the chains).
      T* du = buf.out.data();
      for (int c = 0; c < heads; ++c) {
        T* dbias_row = dbias + c * tt + row;
        const T* g_sum = buf.grad_sum.data() + static_cast<size_t>(c) * buf.stride;
        const T* dhid_sum = buf.dhid_sum.data();
        for (int j = 0; j < keys; ++j) du[j] = dhid_sum[j] * w.w1[heads + c];
        for (int r = 1; r < width; ++r) {
          const T weight = w.w1[r * 2 * heads + heads + c];
          const T* d = dhid_sum + static_cast<size_t>(r) * buf.stride;
          for (int j = 0; j < keys; ++j) du[j] = std::fma(d[j], weight, du[j]);
        }
        for (int j = 0; j < keys; ++j) dbias_row[j] += g_sum[j] + du[j];
      }
      run_backward_row_end(buf, partial, key_columns, in);
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

size_t dape_mlp_saved_inputs_size(int batch, int heads, int seq_len, bool causal) {
  return saved_row_offset(seq_len, batch, heads, seq_len, causal);
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

#define PEBENCH_INSTANTIATE_DAPE(T)                                                                        \
  template void dape_mlp_forward<T>(T*, const T*, const DapeMlpTensors<T>&, int, int, int, int, bool, T*); \
  template void dape_mlp_backward<T>(T*, T*, const DapeMlpTensors<T>&, const T*, const T*,                 \
                                     const DapeMlpTensors<T>&, int, int, int, int, bool, const T*);        \
  template void dape_mlp_forward_reference<T>(T*, const T*, const DapeMlpTensors<T>&, int, int, int, int,  \
                                              bool);                                                       \
  template void dape_mlp_backward_reference<T>(T*, T*, const DapeMlpTensors<T>&, const T*, const T*,       \
                                               const DapeMlpTensors<T>&, int, int, int, int, bool);
PEBENCH_INSTANTIATE_DAPE(float)
PEBENCH_INSTANTIATE_DAPE(double)

}  // namespace pebench
