#include "models/layers.hpp"

// The wide vectors (models/simd.hpp) never cross a call boundary.
#pragma GCC diagnostic ignored "-Wpsabi"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "models/aligned_buffer.hpp"
#include "models/eigen.hpp"
#include "models/matrix.hpp"
#include "models/lanes_avx512.hpp"
#include "models/simd.hpp"

#include "common/rng.hpp"
#include "models/vector_math.hpp"

namespace pebench {
namespace {

// Work-unit sizes. They fix how every reduction is grouped, so they must never
// depend on the thread count (see the header).
constexpr int kColumnBlock = 16;          // channels per unit of a column reduction
constexpr int kWeightGradRows = 512;      // rows per partial sum of a weight gradient
constexpr int kWeightGradChannels = 64;   // output channels per weight-gradient unit
constexpr int kQueryBlock = 64;           // query rows per attention block (a [64,T] slice stays in L2)
constexpr double kLayerNormEps = 1e-5;    // Haiku/PyTorch default

// Below this much work (about one multiply-add per unit) a kernel runs on
// the calling thread: forking and joining would cost more than it saves, and
// on a busy machine a barrier can wait a whole time slice for a descheduled
// thread. Results do not change: the work units are the same either way.
constexpr size_t kMinParallelWork = size_t(1) << 15;
// Never inside a parallel region: a kernel called from another's unit (a
// linear layer's row-block hook) runs on that unit's thread.
inline bool parallel_worthwhile(size_t work) { return work >= kMinParallelWork && !omp_in_parallel(); }

// unit(i) for i in [0, units): a parallel loop if `work` is worth it, else
// a plain loop on this thread. (A region with a false if clause still
// builds a team of one, microseconds per call, which a row-block hook would
// pay on every block.)
template <typename Unit>
void for_units(long units, size_t work, Unit unit) {
  if (!parallel_worthwhile(work)) {
    for (long i = 0; i < units; ++i) unit(i);
    return;
  }
#pragma omp parallel for schedule(static)
  for (long i = 0; i < units; ++i) unit(i);
}

int ceil_div(int a, int b) { return (a + b - 1) / b; }

std::atomic<bool> avx512_kernels_allowed{true};

// Scratch that lives as long as the thread; grows only, so the steady state
// allocates nothing. Contents are unspecified on entry. Each caller uses its
// own Slot so two kernels never share a buffer.
enum class Slot {
  weight_partials,
  transposed_weight,
  attention_dprobs,
  attention_transposed,
  attention_unit_scores,
  dropout_uniforms
};
template <typename T, Slot slot>
T* scratch(size_t n) {
  static thread_local AlignedBuffer<T> buffer;
  if (buffer.size() < n) buffer.resize(n);
  return buffer.data();
}

// yt[e, j] = y[j, e] for j < cols, 0 for cols <= j < padded. y: [cols, d], yt: [d, padded].
template <typename T>
void transpose_padded(T* yt, const T* y, int cols, int padded, int d) {
  for (int e = 0; e < d; ++e) {
    T* row = yt + static_cast<size_t>(e) * padded;
    for (int j = 0; j < cols; ++j) row[j] = y[static_cast<size_t>(j) * d + e];
    std::fill(row + cols, row + padded, T(0));
  }
}

}  // namespace

// ---------------------------------------------------------------- embedding

template <typename T>
void embedding_forward(T* out, const int* tokens, const T* table, T scale, int N, int C) {
#pragma omp parallel for schedule(static) if (parallel_worthwhile(size_t(N) * C))
  for (int n = 0; n < N; ++n) {
    const T* row = table + static_cast<size_t>(tokens[n]) * C;
    T* o = out + static_cast<size_t>(n) * C;
    for (int c = 0; c < C; ++c) o[c] = scale * row[c];
  }
}

// Threads own column blocks and walk the rows in order, so repeated tokens add
// up in the same order for any thread count.
template <typename T>
void embedding_backward(T* dtable, const T* dout, const int* tokens, T scale, int N, int C) {
#pragma omp parallel for schedule(static) if (parallel_worthwhile(size_t(N) * C))
  for (int block = 0; block < ceil_div(C, kColumnBlock); ++block) {
    const int c0 = block * kColumnBlock, c1 = std::min(C, c0 + kColumnBlock);
    for (int n = 0; n < N; ++n) {
      T* d = dtable + static_cast<size_t>(tokens[n]) * C;
      const T* g = dout + static_cast<size_t>(n) * C;
      for (int c = c0; c < c1; ++c) d[c] += scale * g[c];
    }
  }
}

// ---------------------------------------------------------------- linear

void for_row_blocks(int N, int block_rows, size_t work, const RowBlockHook& body) {
#pragma omp parallel for schedule(static) if (parallel_worthwhile(work))
  for (int unit = 0; unit < ceil_div(N, block_rows); ++unit) {
    const int r0 = unit * block_rows;
    body(r0, std::min(block_rows, N - r0));
  }
}

template <typename T>
void linear_transpose_weight(T* weight_t, const T* weight, int IC, int OC) {
  transpose_padded(weight_t, weight, OC, OC, IC);
}

template <typename T>
const Bf16Matrix* linear_pack_weight(Bf16Matrix& packed, const T* weight_t, int IC, int OC, Precision precision) {
  if constexpr (std::is_same_v<T, float>) {
    if (precision == Precision::bf16) {
      packed.pack({weight_t, OC, 1}, IC, OC);
      return &packed;
    }
  }
  return nullptr;
}

template <typename T>
void linear_rows_forward(T* out, const T* in, const T* weight_t, const T* bias, int rows, int IC, int OC,
                         const Bf16Matrix* bf16_weight) {
  const auto X = matrix(in, rows, IC, IC);          // [rows,IC]
  const auto Wt = matrix(weight_t, IC, OC, OC);     // [IC,OC]
  auto Y = matrix(out, rows, OC, OC);               // [rows,OC]
  if (!bf16_weight) multiply(Y, X, Wt, T(1), Write::assign);
  else if constexpr (std::is_same_v<T, float>) gemm_bf16(out, OC, {in, IC, 1}, *bf16_weight, rows, false);
  if (bias) Y.rowwise() += Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>(bias, OC);
}

template <typename T>
void linear_forward(T* out, const T* in, const T* weight, const T* bias, int N, int IC, int OC,
                    int block_rows, const RowBlockHook& before, const RowBlockHook& after, Precision precision) {
  // Wᵀ with contiguous rows, built once here rather than by every row block's
  // product (multiply's packing-free kernel needs them; the values, and so
  // the result, are the same).
  T* weight_t = scratch<T, Slot::transposed_weight>(static_cast<size_t>(IC) * OC);  // [IC,OC]
  linear_transpose_weight(weight_t, weight, IC, OC);
  static thread_local Bf16Matrix packed;  // weight_t in bfloat16, read by every block
  const Bf16Matrix* bf16_weight = linear_pack_weight(packed, static_cast<const T*>(weight_t), IC, OC, precision);
  for_row_blocks(N, block_rows, size_t(N) * IC * OC, [&](int r0, int rows) {
    if (before) before(r0, rows);
    linear_rows_forward(out + static_cast<size_t>(r0) * OC, in + static_cast<size_t>(r0) * IC, weight_t, bias, rows,
                        IC, OC, bf16_weight);
    if (after) after(r0, rows);
  });
}

namespace {
// One unit of the weight gradient: rows [r0, r0 + rows) and output channels
// [o0, o0 + channels), written (not added) into this row block's partial
// [OC·IC weights, then OC biases].
template <typename T>
void linear_weight_partial(T* partial, const T* dout, const T* in, int r0, int rows, int o0, int channels, int IC,
                           int OC, Precision precision) {
  const auto G = matrix(dout + static_cast<size_t>(r0) * OC + o0, rows, channels, OC);  // [rows,channels]
  const auto X = matrix(in + static_cast<size_t>(r0) * IC, rows, IC, IC);              // [rows,IC]
  multiply_at(precision, matrix(partial + static_cast<size_t>(o0) * IC, channels, IC, IC), G.transpose(), X,
              Write::assign);
  T* bias_partial = partial + static_cast<size_t>(OC) * IC + o0;  // [channels]
  std::fill_n(bias_partial, channels, T(0));
  for (int r = 0; r < rows; ++r) {
    const T* g = dout + static_cast<size_t>(r0 + r) * OC + o0;
    for (int c = 0; c < channels; ++c) bias_partial[c] += g[c];
  }
}

// din[rows,IC] (+)= dout[rows,OC]·W[OC,IC], one row block; in bfloat16 with W packed where bf16_weight is given.
template <typename T, typename Weight>
void input_gradient_rows(T* din, const T* dout, const Weight& W, const Bf16Matrix* bf16_weight, int rows, int IC,
                         int OC, Write write) {
  if constexpr (std::is_same_v<T, float>) {
    if (bf16_weight) return gemm_bf16(din, IC, {dout, OC, 1}, *bf16_weight, rows, write == Write::accumulate);
  }
  multiply(matrix(din, rows, IC, IC), matrix(dout, rows, OC, OC), W, T(1), write);
}
}  // namespace

// din: row blocks. dweight/dbias: the row dimension is a reduction, so each
// unit (row block, output-channel block) writes a partial sum, and the
// partials are added in row-block order afterwards. All three run in one
// parallel region (a region costs a wake-up of the workers): the din blocks
// and the partials are independent, so only the final sum waits for them.
template <typename T>
void linear_backward(T* din, T* dweight, T* dbias, const T* dout, const T* in, const T* weight, int N,
                     int IC, int OC, int block_rows, Write din_write, Precision precision) {
  const auto W = matrix(weight, OC, IC, IC);  // [OC,IC]
  const int row_blocks = ceil_div(N, kWeightGradRows);
  const int channel_blocks = ceil_div(OC, kWeightGradChannels);
  const size_t partial_size = static_cast<size_t>(OC) * (IC + 1);  // weight rows, then bias
  T* partials = scratch<T, Slot::weight_partials>(partial_size * row_blocks);  // [row_blocks, OC·IC + OC]
  static thread_local Bf16Matrix packed;  // W [OC,IC] in bfloat16, read by every din block
  const Bf16Matrix* bf16_weight = din ? linear_pack_weight(packed, weight, OC, IC, precision) : nullptr;
#pragma omp parallel if (parallel_worthwhile(size_t(N) * IC * OC))
  {
    if (din) {
#pragma omp for schedule(static) nowait
      for (int unit = 0; unit < ceil_div(N, block_rows); ++unit) {
        const int r0 = unit * block_rows, rows = std::min(block_rows, N - r0);
        input_gradient_rows(din + static_cast<size_t>(r0) * IC, dout + static_cast<size_t>(r0) * OC, W, bf16_weight,
                            rows, IC, OC, din_write);
      }
    }
#pragma omp for collapse(2) schedule(static)
    for (int rb = 0; rb < row_blocks; ++rb)
      for (int cb = 0; cb < channel_blocks; ++cb) {
        const int r0 = rb * kWeightGradRows, o0 = cb * kWeightGradChannels;
        linear_weight_partial(partials + rb * partial_size, dout, in, r0, std::min(kWeightGradRows, N - r0), o0,
                              std::min(kWeightGradChannels, OC - o0), IC, OC, precision);
      }
#pragma omp for schedule(static)
    for (int o = 0; o < OC; ++o)
      for (int rb = 0; rb < row_blocks; ++rb) {
        const T* partial = partials + rb * partial_size;
        T* dw = dweight + static_cast<size_t>(o) * IC;
        const T* pw = partial + static_cast<size_t>(o) * IC;
        for (int i = 0; i < IC; ++i) dw[i] += pw[i];
        if (dbias) dbias[o] += partial[static_cast<size_t>(OC) * IC + o];
      }
  }
}

// ---------------------------------------------------------------- layernorm

namespace {
// Rows normalised side by side: a row's sums are a chain of dependent adds
// (kept in index order, so results never depend on the grouping), and 8
// independent chains keep the adder busy where one would wait on each add.
constexpr int kNormRows = 8;

// Calls body(first_row, std::integral_constant<int, R>) over [0, N) in
// groups of kNormRows rows (the last group smaller, one row at a time), the
// groups spread over the current team's threads, which go on without
// waiting for each other (the caller's region ends with a barrier).
template <typename Body>
void norm_row_group(int group, int N, Body& body) {
  const int n0 = group * kNormRows;
  if (n0 + kNormRows <= N) {
    body(n0, std::integral_constant<int, kNormRows>());
  } else {
    for (int n = n0; n < N; ++n) body(n, std::integral_constant<int, 1>());
  }
}
template <typename Body>
void for_norm_row_groups_in_team(int N, Body body) {
#pragma omp for schedule(static) nowait
  for (int group = 0; group < ceil_div(N, kNormRows); ++group) norm_row_group(group, N, body);
}

// The same as a parallel loop of its own (on this thread when small).
template <typename Body>
void for_norm_row_groups(int N, int C, Body body) {
  for_units(ceil_div(N, kNormRows), size_t(N) * C, [&](long group) { norm_row_group(int(group), N, body); });
}
}  // namespace

template <typename T>
void layernorm_forward(T* out, T* mean, T* rstd, const T* in, const T* weight, const T* bias, int N,
                       int C) {
  for_norm_row_groups(N, C, [&](int n0, auto rows) {
    constexpr int R = decltype(rows)::value;
    const T* x = in + static_cast<size_t>(n0) * C;  // [R,C]
    T sum[R] = {}, m[R], squares[R] = {};
    for (int c = 0; c < C; ++c)
      for (int r = 0; r < R; ++r) sum[r] += x[r * C + c];
    for (int r = 0; r < R; ++r) m[r] = sum[r] / C;
    for (int c = 0; c < C; ++c)
      for (int r = 0; r < R; ++r) squares[r] += (x[r * C + c] - m[r]) * (x[r * C + c] - m[r]);
    for (int r = 0; r < R; ++r) {
      const T s = T(1) / std::sqrt(squares[r] / C + T(kLayerNormEps));
      T* y = out + static_cast<size_t>(n0 + r) * C;
      for (int c = 0; c < C; ++c) y[c] = (x[r * C + c] - m[r]) * s * weight[c] + bias[c];
      mean[n0 + r] = m[r];
      rstd[n0 + r] = s;
    }
  });
}

namespace {
// Column blocks whose parameter sums one pass over the rows computes.
constexpr int kNormParameterBlocks = 4;

// dweight[c] += Σ_n dout[n,c]·norm[n,c], dbias[c] += Σ_n dout[n,c] for
// channels [c0, c1), each channel's sum in row order whatever the split (so
// the bits never depend on the thread count). All the range's channels in
// one pass over the rows, sums in locals: a pass per 16-channel block, adding
// into dweight in memory, was 8% of a 1-thread CHE training step, each row's
// add waiting on the last one's store and load.
template <typename T>
void layernorm_parameter_sums(T* dweight, T* dbias, const T* dout, const T* in, const T* mean, const T* rstd,
                              int N, int C, int c0, int c1) {
  T weight_sum[kNormParameterBlocks * kColumnBlock], bias_sum[kNormParameterBlocks * kColumnBlock];
  const int width = c1 - c0;
  std::copy_n(dweight + c0, width, weight_sum);
  std::copy_n(dbias + c0, width, bias_sum);
  for (int n = 0; n < N; ++n) {
    const T* x = in + static_cast<size_t>(n) * C + c0;    // [width]
    const T* g = dout + static_cast<size_t>(n) * C + c0;  // [width]
    for (int c = 0; c < width; ++c) {
      weight_sum[c] += g[c] * (x[c] - mean[n]) * rstd[n];
      bias_sum[c] += g[c];
    }
  }
  std::copy_n(weight_sum, width, dweight + c0);
  std::copy_n(bias_sum, width, dbias + c0);
}
}  // namespace

template <typename T>
void layernorm_backward(T* din, T* dweight, T* dbias, const T* dout, const T* in, const T* weight,
                        const T* mean, const T* rstd, int N, int C) {
  // One parallel region: the input gradient (row groups) and the parameter
  // gradients (column blocks) are independent, so neither waits for the other.
#pragma omp parallel if (parallel_worthwhile(size_t(N) * C))
  {
    // Input gradient (llm.c layernorm_backward):
    // din = rstd·(dnorm − mean(dnorm) − norm·mean(dnorm ⊙ norm)), dnorm = dout ⊙ weight.
    for_norm_row_groups_in_team(N, [&](int n0, auto rows) {
      constexpr int R = decltype(rows)::value;
      const T* x = in + static_cast<size_t>(n0) * C;    // [R,C]
      const T* g = dout + static_cast<size_t>(n0) * C;  // [R,C]
      T dnorm_sum[R] = {}, dnorm_norm_sum[R] = {};
      for (int c = 0; c < C; ++c)
        for (int r = 0; r < R; ++r) {
          const T norm = (x[r * C + c] - mean[n0 + r]) * rstd[n0 + r];
          dnorm_sum[r] += g[r * C + c] * weight[c];
          dnorm_norm_sum[r] += g[r * C + c] * weight[c] * norm;
        }
      for (int r = 0; r < R; ++r) {
        const T dnorm_mean = dnorm_sum[r] / C, dnorm_norm_mean = dnorm_norm_sum[r] / C;
        const T m = mean[n0 + r], s = rstd[n0 + r];
        T* dx = din + static_cast<size_t>(n0 + r) * C;
        for (int c = 0; c < C; ++c) {
          const T norm = (x[r * C + c] - m) * s;
          dx[c] += (g[r * C + c] * weight[c] - dnorm_mean - norm * dnorm_norm_mean) * s;
        }
      }
    });
    // Parameter gradients: reductions over rows; each thread takes a
    // contiguous range of column blocks.
    const int blocks = ceil_div(C, kColumnBlock);
    const int threads = omp_get_num_threads(), thread = omp_get_thread_num();
    const int end = blocks * (thread + 1) / threads;
    for (int block = blocks * thread / threads; block < end; block += kNormParameterBlocks) {
      const int c0 = block * kColumnBlock, c1 = std::min(C, std::min(end, block + kNormParameterBlocks) * kColumnBlock);
      layernorm_parameter_sums(dweight, dbias, dout, in, mean, rstd, N, C, c0, c1);
    }
  }
}

// ---------------------------------------------------------------- activation

namespace {
constexpr double kGeluScale = 0.7978845608028654;  // sqrt(2/pi)
constexpr double kGeluCubic = 0.044715;
constexpr size_t kElementBlock = 4096;  // elements per unit of element-wise loops

// Runs body(first, count) over [0, n) in fixed blocks, in parallel.
template <typename Body>
void for_element_blocks(size_t n, Body body) {
  const long blocks = static_cast<long>((n + kElementBlock - 1) / kElementBlock);
  for_units(blocks, n, [&](long b) {
    const size_t first = static_cast<size_t>(b) * kElementBlock;
    body(first, std::min(kElementBlock, n - first));
  });
}
}  // namespace

// GELU (tanh form): g(x) = ½x(1 + tanh(u)), u = √(2/π)(x + 0.044715x³);
// g'(x) = ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²).
template <typename T>
static T gelu(T x) {
  return T(0.5) * x * (T(1) + vec::tanh(T(kGeluScale) * (x + T(kGeluCubic) * x * x * x)));
}
template <typename T>
static T gelu_derivative(T x) {
  const T t = vec::tanh(T(kGeluScale) * (x + T(kGeluCubic) * x * x * x));
  return T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * T(kGeluScale) * (T(1) + T(3 * kGeluCubic) * x * x);
}

template <typename T>
void activation_forward(T* out, const T* in, Activation activation, size_t n) {
  for_element_blocks(n, [&](size_t first, size_t count) {
    if (activation == Activation::relu) {
      for (size_t i = first; i < first + count; ++i) out[i] = std::max(in[i], T(0));
    } else {
      for (size_t i = first; i < first + count; ++i) out[i] = gelu(in[i]);
    }
  });
}

namespace {
// out[i] = term(i) (Write::assign) or out[i] += term(i), for i < n in
// parallel element blocks; one loop per mode, so each vectorises.
template <typename T, typename Term>
void write_elements(T* out, size_t n, Write write, Term term) {
  for_element_blocks(n, [&](size_t first, size_t count) {
    if (write == Write::assign) {
      for (size_t i = first; i < first + count; ++i) out[i] = term(i);
    } else {
      for (size_t i = first; i < first + count; ++i) out[i] += term(i);
    }
  });
}
}  // namespace

template <typename T>
void activation_backward(T* din, const T* dout, const T* in, Activation activation, size_t n, Write write) {
  // act'(in)·dout for element i, one loop per activation (with both in one
  // loop, GELU's call kept ReLU's scalar); relu as loads, then a select: a
  // conditional load would keep GCC from vectorising.
  if (activation == Activation::relu) {
    write_elements(din, n, write, [&](size_t i) {
      const T g = dout[i];
      return in[i] > T(0) ? g : T(0);
    });
    return;
  }
  write_elements(din, n, write, [&](size_t i) { return gelu_derivative(in[i]) * dout[i]; });
}

// ---------------------------------------------------------------- dropout

template <typename T>
void dropout_forward(T* x, uint8_t* keep, double p, uint64_t seed, uint64_t site, int first_sequence,
                     int B, size_t E) {
  // One 64-bit draw gives four 16-bit uniforms: p is resolved to 1/65536.
  const uint32_t threshold = static_cast<uint32_t>(std::llround(p * 65536.0));
  const T scale = static_cast<T>(1.0 / (1.0 - p));
  // The mask loop reads its sizes and constants from locals: a uint8_t
  // store may alias anything, and reading them through the closure after
  // every store kept the loop scalar.
  for_units(B, size_t(B) * E, [=](long b) {
    Rng rng(seed, (site << 32) | static_cast<uint64_t>(first_sequence + b));
    // The sequence's uniforms first (the generator is a serial chain), then
    // the mask in one loop the compiler vectorises.
    uint16_t* __restrict uniforms = scratch<uint16_t, Slot::dropout_uniforms>(E);  // [E]
    size_t e = 0;
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "a draw's bytes are its four uniforms in order");
    for (; e + 4 <= E; e += 4) {  // element e + l takes bits 16l..16l+15 of a draw
      const uint64_t bits = rng.next_u64();
      std::memcpy(uniforms + e, &bits, sizeof bits);
    }
    if (e < E) {
      const uint64_t bits = rng.next_u64();
      for (size_t l = 0; e + l < E; ++l) uniforms[e + l] = static_cast<uint16_t>(bits >> (16 * l));
    }
    uint8_t* __restrict k = keep + static_cast<size_t>(b) * E;
    T* __restrict row = x + static_cast<size_t>(b) * E;
    const size_t n = E;  // locals, not the closure's members, which the stores could alias
    const uint32_t cut = threshold;
    const T kept_scale = scale;
    for (size_t i = 0; i < n; ++i) {
      const bool kept = uniforms[i] >= cut;
      k[i] = kept;
      row[i] = kept ? row[i] * kept_scale : T(0);
    }
  });
}

