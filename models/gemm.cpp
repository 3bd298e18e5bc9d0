#include "models/gemm.hpp"

#include "models/eigen.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#if defined(EIGEN_VECTORIZE_AVX) && defined(EIGEN_VECTORIZE_FMA) && !defined(EIGEN_VECTORIZE_AVX512) && \
    EIGEN_WORLD_VERSION == 3 && EIGEN_MAJOR_VERSION == 4
#define PEBENCH_GEMM_IN_EIGEN_ORDER 1
#include <immintrin.h>
#endif

namespace pebench {

#ifdef PEBENCH_GEMM_IN_EIGEN_ORDER
namespace {

using Traits = Eigen::internal::gebp_traits<float, float>;
static_assert(Traits::LhsProgress == 8 && Traits::mr == 24 && Traits::nr == 4,
              "the kernel models Eigen's AVX micro-kernel: 8-lane packets, 24x4 tiles");
constexpr int kLanes = 8;
constexpr int kPanelColumns = 3 * kLanes;  // Eigen's widest column panel (mr)
constexpr int kHalfLanes = 4;             // Eigen's half packet (SSE)
constexpr int kPeel = 8;                   // Eigen's k unrolling (pk) in the one-packet strip
constexpr int kStripRows = 4;              // rows per group in that strip (nr)
constexpr int kTileRows = 6;               // rows per tile elsewhere (any grouping gives Eigen's result)

// The operands, every one with contiguous rows.
struct Operands {
  float* c;  // [M,N]
  std::ptrdiff_t ldc;
  const float* a;  // [M,K]
  std::ptrdiff_t lda;
  const float* b;  // [K,N]
  std::ptrdiff_t ldb;
  __m256 alpha;
  bool from_zero;  // assigning, first k block: C starts at zero
};

// c = fma(sum, alpha, c), Eigen's gebp_traits::acc.
[[gnu::always_inline]] inline void store_sum(const Operands& o, float* c, __m256 sum) {
  const __m256 old = o.from_zero ? _mm256_setzero_ps() : _mm256_loadu_ps(c);
  _mm256_storeu_ps(c, _mm256_fmadd_ps(sum, o.alpha, old));
}

// Rows [m, m+R) × columns [n, n+8V): one chain per output over k in [k0, k1).
template <int R, int V>
[[gnu::always_inline]] inline void chain_tile(const Operands& o, int m, int n, int k0, int k1) {
  __m256 sum[R][V];
  _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r)
    _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) sum[r][v] = _mm256_setzero_ps();
  const float* a = o.a + m * o.lda;
  for (int k = k0; k < k1; ++k) {
    __m256 bk[V];
    _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) bk[v] = _mm256_loadu_ps(o.b + k * o.ldb + n + kLanes * v);
    _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r) {
      const __m256 ak = _mm256_broadcast_ss(a + r * o.lda + k);
      _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) sum[r][v] = _mm256_fmadd_ps(ak, bk[v], sum[r][v]);
    }
  }
  _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r)
    _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) store_sum(o, o.c + (m + r) * o.ldc + n + kLanes * v, sum[r][v]);
}

template <int V>
void chain_rows(const Operands& o, int m, int rows, int n, int k0, int k1) {
  switch (rows) {
    case 1: return chain_tile<1, V>(o, m, n, k0, k1);
    case 2: return chain_tile<2, V>(o, m, n, k0, k1);
    case 3: return chain_tile<3, V>(o, m, n, k0, k1);
    case 4: return chain_tile<4, V>(o, m, n, k0, k1);
    case 5: return chain_tile<5, V>(o, m, n, k0, k1);
    default: return chain_tile<6, V>(o, m, n, k0, k1);
  }
}

