#include "models/gemm_bf16.hpp"

// The wide vectors never cross a call boundary.
#pragma GCC diagnostic ignored "-Wpsabi"
// GCC 12 warns inside its own AVX-512 intrinsics (the undefined vector a
// masked conversion starts from); a false positive.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <type_traits>

#include <immintrin.h>

#include "models/aligned_buffer.hpp"

namespace pebench {

uint16_t bf16_from_float(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  if ((bits & 0x7f800000u) == 0) bits &= 0x80000000u;  // a subnormal input counts as zero
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);  // NaN stays NaN
  const uint32_t round_to_even = 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>((bits + round_to_even) >> 16);
}

float float_from_bf16(uint16_t x) {
  const uint32_t bits = static_cast<uint32_t>(x) << 16;
  float out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

namespace {

std::atomic<bool> hardware_allowed{true};

constexpr int kLanes = 16;    // outputs per vector (and columns of the packed b per pair row)
constexpr int kTileRows = 8;  // rows per tile: 8 × 2 accumulators + 2 b vectors in registers

int round_up(int n, int multiple) { return (n + multiple - 1) / multiple * multiple; }

// Two bfloat16 in one 32-bit word, k even in the low half (VDPBF16PS's layout).
uint32_t pair(float even, float odd) {
  return static_cast<uint32_t>(bf16_from_float(even)) | (static_cast<uint32_t>(bf16_from_float(odd)) << 16);
}

// The operands in pairs of k: pair p of row i of a at a[i·a_row + p·a_pair]
// ([M, pairs] for a row-major a, [pairs, M] for a transposed one: whichever
// its memory gives with contiguous reads); b as [pairs, padded N] (pair row
// p's columns contiguous, zero past N). An odd K pairs its last k with a zero.
struct Packed {
  const uint32_t* a;
  std::ptrdiff_t a_row, a_pair;
  const uint32_t* b;
  int pairs, padded_n;
};

// The packing's two moves, for `count` values: a run of k in one row, rounded
// (out: 2·pairs halves, the last one zero for an odd count); and two rows of
// consecutive k side by side (out[x] = pair(even[x], odd[x]); odd null: zeros).
void round_run(uint16_t* out, const float* in, int count) {
  for (int x = 0; x < count; ++x) out[x] = bf16_from_float(in[x]);
  if (count % 2) out[count] = 0;
}
void pair_rows(uint32_t* out, const float* even, const float* odd, int count, int padded) {
  for (int x = 0; x < count; ++x) out[x] = pair(even[x], odd ? odd[x] : 0.0f);
  std::fill(out + count, out + padded, 0u);
}

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 10
#define PEBENCH_BF16_KERNEL 1
#define PEBENCH_BF16_TARGET gnu::target("avx512f,avx512bw,avx512vl,avx512bf16")

// The same moves with the CPU's conversion (VCVTNEPS2BF16, round to nearest
// even with subnormal inputs as zero: bf16_from_float's rounding, which a test checks).
[[PEBENCH_BF16_TARGET]] void round_run_avx512(uint16_t* out, const float* in, int count) {
  for (int x = 0; x < count; x += kLanes) {
    const int left = std::min(kLanes, count - x);
    const __mmask16 mask = static_cast<__mmask16>((1u << left) - 1);
    const __m256bh rounded = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(mask, in + x));
    _mm256_mask_storeu_epi16(out + x, mask, (__m256i)rounded);
  }
  if (count % 2) out[count] = 0;
}
[[PEBENCH_BF16_TARGET]] void pair_rows_avx512(uint32_t* out, const float* even, const float* odd, int count,
                                              int padded) {
  for (int x = 0; x < padded; x += kLanes) {
    const int left = std::max(0, std::min(kLanes, count - x));
    const __mmask16 mask = static_cast<__mmask16>((1u << left) - 1);
    const __mmask16 store = static_cast<__mmask16>((1u << std::min(kLanes, padded - x)) - 1);  // never past padded
    const __m512i low = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(mask, even + x)));
    const __m512i high =
        odd ? _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(mask, odd + x)))
            : _mm512_setzero_si512();
    _mm512_mask_storeu_epi32(out + x, store, _mm512_or_si512(low, _mm512_slli_epi32(high, 16)));
  }
}
#endif