template <typename T>
void dropout_backward(T* din, const T* dout, const uint8_t* keep, double p, size_t n, Write write) {
  const T scale = static_cast<T>(1.0 / (1.0 - p));
  auto term = [&](size_t i) {
    const T g = dout[i] * scale;  // unconditional load, then a select: vectorisable
    return keep[i] ? g : T(0);
  };
  write_elements(din, n, write, term);
}

// ---------------------------------------------------------------- residual

template <typename T>
void fill_zero(T* x, size_t n) {
  for_element_blocks(n, [&](size_t first, size_t count) { std::fill_n(x + first, count, T(0)); });
}

template <typename T>
void fill_zero(const std::vector<BufferPrefix<T>>& buffers) {
  size_t total = 0;
  for (const BufferPrefix<T>& buffer : buffers) total += buffer.n;
  // Element blocks of the buffers laid end to end; a block may span several.
  for_element_blocks(total, [&](size_t first, size_t count) {
    size_t start = 0;
    for (const BufferPrefix<T>& buffer : buffers) {
      const size_t lo = std::max(first, start), hi = std::min(first + count, start + buffer.n);
      if (lo < hi) std::fill(buffer.data + (lo - start), buffer.data + (hi - start), T(0));
      start += buffer.n;
    }
  });
}