// Columns [n0, n1) of every row, plain chains. Row tiles outermost: a tile's
// rows of a stay in L1 while it sweeps the columns (b comes from L2).
void chain_columns(const Operands& o, int M, int n0, int n1, int k0, int k1) {
  for (int m = 0; m < M; m += kTileRows) {
    const int rows = std::min(kTileRows, M - m);
    for (int n = n0; n < n1; n += 2 * kLanes) {
      if (n1 - n >= 2 * kLanes) chain_rows<2>(o, m, rows, n, k0, k1);
      else chain_rows<1>(o, m, rows, n, k0, k1);
    }
  }
}

// Eigen's one-packet strip for rows [m, m+4), columns [n, n+8): even and odd
// k of the peeled part in two chains, added, then the remaining k.
void split_chain_tile(const Operands& o, int m, int n, int k0, int k1) {
  __m256 even[kStripRows], odd[kStripRows];
  for (int r = 0; r < kStripRows; ++r) even[r] = odd[r] = _mm256_setzero_ps();
  const float* a = o.a + m * o.lda;
  const int peeled_end = k0 + ((k1 - k0) & ~(kPeel - 1));
  int k = k0;
  for (; k < peeled_end; k += 2) {
    const __m256 b0 = _mm256_loadu_ps(o.b + k * o.ldb + n), b1 = _mm256_loadu_ps(o.b + (k + 1) * o.ldb + n);
    for (int r = 0; r < kStripRows; ++r) {
      even[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + r * o.lda + k), b0, even[r]);
      odd[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + r * o.lda + k + 1), b1, odd[r]);
    }
  }
  for (int r = 0; r < kStripRows; ++r) even[r] = _mm256_add_ps(even[r], odd[r]);
  for (; k < k1; ++k) {
    const __m256 bk = _mm256_loadu_ps(o.b + k * o.ldb + n);
    for (int r = 0; r < kStripRows; ++r)
      even[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + r * o.lda + k), bk, even[r]);
  }
  for (int r = 0; r < kStripRows; ++r) store_sum(o, o.c + (m + r) * o.ldc + n, even[r]);
}

// The strip's rows: Eigen walks them in blocks of `row_block` (its nc), in
// groups of 4 from each block's start, the rest one row at a time.
void split_strip(const Operands& o, int M, int row_block, int n, int k0, int k1) {
  for (int m0 = 0; m0 < M; m0 += row_block) {
    const int rows = std::min(row_block, M - m0), grouped = rows - rows % kStripRows;
    for (int m = m0; m < m0 + grouped; m += kStripRows) split_chain_tile(o, m, n, k0, k1);
    for (int m = m0 + grouped; m < m0 + rows; ++m) chain_tile<1, 1>(o, m, n, k0, k1);
  }
}

// Columns narrower than a vector (a column block's last 1–7), one output at
// a time in scalar fused multiply-adds, in the order of Eigen's paths for
// them: a 4-column half-packet strip (split chains like the 8-column one),
// then its "remaining rows", where each group of 4 rows sums pairs of k.
struct Output {
  const Operands& o;
  int m, n;
  float a(int k) const { return o.a[m * o.lda + k]; }
  float b(int k) const { return o.b[k * o.ldb + n]; }
};

float plain_chain(const Output& x, int k0, int k1) {
  float sum = 0;
  for (int k = k0; k < k1; ++k) sum = std::fma(x.a(k), x.b(k), sum);
  return sum;
}

// The one-packet strip's order (split_chain_tile), for one output.
float split_chain(const Output& x, int k0, int k1) {
  const int peeled_end = k0 + ((k1 - k0) & ~(kPeel - 1));
  float even = 0, odd = 0;
  int k = k0;
  for (; k < peeled_end; k += 2) {
    even = std::fma(x.a(k), x.b(k), even);
    odd = std::fma(x.a(k + 1), x.b(k + 1), odd);
  }
  float sum = even + odd;
  for (; k < k1; ++k) sum = std::fma(x.a(k), x.b(k), sum);
  return sum;
}