// The two moves, in the CPU's conversion where gemm_bf16 runs in hardware.
void round_run_fastest(uint16_t* out, const float* in, int count) {
#ifdef PEBENCH_BF16_KERNEL
  if (gemm_bf16_in_hardware()) return round_run_avx512(out, in, count);
#endif
  round_run(out, in, count);
}
void pair_rows_fastest(uint32_t* out, const float* even, const float* odd, int count, int padded) {
#ifdef PEBENCH_BF16_KERNEL
  if (gemm_bf16_in_hardware()) return pair_rows_avx512(out, even, odd, count, padded);
#endif
  pair_rows(out, even, odd, count, padded);
}

// a packed into this thread's buffer: a row-major a one row at a time, a
// transposed one two columns (of k) at a time, any other element by element.
Packed pack_a(StridedMatrix a, int M, int K) {
  static thread_local AlignedBuffer<uint32_t> a_pairs;
  const int pairs = (K + 1) / 2;
  if (a_pairs.size() < static_cast<size_t>(M) * pairs) a_pairs.resize(static_cast<size_t>(M) * pairs);
  Packed packed{a_pairs.data(), pairs, 1, nullptr, pairs, 0};
  if (a.col_stride == 1) {
    for (int i = 0; i < M; ++i)
      round_run_fastest(reinterpret_cast<uint16_t*>(a_pairs.data() + i * pairs), a.data + i * a.row_stride, K);
  } else if (a.row_stride == 1) {
    packed.a_row = 1;
    packed.a_pair = M;
    for (int p = 0; p < pairs; ++p)  // a's k-th column is contiguous
      pair_rows_fastest(a_pairs.data() + p * M, a.data + 2 * p * a.col_stride,
                        2 * p + 1 < K ? a.data + (2 * p + 1) * a.col_stride : nullptr, M, M);
  } else {
    for (int i = 0; i < M; ++i)
      for (int p = 0; p < pairs; ++p) {
        const float odd = 2 * p + 1 < K ? a.data[i * a.row_stride + (2 * p + 1) * a.col_stride] : 0.0f;
        a_pairs[i * pairs + p] = pair(a.data[i * a.row_stride + 2 * p * a.col_stride], odd);
      }
  }
  return packed;
}

// One pair step of VDPBF16PS on one output: odd k first, then even; each
// product is exact, each sum rounded once, a subnormal sum flushed to zero.
float flush_subnormal(float x) { return std::fpclassify(x) == FP_SUBNORMAL ? std::copysign(0.0f, x) : x; }
float pair_step(float acc, uint32_t a, uint32_t b) {
  acc = flush_subnormal(std::fma(float_from_bf16(static_cast<uint16_t>(a >> 16)),
                                 float_from_bf16(static_cast<uint16_t>(b >> 16)), acc));
  return flush_subnormal(std::fma(float_from_bf16(static_cast<uint16_t>(a)), float_from_bf16(static_cast<uint16_t>(b)),
                                  acc));
}

void store(float* c, float sum, bool accumulate) { *c = accumulate ? *c + sum : sum; }

// The portable version: one output at a time.
void portable_product(float* c, std::ptrdiff_t ldc, const Packed& o, int M, int N, bool accumulate) {
  for (int i = 0; i < M; ++i)
    for (int n = 0; n < N; ++n) {
      float acc = 0.0f;
      for (int p = 0; p < o.pairs; ++p) acc = pair_step(acc, o.a[i * o.a_row + p * o.a_pair], o.b[p * o.padded_n + n]);
      store(c + i * ldc + n, acc, accumulate);
    }
}

#ifdef PEBENCH_BF16_KERNEL
// Rows [i, i + R) × columns [n, n + 16V), V = 1 or 2; columns from N on are
// computed on the packing's zeros and not stored.
template <int R, int V>
[[PEBENCH_BF16_TARGET, gnu::noinline]] void tile(float* c, std::ptrdiff_t ldc, const Packed& o, int i, int n, int N,
                                                 bool accumulate) {
  __m512 acc[R][V];
  _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r)
    _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) acc[r][v] = _mm512_setzero_ps();
  const uint32_t* a = o.a + i * o.a_row;
  const uint32_t* b = o.b + n;
  for (int p = 0; p < o.pairs; ++p, b += o.padded_n) {
    __m512i bp[V];
    _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) bp[v] = _mm512_loadu_si512(b + kLanes * v);
    _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r) {
      const __m512i ap = _mm512_set1_epi32(static_cast<int>(a[r * o.a_row + p * o.a_pair]));
      _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v)
        acc[r][v] = _mm512_dpbf16_ps(acc[r][v], (__m512bh)ap, (__m512bh)bp[v]);
    }
  }
  _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) {
    const int left = N - (n + kLanes * v);
    const __mmask16 mask = left >= kLanes ? __mmask16(0xffff) : static_cast<__mmask16>((1u << left) - 1);
    _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r) {
      float* out = c + (i + r) * ldc + n + kLanes * v;
      const __m512 sum = accumulate ? _mm512_add_ps(_mm512_maskz_loadu_ps(mask, out), acc[r][v]) : acc[r][v];
      _mm512_mask_storeu_ps(out, mask, sum);
    }
  }
}