template <typename T>
void residual_forward(T* out, const T* a, const T* b, size_t n) {
  for_element_blocks(n, [&](size_t first, size_t count) {
    for (size_t i = first; i < first + count; ++i) out[i] = a[i] + b[i];
  });
}

template <typename T>
void residual_backward(T* da, T* db, const T* dout, size_t n, Write write) {
  for_element_blocks(n, [&](size_t first, size_t count) {
    for (T* d : {da, db}) {
      if (!d) continue;
      if (write == Write::assign) {
        std::copy_n(dout + first, count, d + first);
        continue;
      }
      for (size_t i = first; i < first + count; ++i) d[i] += dout[i];
    }
  });
}

// ---------------------------------------------------------------- attention

namespace {
// Calls body(b, a, t, head_row) for every (b, a, t), head_row being the row
// of [B,h,T,d]: maps between token-major [B,T,(3)C] and head-major layouts.
template <typename Body>
void for_head_rows(int B, int h, int T_, int d, Body body) {
  for_units(long(B) * h, size_t(B) * h * T_ * d, [&](long unit) {  // unit = b·h + a
    const int b = int(unit / h), a = int(unit % h);
    for (int t = 0; t < T_; ++t) body(b, a, t, static_cast<size_t>(unit) * T_ + t);
  });
}

// dst[e] = src[e] (Write::assign) or dst[e] += src[e], e < n.
template <typename T>
void write_row(T* __restrict dst, const T* __restrict src, int n, Write write) {
  if (write == Write::assign) {
    std::copy_n(src, n, dst);
    return;
  }
  for (int e = 0; e < n; ++e) dst[e] += src[e];
}

// The query-row blocks of one (b, a) score matrix: body(r0, rows, cols) for
// rows [r0, r0+rows) and the keys [0, cols) they may attend to (all T, or up
// to the block's last row when causal). Working a block at a time keeps its
// [rows, T] slice of scores in cache across the products and the softmax.
template <typename Body>
void for_query_blocks(bool causal, int T_, Body body) {
  for (int r0 = 0; r0 < T_; r0 += kQueryBlock) {
    const int rows = std::min(kQueryBlock, T_ - r0);
    body(r0, rows, causal ? r0 + rows : T_);
  }
}

// max x[0..n), n >= 1, a vector at a time (a max is exact in any order, so
// any vector width gives the same value: row_max_avx512's).
template <typename T>
[[gnu::always_inline]] inline T row_max(const T* x, int n) {
  using S = Simd<T>;
  T best = x[0];
  int j = 0;
  if (n >= S::lanes) {
    typename S::V lanes = S::load(x);
    for (j = S::lanes; j + S::lanes <= n; j += S::lanes) {
      const typename S::V v = S::load(x + j);
      lanes = lanes < v ? v : lanes;
    }
    for (int l = 0; l < S::lanes; ++l) best = std::max(best, lanes[l]);
  }
  for (; j < n; ++j) best = std::max(best, x[j]);
  return best;
}

// The float version for AVX-512, chosen at run time on a CPU that has it.
// Each element goes through the same operations as in
// masked_softmax_rows's own loop, so the results are the same bits: the max is
// exact in any order; the exponentials' 16 partial sums keep their lanes and
// their order (a masked add for a short last chunk); and
// exp_nonpositive_avx512 is vec::exp written with intrinsics.
#ifdef PEBENCH_AVX512_KERNELS
// vec::exp(x) for x <= 0 (a row's logits minus their max), bit for bit:
// the same clamp (its upper bound never applies here), range reduction,
// polynomial and rounding, with the last step p·2^n as one vscalefps instead
// of building 2^n from its exponent bits and multiplying (both scale p by
// the exact power of two and round once; n >= −126 after the clamp).
// Checked against vec::exp for every float in [−90, 0] and in the tests.
[[gnu::target("avx512f"), gnu::always_inline]] inline __m512 exp_nonpositive_avx512(__m512 x) {
  x = _mm512_max_ps(x, _mm512_set1_ps(-87.3365478515625f));  // NaN -> the bound, as vec::exp's std::max
  const __m512 round = _mm512_set1_ps(12582912.0f);
  const __m512 n = _mm512_sub_ps(_mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504088896341f), round), round);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
  __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(1.9875691500e-4f), r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