// Eigen's remaining rows for 4 of its columns (gebp's "swapped" path): four
// accumulators of two lanes take k = 8t + 2j (lane 0) and 8t + 2j + 1
// (lane 1), j = 0..3; they are added (0+1)+(2+3), the k left in pairs go to
// the two lanes, the lanes are added, then an odd last k.
float paired_chain(const Output& x, int k0, int k1) {
  const int depth = k1 - k0, pairs_end = k0 + (depth & ~1), octets_end = k0 + (depth & ~7);
  float lane0[4] = {0, 0, 0, 0}, lane1[4] = {0, 0, 0, 0};
  int k = k0;
  for (; k < octets_end; k += 8)
    for (int j = 0; j < 4; ++j) {
      lane0[j] = std::fma(x.a(k + 2 * j), x.b(k + 2 * j), lane0[j]);
      lane1[j] = std::fma(x.a(k + 2 * j + 1), x.b(k + 2 * j + 1), lane1[j]);
    }
  float low = (lane0[0] + lane0[1]) + (lane0[2] + lane0[3]), high = (lane1[0] + lane1[1]) + (lane1[2] + lane1[3]);
  for (; k < pairs_end; k += 2) {
    low = std::fma(x.a(k), x.b(k), low);
    high = std::fma(x.a(k + 1), x.b(k + 1), high);
  }
  float sum = low + high;
  if (k < k1) sum = std::fma(x.a(k), x.b(k), sum);
  return sum;
}

using ScalarChain = float (*)(const Output&, int, int);

// Columns [n0, n1) of every row: Eigen walks the rows in blocks of
// `row_block` (its nc), in groups of 4 from each block's start (summed by
// `grouped`), the rest one row at a time (a plain chain).
void narrow_columns(const Operands& o, int M, int row_block, int n0, int n1, int k0, int k1, ScalarChain grouped) {
  for (int m0 = 0; m0 < M; m0 += row_block) {
    const int rows = std::min(row_block, M - m0), in_groups = rows - rows % kStripRows;
    for (int m = m0; m < m0 + rows; ++m)
      for (int n = n0; n < n1; ++n) {
        const Output x{o, m, n};
        const float sum = m < m0 + in_groups ? grouped(x, k0, k1) : plain_chain(x, k0, k1);
        float* c = o.c + m * o.ldc + n;
        *c = std::fma(sum, o.alpha[0], o.from_zero ? 0.0f : *c);
      }
  }
}