// tile<R, V> for the R = rows (1..8) at hand.
template <int V>
void tile_rows(int rows, float* c, std::ptrdiff_t ldc, const Packed& o, int i, int n, int N, bool accumulate) {
  switch (rows) {
    case 8: return tile<8, V>(c, ldc, o, i, n, N, accumulate);
    case 7: return tile<7, V>(c, ldc, o, i, n, N, accumulate);
    case 6: return tile<6, V>(c, ldc, o, i, n, N, accumulate);
    case 5: return tile<5, V>(c, ldc, o, i, n, N, accumulate);
    case 4: return tile<4, V>(c, ldc, o, i, n, N, accumulate);
    case 3: return tile<3, V>(c, ldc, o, i, n, N, accumulate);
    case 2: return tile<2, V>(c, ldc, o, i, n, N, accumulate);
    default: return tile<1, V>(c, ldc, o, i, n, N, accumulate);
  }
}

void hardware_product(float* c, std::ptrdiff_t ldc, const Packed& o, int M, int N, bool accumulate) {
  for (int i = 0; i < M; i += kTileRows) {
    const int rows = std::min(kTileRows, M - i);
    int n = 0;
    for (; n + kLanes < N; n += 2 * kLanes) tile_rows<2>(rows, c, ldc, o, i, n, N, accumulate);
    if (n < N) tile_rows<1>(rows, c, ldc, o, i, n, N, accumulate);
  }
}

bool cpu_has_bf16() {
  static const bool has = __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl");
  return has;
}
#else
bool cpu_has_bf16() { return false; }
void hardware_product(float*, std::ptrdiff_t, const Packed&, int, int, bool) {}  // never called
#endif

}  // namespace

bool gemm_bf16_in_hardware() { return cpu_has_bf16() && hardware_allowed.load(std::memory_order_relaxed); }
void gemm_bf16_allow_hardware(bool allow) { hardware_allowed.store(allow, std::memory_order_relaxed); }

// b two rows of k at a time where its rows are contiguous, else element by element.
void Bf16Matrix::pack(StridedMatrix b, int K, int N) {
  K_ = K;
  N_ = N;
  padded_n_ = round_up(N, kLanes);
  const int k_pairs = (K + 1) / 2;
  if (pairs_.size() < static_cast<size_t>(k_pairs) * padded_n_) pairs_.resize(static_cast<size_t>(k_pairs) * padded_n_);
  for (int p = 0; p < k_pairs; ++p) {
    uint32_t* out = pairs_.data() + static_cast<size_t>(p) * padded_n_;
    if (b.col_stride == 1) {
      pair_rows_fastest(out, b.data + 2 * p * b.row_stride, 2 * p + 1 < K ? b.data + (2 * p + 1) * b.row_stride : nullptr,
                        N, padded_n_);
      continue;
    }
    for (int n = 0; n < padded_n_; ++n) {
      const bool inside = n < N;
      const float even = inside ? b.data[2 * p * b.row_stride + n * b.col_stride] : 0.0f;
      const float odd = inside && 2 * p + 1 < K ? b.data[(2 * p + 1) * b.row_stride + n * b.col_stride] : 0.0f;
      out[n] = pair(even, odd);
    }
  }
}

void gemm_bf16(float* c, std::ptrdiff_t ldc, StridedMatrix a, const Bf16Matrix& b, int M, bool accumulate) {
  if (M <= 0 || b.cols() <= 0) return;
  Packed packed = pack_a(a, M, b.rows());
  packed.b = b.pairs();
  packed.padded_n = b.padded_cols();
  if (gemm_bf16_in_hardware()) hardware_product(c, ldc, packed, M, b.cols(), accumulate);
  else portable_product(c, ldc, packed, M, b.cols(), accumulate);
}

void gemm_bf16(float* c, std::ptrdiff_t ldc, StridedMatrix a, StridedMatrix b, int M, int N, int K, bool accumulate) {
  static thread_local Bf16Matrix packed_b;
  packed_b.pack(b, K, N);
  gemm_bf16(c, ldc, a, packed_b, M, accumulate);
}

}  // namespace pebench