// Lanes [0, n) of a 16-lane vector, n <= 16.
[[gnu::target("avx512f"), gnu::always_inline]] inline __mmask16 first_lanes(int n) {
  return n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1);
}

// max x[0..n), n >= 1, 16 lanes at a time and the lanes by a tree of
// shuffles (a max is exact in any order: row_max's value).
[[gnu::target("avx512f"), gnu::always_inline]] inline float row_max_avx512(const float* x, int n) {
  __m512 best = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  int j = 0;
  for (; j + 16 <= n; j += 16) best = _mm512_max_ps(best, _mm512_loadu_ps(x + j));
  if (j < n) best = _mm512_max_ps(best, _mm512_mask_loadu_ps(best, first_lanes(n - j), x + j));
  return _mm512_reduce_max_ps(best);
}

// Rows [r0, r0 + rows) in groups of kRows, each step done for all the
// group's rows before the next, the exponentials a chunk of 16 keys at a
// time across the rows: a row alone waits on its chains (the max, each
// chunk's exp, the 16 partial sums added in order, the division), the
// group's are independent and overlap. Each row's partial sums still take
// its chunks in key order.
[[gnu::target("avx512f")]] void masked_softmax_rows_avx512(float* scores, int r0, int rows, int stride,
                                                           bool causal) {
  static_assert(vec::kLanes == 16, "one vector of partial sums");
  constexpr int kRows = 8;
  for (int g0 = r0; g0 < r0 + rows; g0 += kRows) {
    const int group = std::min(kRows, r0 + rows - g0);
    float* row[kRows];
    int allowed[kRows] = {}, widest = 0;
    float shift[kRows];
    for (int r = 0; r < group; ++r) {
      row[r] = scores + static_cast<size_t>(g0 + r) * stride;
      allowed[r] = causal ? g0 + r + 1 : stride;
      widest = std::max(widest, allowed[r]);
      shift[r] = row_max_avx512(row[r], allowed[r]);
    }
    // Each row's vec::grouped_sum partial sums (0 past the group). The row
    // loop is unrolled so that they stay in registers: indexed at run time
    // they lived on the stack, every add a store and a reload.
    __m512 lanes[kRows];
    _Pragma("GCC unroll 8") for (int r = 0; r < kRows; ++r) lanes[r] = _mm512_setzero_ps();
    for (int j = 0; j < widest; j += 16)
      _Pragma("GCC unroll 8") for (int r = 0; r < kRows; ++r) {
        if (j + 16 <= allowed[r]) {  // whole vectors: masked stores cost more on some CPUs (Zen)
          const __m512 x = _mm512_sub_ps(_mm512_loadu_ps(row[r] + j), _mm512_set1_ps(shift[r]));
          const __m512 e = exp_nonpositive_avx512(x);
          _mm512_storeu_ps(row[r] + j, e);
          lanes[r] = _mm512_add_ps(lanes[r], e);
        } else if (j < allowed[r]) {
          const __mmask16 m = first_lanes(allowed[r] - j);
          const __m512 x = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, row[r] + j), _mm512_set1_ps(shift[r]));
          const __m512 e = exp_nonpositive_avx512(x);
          _mm512_mask_storeu_ps(row[r] + j, m, e);
          lanes[r] = _mm512_mask_add_ps(lanes[r], m, lanes[r], e);
        }
      }
    alignas(64) float lane[kRows][16];
    float total[kRows] = {};
    for (int r = 0; r < kRows; ++r) _mm512_store_ps(lane[r], lanes[r]);
    for (int l = 0; l < 16; ++l)
      for (int r = 0; r < kRows; ++r) total[r] += lane[r][l];
    for (int r = 0; r < group; ++r) {
      const __m512 inverse_total = _mm512_set1_ps(1.0f / total[r]);
      int j = 0;
      for (; j + 16 <= allowed[r]; j += 16)
        _mm512_storeu_ps(row[r] + j, _mm512_mul_ps(_mm512_loadu_ps(row[r] + j), inverse_total));
      if (j < allowed[r]) {
        const __mmask16 m = first_lanes(allowed[r] - j);
        _mm512_mask_storeu_ps(row[r] + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, row[r] + j), inverse_total));
      }
      std::fill(row[r] + allowed[r], row[r] + stride, 0.0f);
    }
  }
}
#else
// Never called: avx512_kernels_enabled() is false.
void masked_softmax_rows_avx512(float*, int, int, int, bool) {}
#endif

// In place: row i of `scores` [rows, stride] becomes the softmax over its
// first `allowed(i)` entries, 0 after them.
template <typename T>
void masked_softmax_rows(T* scores, int r0, int rows, int stride, bool causal) {
  if constexpr (std::is_same_v<T, float>) {
    if (avx512_kernels_enabled()) {
      masked_softmax_rows_avx512(scores, r0, rows, stride, causal);
      return;
    }
  }
  for (int i = r0; i < r0 + rows; ++i) {
    const int allowed = causal ? i + 1 : stride;
    T* row = scores + static_cast<size_t>(i) * stride;
    const T inverse_total = T(1) / vec::exp_shifted_sum(row, row_max(row, allowed), allowed);
    for (int j = 0; j < allowed; ++j) row[j] *= inverse_total;
    std::fill(row + allowed, row + stride, T(0));
  }
}

// dst[0..d) = src[0..d) for one head row: a few dozen bytes, for which a
// memmove call costs more than the copy itself.
template <typename T>
void copy_head_row(T* dst, const T* src, int d) {
  using S = Simd<T>;
  int e = 0;
  for (; e + S::lanes <= d; e += S::lanes) S::store(dst + e, S::load(src + e));
  for (; e < d; ++e) dst[e] = src[e];
}
}  // namespace

template <typename T>
void split_heads_forward(T* q, T* k, T* v, const T* qkv, int B, int h, int T_, int d) {
  const int C = h * d;
  for_head_rows(B, h, T_, d, [&](int b, int a, int t, size_t head_row) {
    const T* src = qkv + (static_cast<size_t>(b) * T_ + t) * 3 * C + a * d;
    copy_head_row(q + head_row * d, src, d);
    copy_head_row(k + head_row * d, src + C, d);
    copy_head_row(v + head_row * d, src + 2 * C, d);
  });
}

template <typename T>
void split_heads_backward(T* dqkv, const T* dq, const T* dk, const T* dv, int B, int h, int T_, int d,
                          Write write) {
  const int C = h * d;
  for_head_rows(B, h, T_, d, [&](int b, int a, int t, size_t head_row) {
    T* dst = dqkv + (static_cast<size_t>(b) * T_ + t) * 3 * C + a * d;
    const T* sources[3] = {dq + head_row * d, dk + head_row * d, dv + head_row * d};
    for (int part = 0; part < 3; ++part) write_row(dst + part * C, sources[part], d, write);
  });
}

template <typename T>
void merge_heads_forward(T* out, const T* heads, int B, int h, int T_, int d) {
  const int C = h * d;
  for_head_rows(B, h, T_, d, [&](int b, int a, int t, size_t head_row) {
    const T* src = heads + head_row * d;
    copy_head_row(out + (static_cast<size_t>(b) * T_ + t) * C + a * d, src, d);
  });
}