// dst[r·cols + c] = src[r + c·ld] for r < 8, c < 8: an 8×8 block of a matrix
// stored column by column, written row by row.
void transpose_block(float* dst, int cols, const float* src, std::ptrdiff_t ld) {
  __m256 v[8], t[8];
  for (int j = 0; j < 8; ++j) v[j] = _mm256_loadu_ps(src + j * ld);
  for (int j = 0; j < 8; j += 2) {
    t[j] = _mm256_unpacklo_ps(v[j], v[j + 1]);
    t[j + 1] = _mm256_unpackhi_ps(v[j], v[j + 1]);
  }
  for (int j = 0; j < 8; j += 4) {
    v[j] = _mm256_shuffle_ps(t[j], t[j + 2], _MM_SHUFFLE(1, 0, 1, 0));
    v[j + 1] = _mm256_shuffle_ps(t[j], t[j + 2], _MM_SHUFFLE(3, 2, 3, 2));
    v[j + 2] = _mm256_shuffle_ps(t[j + 1], t[j + 3], _MM_SHUFFLE(1, 0, 1, 0));
    v[j + 3] = _mm256_shuffle_ps(t[j + 1], t[j + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int j = 0; j < 4; ++j) {
    _mm256_storeu_ps(dst + j * cols, _mm256_permute2f128_ps(v[j], v[j + 4], 0x20));
    _mm256_storeu_ps(dst + (j + 4) * cols, _mm256_permute2f128_ps(v[j], v[j + 4], 0x31));
  }
}

// x [rows, cols] with contiguous rows: x itself, or a copy in `buffer`. A
// transposed row-major matrix (contiguous columns) is copied in 8×8 blocks.
// The values are only moved, so the product does not change.
StridedMatrix row_major(StridedMatrix x, int rows, int cols, std::vector<float>& buffer) {
  if (x.col_stride == 1) return x;
  if (buffer.size() < static_cast<size_t>(rows) * cols) buffer.resize(static_cast<size_t>(rows) * cols);
  float* copy = buffer.data();
  int r0 = 0, c0 = 0;
  if (x.row_stride == 1) {
    r0 = rows - rows % 8, c0 = cols - cols % 8;
    for (int r = 0; r < r0; r += 8)
      for (int c = 0; c < c0; c += 8) transpose_block(copy + r * cols + c, cols, x.data + r + c * x.col_stride, x.col_stride);
  }
  for (int r = 0; r < rows; ++r)  // what the blocks left: every element when x is not a transposed matrix
    for (int c = r < r0 ? c0 : 0; c < cols; ++c) copy[r * cols + c] = x.data[r * x.row_stride + c * x.col_stride];
  return {copy, cols, 1};
}

}  // namespace

bool gemm_in_eigen_order_available() { return true; }

bool gemm_in_eigen_order(float* c, std::ptrdiff_t ldc, StridedMatrix a, StridedMatrix b, int M, int N, int K,
                         float alpha, bool accumulate) {
  if (M < 2 || N < 2 || K < 1) return false;  // Eigen: matrix-vector products
  // Eigen's blocking of the transposed problem (row-major destination): its
  // rows are our columns (m), its columns our rows (n), k the inner dimension.
  Eigen::Index depth_block = K, column_block = N, row_block = M;
  Eigen::internal::computeProductBlockingSizes<float, float, 1, Eigen::Index>(depth_block, column_block, row_block, 1);
  // Both operands with contiguous rows: a's rows stay in L1 while a tile
  // sweeps the columns, b's rows load as vectors.
  static thread_local std::vector<float> a_copy, b_copy;
  a = row_major(a, M, K, a_copy);
  b = row_major(b, K, N, b_copy);
  Operands o{c, ldc, a.data, a.row_stride, b.data, b.row_stride, _mm256_set1_ps(alpha), false};
  for (int k0 = 0; k0 < K; k0 += static_cast<int>(depth_block)) {
    const int k1 = std::min<int>(K, k0 + static_cast<int>(depth_block));
    o.from_zero = !accumulate && k0 == 0;
    for (int n0 = 0; n0 < N; n0 += static_cast<int>(column_block)) {
      const int width = std::min<int>(static_cast<int>(column_block), N - n0);
      // Eigen's panels of the block: 24 and 16 columns (plain chains), then
      // at most one of 8 and one of 4 (split chains), then 0–3 columns.
      const int rows = static_cast<int>(row_block);
      const int wide = width - width % kPanelColumns;
      const int plain_end = n0 + wide + (width - wide) / (2 * kLanes) * (2 * kLanes);
      const int strip_end = plain_end + (n0 + width - plain_end) / kLanes * kLanes;
      const int half_end = strip_end + (n0 + width - strip_end) / kHalfLanes * kHalfLanes;
      chain_columns(o, M, n0, plain_end, k0, k1);
      if (strip_end > plain_end) split_strip(o, M, rows, plain_end, k0, k1);
      narrow_columns(o, M, rows, strip_end, half_end, k0, k1, split_chain);
      narrow_columns(o, M, rows, half_end, n0 + width, k0, k1, paired_chain);
    }
  }
  return true;
}

#else

bool gemm_in_eigen_order_available() { return false; }

bool gemm_in_eigen_order(float*, std::ptrdiff_t, StridedMatrix, StridedMatrix, int, int, int, float, bool) {
  return false;
}

#endif

}  // namespace pebench