template <typename T>
void merge_heads_backward(T* dheads, const T* dout, int B, int h, int T_, int d, Write write) {
  const int C = h * d;
  for_head_rows(B, h, T_, d, [&](int b, int a, int t, size_t head_row) {
    write_row(dheads + head_row * d, dout + (static_cast<size_t>(b) * T_ + t) * C + a * d, d, write);
  });
}

// Small heads (d <= kSmallHead, the CHE and default-suite models have d = 8 or
// 16): the per-head products are too small for a GEMM, whose packing costs as
// much as the arithmetic. These kernels compute each output element as one
// sum in a fixed index order (keys, or head channels, in ascending order),
// vectorised across independent outputs only, so a result depends on the
// values alone: never on addresses, tiles or threads.
namespace {
constexpr int kSmallHead = 32;  // largest head dimension served by the kernels below
constexpr int kKeyLanes = 16;   // keys per accumulator vector
constexpr int kChannelChunk = 16;  // head channels per accumulator vector
constexpr int kTileRows = 4;    // output rows sharing each loaded operand
// Accumulator vectors a tile keeps in flight: an FMA's latency (4 cycles) ×
// the 2 FMA units of an AVX2 core, so the FMA units never wait on a chain.
constexpr int kAccumulatorVectors = 8;

bool small_head(int d) { return d <= kSmallHead; }


int round_up(int n, int multiple) { return ceil_div(n, multiple) * multiple; }

// Calls tile(first_row, std::integral_constant<int, R>) over [begin, end) in
// tiles of Rows rows, then of kTileRows, the leftover rows one by one. A
// tile only changes how many outputs are computed side by side, never the
// order of an output's sum. Its rounding can differ, though: GCC contracts
// the wider tiles' multiply-adds into FMAs but left at least one 1-row loop
// (small_transposed_rows) as a multiply and an add. Which rows fall in which
// tile depends only on the sizes, so results stay the same for any thread
// count and batch split; but computing the same product over fewer columns
// can move a row into a 1-row tile and change its last bit.
template <int Rows = kTileRows, typename Tile>
void for_row_tiles(int begin, int end, Tile tile) {
  int i = begin;
  for (; i + Rows <= end; i += Rows) tile(i, std::integral_constant<int, Rows>());
  if constexpr (Rows > kTileRows)
    for (; i + kTileRows <= end; i += kTileRows) tile(i, std::integral_constant<int, kTileRows>());
  for (; i < end; ++i) tile(i, std::integral_constant<int, 1>());
}

// Rows per tile for the channel-chunk kernels: with one accumulator vector
// per row (a chunk of W = one vector's lanes) a 4-row tile would keep only 4
// FMA chains busy, so such chunks take kAccumulatorVectors rows.
template <typename T, int W>
constexpr int channel_tile_rows() {
  return W == Simd<T>::lanes ? kAccumulatorVectors : kTileRows;
}

// Calls chunk(e0, width, std::integral_constant<int, W>) over the head
// channels in chunks of kChannelChunk; W is the width when it is a common
// one (16, 8, 4), known at compile time, else 0 (width given at run time).
template <typename Chunk>
void for_channel_chunks(int d, Chunk chunk) {
  for (int e0 = 0; e0 < d; e0 += kChannelChunk) {
    const int width = std::min(kChannelChunk, d - e0);
    if (width == 16) chunk(e0, width, std::integral_constant<int, 16>());
    else if (width == 8) chunk(e0, width, std::integral_constant<int, 8>());
    else if (width == 4) chunk(e0, width, std::integral_constant<int, 4>());
    else chunk(e0, width, std::integral_constant<int, 0>());
  }
}

// out[i − out_first, j] = alpha · Σ_e x[i, e]·yt[e, j] for the R rows i from
// i0 and j < limit(i). x: [·, d], yt: [d, padded] with padded >=
// round_up(limit, kKeyLanes). S: the vector type (8 or 16 lanes; each
// output is the same chain over e either way).
template <typename T, int R, typename Limit, typename S = Simd<T>>
[[gnu::always_inline]] inline void row_dot_tile(T* out, int out_first, int stride, const T* x, const T* yt,
                                                int padded, int d, int i0, Limit limit, T alpha) {
  using V = typename S::V;
  constexpr int kVectors = kKeyLanes / S::lanes;
  int limits[R], widest = 0;
  for (int r = 0; r < R; ++r) widest = std::max(widest, limits[r] = limit(i0 + r));
  for (int j0 = 0; j0 < widest; j0 += kKeyLanes) {
    V acc[R][kVectors];
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < kVectors; ++v) acc[r][v] = V{};
    for (int e = 0; e < d; ++e) {
      V y[kVectors];
      for (int v = 0; v < kVectors; ++v) y[v] = S::load(yt + static_cast<size_t>(e) * padded + j0 + v * S::lanes);
      for (int r = 0; r < R; ++r) {
        const T xv = x[static_cast<size_t>(i0 + r) * d + e];
        for (int v = 0; v < kVectors; ++v) acc[r][v] += xv * y[v];
      }
    }
    for (int r = 0; r < R; ++r) {
      T* o = out + static_cast<size_t>(i0 + r - out_first) * stride + j0;
      const int n = std::min(kKeyLanes, limits[r] - j0);
      if (n == kKeyLanes) {
        for (int v = 0; v < kVectors; ++v) S::store(o + v * S::lanes, alpha * acc[r][v]);
      } else {
        T lanes[kKeyLanes];
        for (int v = 0; v < kVectors; ++v) S::store(lanes + v * S::lanes, alpha * acc[r][v]);
        std::copy_n(lanes, std::max(n, 0), o);
      }
    }
  }
}

// Accumulators of R rows × W head channels: vectors when W is a whole number
// of them, else scalars (a run-time width up to kChannelChunk, W = 0).
template <typename T, int R, int W, bool kVector = (W > 0 && W % Simd<T>::lanes == 0)>
struct ChannelAccumulators;

template <typename T, int R, int W>
struct ChannelAccumulators<T, R, W, true> {
  using S = Simd<T>;
  static constexpr int kVectors = W / S::lanes;
  typename S::V acc[R][kVectors];
  explicit ChannelAccumulators(int) {
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < kVectors; ++v) acc[r][v] = typename S::V{};
  }
  // acc[r] += weight · y[0..W)
  void add(int r, T weight, const T* y) {
    for (int v = 0; v < kVectors; ++v) acc[r][v] += weight * S::load(y + v * S::lanes);
  }
  // o[0..W) (= or +=) alpha · acc[r]
  void write(int r, T* o, T alpha, Write write) const {
    for (int v = 0; v < kVectors; ++v) {
      const typename S::V scaled = alpha * acc[r][v];
      S::store(o + v * S::lanes, write == Write::accumulate ? S::load(o + v * S::lanes) + scaled : scaled);
    }
  }
};

template <typename T, int R, int W>
struct ChannelAccumulators<T, R, W, false> {
  T acc[R][kChannelChunk] = {};
  int width;
  explicit ChannelAccumulators(int run_time_width) : width(W > 0 ? W : run_time_width) {}
  void add(int r, T weight, const T* y) {
    for (int e = 0; e < width; ++e) acc[r][e] += weight * y[e];
  }
  void write(int r, T* o, T alpha, Write write) const {
    for (int e = 0; e < width; ++e) o[e] = (write == Write::accumulate ? o[e] : T(0)) + alpha * acc[r][e];
  }
};

// out[i, :] (= or +=) alpha · Σ_{j < keys} w[i, j]·y[j, :] for the R rows
// from i0. Masked weights must be 0 (softmax and its backward leave them so).
template <typename T, int R, int W>
void weighted_rows_tile(T* out, const T* w, int w_stride, const T* y, int d, int e0, int width, int i0, int keys,
                        T alpha, Write write) {
  ChannelAccumulators<T, R, W> acc(width);
  for (int j = 0; j < keys; ++j) {
    const T* yj = y + static_cast<size_t>(j) * d + e0;
    for (int r = 0; r < R; ++r) acc.add(r, w[static_cast<size_t>(i0 + r) * w_stride + j], yj);
  }
  for (int r = 0; r < R; ++r) acc.write(r, out + static_cast<size_t>(i0 + r) * d + e0, alpha, write);
}

// out[j, :] += alpha · Σ_{i in [i_begin, i_end)} w[i, j]·x[i, :] for the R
// key rows from j0.
template <typename T, int R, int W>
void transposed_rows_tile(T* out, const T* w, int w_stride, const T* x, int d, int e0, int width, int j0,
                          int i_begin, int i_end, T alpha) {
  ChannelAccumulators<T, R, W> acc(width);
  for (int i = i_begin; i < i_end; ++i) {
    const T* xi = x + static_cast<size_t>(i) * d + e0;
    const T* wi = w + static_cast<size_t>(i) * w_stride + j0;
    for (int r = 0; r < R; ++r) acc.add(r, wi[r], xi);
  }
  for (int r = 0; r < R; ++r) acc.write(r, out + static_cast<size_t>(j0 + r) * d + e0, alpha, Write::accumulate);
}

// out[i − r0, j] = alpha · x[i]·y[j] for the rows i in [r0, r0 + rows) and
// their keys j < band.end(i, cols); yt = yᵀ padded (transpose_padded).
template <typename T, typename S = Simd<T>>
[[gnu::always_inline]] inline void small_rows_dot_body(T* out, int stride, const T* x, const T* yt, int padded,
                                                       int d, int r0, int rows, int cols, ColumnBand band, T alpha) {
  auto limit = [&](int i) { return band.end(i, cols); };
  int i = r0;
  const int end = r0 + rows;
  for (; i + kTileRows <= end; i += kTileRows)
    row_dot_tile<T, kTileRows, decltype(limit), S>(out, r0, stride, x, yt, padded, d, i, limit, alpha);
  for (; i < end; ++i) row_dot_tile<T, 1, decltype(limit), S>(out, r0, stride, x, yt, padded, d, i, limit, alpha);
}

// The float kernel built for AVX-512: 16 keys to a vector, the same chain
// per output (a test compares it with the AVX2 build bit for bit).
#ifdef PEBENCH_AVX512_KERNELS
[[gnu::target("avx512f")]] void small_rows_dot_avx512(float* out, int stride, const float* x, const float* yt,
                                                      int padded, int d, int r0, int rows, int cols,
                                                      ColumnBand band, float alpha) {
  small_rows_dot_body<float, Simd16>(out, stride, x, yt, padded, d, r0, rows, cols, band, alpha);
}
#else
// Never called: avx512_kernels_enabled() is false.
void small_rows_dot_avx512(float*, int, const float*, const float*, int, int, int, int, int, ColumnBand, float) {}
#endif

template <typename T>
void small_rows_dot(T* out, int stride, const T* x, const T* yt, int padded, int d, int r0, int rows, int cols,
                    ColumnBand band, T alpha) {
  if constexpr (std::is_same_v<T, float>) {
    if (avx512_kernels_enabled()) {
      small_rows_dot_avx512(out, stride, x, yt, padded, d, r0, rows, cols, band, alpha);
      return;
    }
  }
  small_rows_dot_body(out, stride, x, yt, padded, d, r0, rows, cols, band, alpha);
}

// out[rows, cols] = alpha · x·yᵀ (row i's keys j < band.end(i, cols) only) through a
// padded transpose of y in this thread's scratch. x: [rows, d], y: [cols, d].
template <typename T>
void small_rows_dot_yt(T* out, const T* x, const T* y, int rows, int cols, int d, ColumnBand band, T alpha) {
  const int padded = round_up(cols, kKeyLanes);
  T* yt = scratch<T, Slot::attention_transposed>(static_cast<size_t>(d) * padded);  // [d, padded]
  transpose_padded(yt, y, cols, padded, d);
  small_rows_dot(out, cols, x, static_cast<const T*>(yt), padded, d, 0, rows, cols, band, alpha);
}

// out[rows r0.., :] (= or +=) alpha · w[rows, :keys]·y, a tile's keys ending
// where its rows' band does (w must be 0 beyond a row's band).
template <typename T>
void small_weighted_rows(T* out, const T* w, int w_stride, const T* y, int d, int r0, int rows, int cols,
                         ColumnBand band, T alpha, Write write) {
  for_channel_chunks(d, [&](int e0, int width, auto W) {
    for_row_tiles<channel_tile_rows<T, decltype(W)::value>()>(r0, r0 + rows, [&](int i0, auto R) {
      const int keys = band.widest_end(i0, decltype(R)::value, cols);
      weighted_rows_tile<T, decltype(R)::value, decltype(W)::value>(out, w, w_stride, y, d, e0, width, i0, keys,
                                                                    alpha, write);
    });
  });
}

// For a chunk of one vector's channels (W = Simd<float>::lanes = 8), the
// keys transposed_rows_tile sums in tiles of several keys: 8-key tiles, then
// one of 4 (for_row_tiles). GCC compiles those tiles' multiply-adds as fused
// ones, but the last 0-3 keys' 1-key tiles as a multiply and an add (so the
// AVX-512 kernel below leaves those keys to them).
int keys_in_multi_key_tiles(int cols) {
  constexpr int wide = channel_tile_rows<float, Simd<float>::lanes>();
  return cols / wide * wide + (cols % wide >= kTileRows ? kTileRows : 0);
}

// small_transposed_rows for keys [0, keys) and a chunk of 8 channels from
// e0, on AVX-512: 16 keys to a vector (one accumulator per channel) instead
// of 8 keys × one 8-channel accumulator each. Every output is the same
// chain: fused multiply-adds over the rows in order from +0, then
// out = fma(alpha, sum, out). A vector of keys starts at the rows reaching
// its first key, which for a band that widens with the row (per_row >= 0)
// adds only leading zero weights to a +0 sum (+0 again), where the 8-key
// tiles started a few rows later. A test compares this with the AVX2 build
// bit for bit.
#ifdef PEBENCH_AVX512_KERNELS
[[gnu::target("avx512f")]] void transposed_rows_avx512(float* out, const float* w, int w_stride, const float* x, int d,
                                                       int e0, int r0, int rows, int keys, ColumnBand band,
                                                       float alpha) {
  constexpr int kChannels = 8;
  const __m256 scale = _mm256_set1_ps(alpha);
  for (int j0 = 0; j0 < keys; j0 += kKeyLanes) {
    const int n = std::min(kKeyLanes, keys - j0);
    const __mmask16 in_range = lanes::first_lanes(n);
    __m512 acc[kChannels];
    for (__m512& a : acc) a = _mm512_setzero_ps();
    for (int i = band.rows_reaching(j0, r0, r0 + rows).begin; i < r0 + rows; ++i) {
      const __m512 weights = lanes::load_in_halves(w + static_cast<size_t>(i) * w_stride + j0, in_range);
      const float* xi = x + static_cast<size_t>(i) * d + e0;
      for (int e = 0; e < kChannels; ++e) acc[e] = _mm512_fmadd_ps(weights, _mm512_set1_ps(xi[e]), acc[e]);
    }
    lanes::transpose8_in_halves(acc);
    for (int l = 0; l < n; ++l) {
      float* o = out + static_cast<size_t>(j0 + l) * d + e0;
      _mm256_storeu_ps(o, _mm256_fmadd_ps(scale, lanes::row_of_halves(acc, l), _mm256_loadu_ps(o)));
    }
  }
}
#else
// Never called: avx512_kernels_enabled() is false.
void transposed_rows_avx512(float*, const float*, int, const float*, int, int, int, int, int, ColumnBand, float) {}
#endif

// out[keys, :] += alpha · w[rows r0.., keys]ᵀ·x[rows] (a tile of keys skips
// the rows whose band ends before it: their weights must be 0).
template <typename T>
void small_transposed_rows(T* out, const T* w, int w_stride, const T* x, int d, int r0, int rows, int cols,
                           ColumnBand band, T alpha) {
  for_channel_chunks(d, [&](int e0, int width, auto W) {
    constexpr int kWidth = decltype(W)::value;
    int first_key = 0;  // of the tiles below
    if constexpr (std::is_same_v<T, float> && kWidth == Simd<float>::lanes) {
      if (avx512_kernels_enabled() && band.per_row >= 0) {
        first_key = keys_in_multi_key_tiles(cols);
        transposed_rows_avx512(out, w, w_stride, x, d, e0, r0, rows, first_key, band, alpha);
      }
    }
    for_row_tiles<channel_tile_rows<T, kWidth>()>(first_key, cols, [&](int j0, auto R) {
      const ColumnBand::Rows reach = band.rows_reaching(j0, r0, r0 + rows);
      transposed_rows_tile<T, decltype(R)::value, kWidth>(out, w, w_stride, x, d, e0, width, j0, reach.begin,
                                                          reach.end, alpha);
    });
  });
}
}  // namespace

// Per-unit attention: one (batch, head) unit's [T,T] block, so the public
// kernels below (one stage over every unit) and the fused ones (every stage
// on a unit while its block is in cache) run the very same arithmetic.
namespace {
// Sizes of one (b, a) unit: T query/key rows of d channels.
struct UnitShape {
  int T;
  int d;
  bool causal;
  ColumnBand band() const { return causal ? ColumnBand::causal() : ColumnBand::all(); }
};

// S[T,T] = q·kᵀ/sqrt(d) over the entries the mask keeps (the rest unspecified).
template <typename T>
void unit_scores_forward(T* S, const T* Q, const T* K, UnitShape u) {
  const T scale = T(1) / std::sqrt(T(u.d));
  if (small_head(u.d)) {
    small_rows_dot_yt(S, Q, K, u.T, u.T, u.d, u.band(), scale);
    return;
  }
  const auto Qm = matrix(Q, u.T, u.d, u.d);  // [T,d]
  const auto Km = matrix(K, u.T, u.d, u.d);  // [T,d]
  auto Sm = matrix(S, u.T, u.T, u.T);        // [T,T]
  for_query_blocks(u.causal, u.T, [&](int r0, int rows, int cols) {
    multiply(Sm.block(r0, 0, rows, cols), Qm.middleRows(r0, rows), Km.topRows(cols).transpose(), scale,
             Write::assign);
  });
}

// dQ[T,d] += dS·k/sqrt(d), dK[T,d] += dSᵀ·q/sqrt(d); dS[T,T] is 0 on masked entries.
template <typename T>
void unit_scores_backward(T* dQ, T* dK, const T* dS, const T* Q, const T* K, UnitShape u) {
  const T scale = T(1) / std::sqrt(T(u.d));
  if (small_head(u.d)) {
    small_weighted_rows(dQ, dS, u.T, K, u.d, 0, u.T, u.T, u.band(), scale, Write::accumulate);
    small_transposed_rows(dK, dS, u.T, Q, u.d, 0, u.T, u.T, u.band(), scale);
    return;
  }
  for_query_blocks(u.causal, u.T, [&](int r0, int rows, int cols) {
    const auto block = matrix(dS + static_cast<size_t>(r0) * u.T, rows, cols, u.T);  // keys [0, cols)
    multiply(matrix(dQ + static_cast<size_t>(r0) * u.d, rows, u.d, u.d), block, matrix(K, cols, u.d, u.d), scale,
             Write::accumulate);
    multiply(matrix(dK, cols, u.d, u.d), block.transpose(), matrix(Q + static_cast<size_t>(r0) * u.d, rows, u.d, u.d),
             scale, Write::accumulate);
  });
}

// P[T,T]: logits in, masked softmax out; O[T,d] = P·v.
template <typename T>
void unit_softmax_values_forward(T* O, T* P, const T* V, UnitShape u) {
  for_query_blocks(u.causal, u.T, [&](int r0, int rows, int cols) {
    masked_softmax_rows(P, r0, rows, u.T, u.causal);
    if (small_head(u.d)) {
      small_weighted_rows(O, static_cast<const T*>(P), u.T, V, u.d, r0, rows, cols, u.band(), T(1), Write::assign);
      return;
    }
    multiply(matrix(O + static_cast<size_t>(r0) * u.d, rows, u.d, u.d),
             matrix(static_cast<const T*>(P) + static_cast<size_t>(r0) * u.T, rows, cols, u.T),
             matrix(V, cols, u.d, u.d), T(1), Write::assign);
  });
}

// dV[T,d] += Pᵀ·dO; dS[T,T] = P ⊙ (dP − Σ_j P·dP) with dP = dO·vᵀ, written
// (0 on masked entries).
template <typename T>
void unit_softmax_values_backward(T* dS, T* dV, const T* dO, const T* P, const T* V, UnitShape u) {
  const int padded = round_up(u.T, kKeyLanes);
  // [kQueryBlock, T]: gradient w.r.t. one block of P rows.
  T* dprobs = scratch<T, Slot::attention_dprobs>(static_cast<size_t>(kQueryBlock) * u.T);
  // [d, padded]: vᵀ for the small-head kernels.
  T* vt = small_head(u.d) ? scratch<T, Slot::attention_transposed>(static_cast<size_t>(u.d) * padded) : nullptr;
  if (vt) transpose_padded(vt, V, u.T, padded, u.d);
  const auto Vm = matrix(V, u.T, u.d, u.d);    // [T,d]
  const auto dOm = matrix(dO, u.T, u.d, u.d);  // [T,d]
  for_query_blocks(u.causal, u.T, [&](int r0, int rows, int cols) {
    if (vt) {
      small_rows_dot(dprobs, u.T, dO, vt, padded, u.d, r0, rows, cols, u.band(), T(1));
      small_transposed_rows(dV, P, u.T, dO, u.d, r0, rows, cols, u.band(), T(1));
    } else {
      multiply(matrix(dprobs, rows, cols, u.T), dOm.middleRows(r0, rows), Vm.topRows(cols).transpose(), T(1),
               Write::assign);
      multiply(matrix(dV, cols, u.d, u.d), matrix(P + static_cast<size_t>(r0) * u.T, rows, cols, u.T).transpose(),
               dOm.middleRows(r0, rows), T(1), Write::accumulate);
    }
    // Softmax backward per row, written (see the header).
    for (int i = r0; i < r0 + rows; ++i) {
      const int allowed = u.causal ? i + 1 : u.T;
      const T* p = P + static_cast<size_t>(i) * u.T;
      const T* g = dprobs + static_cast<size_t>(i - r0) * u.T;
      T* ds = dS + static_cast<size_t>(i) * u.T;
      const T weighted = vec::dot(p, g, allowed);
      for (int j = 0; j < allowed; ++j) ds[j] = p[j] * (g[j] - weighted);
      std::fill(ds + allowed, ds + u.T, T(0));
    }
  });
}

// Calls body(head_offset, score_offset) for every (b, a) unit, the
// units spread over the threads (each unit's arithmetic is its own, so the
// split never changes a result).
template <typename Body>
void for_attention_units(int B, int h, int T_, int d, Body body) {
  const size_t head_size = static_cast<size_t>(T_) * d, score_size = static_cast<size_t>(T_) * T_;
#pragma omp parallel for schedule(static) if (parallel_worthwhile(size_t(B) * h * T_ * T_ * d))
  for (int unit = 0; unit < B * h; ++unit) body(unit * head_size, unit * score_size);
}
}  // namespace

template <typename T>
void attention_scores_forward(T* scores, const T* q, const T* k, bool causal, int B, int h, int T_, int d) {
  for_attention_units(B, h, T_, d, [&](size_t head, size_t score) {
    unit_scores_forward(scores + score, q + head, k + head, UnitShape{T_, d, causal});
  });
}

template <typename T>
void attention_scores_backward(T* dq, T* dk, const T* dscores, const T* q, const T* k, bool causal, int B,
                               int h, int T_, int d) {
  for_attention_units(B, h, T_, d, [&](size_t head, size_t score) {
    unit_scores_backward(dq + head, dk + head, dscores + score, q + head, k + head, UnitShape{T_, d, causal});
  });
}

template <typename T>
void attention_softmax_values_forward(T* out, T* probs, const T* v, bool causal, int B, int h, int T_,
                                      int d) {
  for_attention_units(B, h, T_, d, [&](size_t head, size_t score) {
    unit_softmax_values_forward(out + head, probs + score, v + head, UnitShape{T_, d, causal});
  });
}

template <typename T>
void attention_softmax_values_backward(T* dscores, T* dv, const T* dout, const T* probs, const T* v,
                                       bool causal, int B, int h, int T_, int d) {
  for_attention_units(B, h, T_, d, [&](size_t head, size_t score) {
    unit_softmax_values_backward(dscores + score, dv + head, dout + head, probs + score, v + head,
                                 UnitShape{T_, d, causal});
  });
}

template <typename T>
const T* attention_bias_unit(const AttentionBias<T>& bias, int b, int a, int h, int T_) {
  const size_t tt = static_cast<size_t>(T_) * T_;
  return bias.values + (bias.per_example ? static_cast<size_t>(b) * h * tt : 0) + static_cast<size_t>(a) * tt;
}

template <typename T>
void attention_bias_add(T* s, const T* bias, int T_) {
  const size_t tt = static_cast<size_t>(T_) * T_;
  for (size_t e = 0; e < tt; ++e) s[e] += bias[e];
}

template <typename T>
void attention_fused_forward(T* out, T* probs, const T* q, const T* k, const T* v, bool causal, int B, int h,
                             int T_, int d, const AttentionBias<T>& bias) {
  const size_t score_size = static_cast<size_t>(T_) * T_;
  for_attention_units(B, h, T_, d, [&](size_t head, size_t score) {
    // [T,T]: this unit's probabilities, kept for backward or in this thread's scratch.
    T* P = probs ? probs + score : scratch<T, Slot::attention_unit_scores>(score_size);
    const UnitShape u{T_, d, causal};
    unit_scores_forward(P, q + head, k + head, u);
    if (bias.values) {
      const int unit = static_cast<int>(score / score_size);
      attention_bias_add(P, attention_bias_unit(bias, unit / h, unit % h, h, T_), T_);
    }
    unit_softmax_values_forward(out + head, P, v + head, u);
  });
}

template <typename T>
void attention_fused_backward(T* dq, T* dk, T* dv, const T* dout, const T* probs, const T* q, const T* k,
                              const T* v, bool causal, int B, int h, int T_, int d, Write write, T* dscores,
                              T* dbias) {
  const size_t score_size = static_cast<size_t>(T_) * T_, head_size = static_cast<size_t>(T_) * d;
  auto unit_backward = [&](size_t head, size_t score) {
    // [T,T] this unit's score gradient, kept in dscores or in this thread's scratch.
    T* dS = dscores ? dscores + score : scratch<T, Slot::attention_unit_scores>(score_size);
    const UnitShape u{T_, d, causal};
    if (write == Write::assign)
      for (T* gradient : {dq + head, dk + head, dv + head}) std::fill_n(gradient, head_size, T(0));
    unit_softmax_values_backward(dS, dv + head, dout + head, probs + score, v + head, u);
    unit_scores_backward(dq + head, dk + head, static_cast<const T*>(dS), q + head, k + head, u);
    return static_cast<const T*>(dS);
  };
  if (!dbias) {
    for_attention_units(B, h, T_, d, unit_backward);
    return;
  }
  // Head by head, each head's sequences in order: dbias[a] gets Σ_b dS in
  // the order AdditiveBias's reduction over the batch uses, from whichever thread.
#pragma omp parallel for schedule(static) if (parallel_worthwhile(size_t(B) * h * T_ * T_ * d))
  for (int a = 0; a < h; ++a)
    for (int b = 0; b < B; ++b) {
      const size_t unit = static_cast<size_t>(b) * h + a;
      const T* dS = unit_backward(unit * head_size, unit * score_size);
      T* out = dbias + static_cast<size_t>(a) * score_size;
      for (size_t e = 0; e < score_size; ++e) out[e] += dS[e];
    }
}

// ---------------------------------------------------------------- head products

template <typename T>
void head_product_abt(T* out, const T* a, const T* b, T alpha, int rows, int cols, int d, ColumnBand band) {
  if (small_head(d)) {
    small_rows_dot_yt(out, a, b, rows, cols, d, band, alpha);
    return;
  }
  multiply(matrix(out, rows, cols, cols), matrix(a, rows, d, d), matrix(b, cols, d, d).transpose(), alpha,
           Write::assign);
}

template <typename T>
void head_product_ab_add(T* out, const T* w, const T* b, T alpha, int rows, int cols, int d, ColumnBand band) {
  if (small_head(d)) {
    small_weighted_rows(out, w, cols, b, d, 0, rows, cols, band, alpha, Write::accumulate);
    return;
  }
  multiply(matrix(out, rows, d, d), matrix(w, rows, cols, cols), matrix(b, cols, d, d), alpha, Write::accumulate);
}

template <typename T>
void head_product_atb_add(T* out, const T* w, const T* a, T alpha, int rows, int cols, int d, ColumnBand band) {
  if (small_head(d)) {
    small_transposed_rows(out, w, cols, a, d, 0, rows, cols, band, alpha);
    return;
  }
  multiply(matrix(out, cols, d, d), matrix(w, rows, cols, cols).transpose(), matrix(a, rows, d, d), alpha,
           Write::accumulate);
}

// ---------------------------------------------------------------- loss

template <typename T>
void crossentropy_forward(double* losses, int* predictions, const T* logits, const int* targets, int N,
                          int V) {
#pragma omp parallel for schedule(static) if (parallel_worthwhile(size_t(N) * V))
  for (int n = 0; n < N; ++n) {
    const T* z = logits + static_cast<size_t>(n) * V;
    int best = 0;
    for (int c = 1; c < V; ++c)
      if (z[c] > z[best]) best = c;
    predictions[n] = best;
    if (targets[n] < 0) {
      losses[n] = 0.0;
      continue;
    }
    double total = 0.0;
    for (int c = 0; c < V; ++c) total += std::exp(static_cast<double>(z[c]) - z[best]);
    losses[n] = std::log(total) + z[best] - static_cast<double>(z[targets[n]]);
  }
}

template <typename T>
void crossentropy_backward(T* dlogits, const T* logits, const int* targets, T dloss, int N, int V) {
#pragma omp parallel for schedule(static) if (parallel_worthwhile(size_t(N) * V))
  for (int n = 0; n < N; ++n) {
    if (targets[n] < 0) continue;
    const T* z = logits + static_cast<size_t>(n) * V;
    T* dz = dlogits + static_cast<size_t>(n) * V;
    const double max_logit = *std::max_element(z, z + V);
    double total = 0.0;
    for (int c = 0; c < V; ++c) total += std::exp(static_cast<double>(z[c]) - max_logit);
    for (int c = 0; c < V; ++c) {
      const double p = std::exp(static_cast<double>(z[c]) - max_logit) / total;
      dz[c] += static_cast<T>((p - (c == targets[n] ? 1.0 : 0.0)) * dloss);
    }
  }
}

bool avx512_kernels_enabled() {
#ifdef PEBENCH_AVX512_KERNELS
  static const bool cpu_has = __builtin_cpu_supports("avx512f");
  return cpu_has && avx512_kernels_allowed.load(std::memory_order_relaxed);
#else
  return false;
#endif
}

void attention_allow_avx512(bool allow) { avx512_kernels_allowed.store(allow, std::memory_order_relaxed); }
bool attention_uses_avx512() { return avx512_kernels_enabled(); }

// ---------------------------------------------------------------- instantiation

#define PEBENCH_LAYERS_INSTANTIATE(T)                                                                        \
  template void embedding_forward<T>(T*, const int*, const T*, T, int, int);                                 \
  template void embedding_backward<T>(T*, const T*, const int*, T, int, int);                                \
  template void linear_forward<T>(T*, const T*, const T*, const T*, int, int, int, int, const RowBlockHook&, \
                                  const RowBlockHook&, Precision);                                           \
  template void linear_transpose_weight<T>(T*, const T*, int, int);                                          \
  template void linear_rows_forward<T>(T*, const T*, const T*, const T*, int, int, int, const Bf16Matrix*);  \
  template const Bf16Matrix* linear_pack_weight<T>(Bf16Matrix&, const T*, int, int, Precision);              \
  template void linear_backward<T>(T*, T*, T*, const T*, const T*, const T*, int, int, int, int, Write,      \
                                   Precision);                                                               \
  template void layernorm_forward<T>(T*, T*, T*, const T*, const T*, const T*, int, int);                    \
  template void layernorm_backward<T>(T*, T*, T*, const T*, const T*, const T*, const T*, const T*, int,     \
                                      int);                                                                  \
  template void activation_forward<T>(T*, const T*, Activation, size_t);                                     \
  template void activation_backward<T>(T*, const T*, const T*, Activation, size_t, Write);                   \
  template void dropout_forward<T>(T*, uint8_t*, double, uint64_t, uint64_t, int, int, size_t);              \
  template void dropout_backward<T>(T*, const T*, const uint8_t*, double, size_t, Write);                    \
  template void fill_zero<T>(T*, size_t);                                                                    \
  template void fill_zero<T>(const std::vector<BufferPrefix<T>>&);                                           \
  template void residual_forward<T>(T*, const T*, const T*, size_t);                                         \
  template void residual_backward<T>(T*, T*, const T*, size_t, Write);                                       \
  template void split_heads_forward<T>(T*, T*, T*, const T*, int, int, int, int);                            \
  template void split_heads_backward<T>(T*, const T*, const T*, const T*, int, int, int, int, Write);        \
  template void merge_heads_forward<T>(T*, const T*, int, int, int, int);                                    \
  template void merge_heads_backward<T>(T*, const T*, int, int, int, int, Write);                            \
  template void attention_scores_forward<T>(T*, const T*, const T*, bool, int, int, int, int);               \
  template void attention_scores_backward<T>(T*, T*, const T*, const T*, const T*, bool, int, int, int,      \
                                             int);                                                           \
  template void attention_softmax_values_forward<T>(T*, T*, const T*, bool, int, int, int, int);             \
  template void attention_softmax_values_backward<T>(T*, T*, const T*, const T*, const T*, bool, int, int,   \
                                                     int, int);                                              \
  template const T* attention_bias_unit<T>(const AttentionBias<T>&, int, int, int, int);                     \
  template void attention_bias_add<T>(T*, const T*, int);                                                    \
  template void attention_fused_forward<T>(T*, T*, const T*, const T*, const T*, bool, int, int, int, int,   \
                                           const AttentionBias<T>&);                                         \
  template void attention_fused_backward<T>(T*, T*, T*, const T*, const T*, const T*, const T*, const T*,    \
                                            bool, int, int, int, int, Write, T*, T*);                        \
  template void head_product_abt<T>(T*, const T*, const T*, T, int, int, int, ColumnBand);                   \
  template void head_product_ab_add<T>(T*, const T*, const T*, T, int, int, int, ColumnBand);                \
  template void head_product_atb_add<T>(T*, const T*, const T*, T, int, int, int, ColumnBand);               \
  template void crossentropy_forward<T>(double*, int*, const T*, const int*, int, int);                      \
  template void crossentropy_backward<T>(T*, const T*, const int*, T, int, int);

PEBENCH_LAYERS_INSTANTIATE(float)
PEBENCH_LAYERS_INSTANTIATE(double)

}  // namespace pebench
