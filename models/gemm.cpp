#include "models/gemm.hpp"

#include "models/aligned_buffer.hpp"
#include "models/eigen.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <type_traits>
#include <utility>
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
  const float* a;  // [M,K]: row m at a + m·lda, or, where a_by_columns, column k at a + k·lda
  std::ptrdiff_t lda;
  bool a_by_columns;
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
// A function of its own (not inlined), so that its loop keeps the row
// pointers in registers whatever the caller holds.
template <int R, int V>
[[gnu::noinline]] void chain_tile(const Operands& o, int m, int n, int k0, int k1) {
  const float* a[R];
  _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r) a[r] = o.a + (m + r) * o.lda;
  const std::ptrdiff_t ldb = o.ldb;
  const float* b = o.b + k0 * ldb + n;
  __m256 sum[R][V];
  _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r)
    _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) sum[r][v] = _mm256_setzero_ps();
  for (int k = k0; k < k1; ++k, b += ldb) {
    __m256 bk[V];
    _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) bk[v] = _mm256_loadu_ps(b + kLanes * v);
    _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r) {
      const __m256 ak = _mm256_broadcast_ss(a[r] + k);
      _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) sum[r][v] = _mm256_fmadd_ps(ak, bk[v], sum[r][v]);
    }
  }
  _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r)
    _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) store_sum(o, o.c + (m + r) * o.ldc + n + kLanes * v, sum[r][v]);
}

// tile(std::integral_constant<int, R>()) with R = rows, 1 <= rows <= kTileRows.
template <typename Tile>
void with_tile_rows(int rows, Tile tile) {
  static_assert(kTileRows == 6, "one case per row count");
  switch (rows) {
    case 1: return tile(std::integral_constant<int, 1>());
    case 2: return tile(std::integral_constant<int, 2>());
    case 3: return tile(std::integral_constant<int, 3>());
    case 4: return tile(std::integral_constant<int, 4>());
    case 5: return tile(std::integral_constant<int, 5>());
    default: return tile(std::integral_constant<int, 6>());
  }
}

// The same chains 16 columns to a vector, on a CPU with AVX-512. A chain is
// one output's sequence of fused multiply-adds over k, whatever the vector
// width, so the results are Eigen's AVX2 results bit for bit; only twice as
// many outputs advance per instruction. Compiled for AVX-512 whatever the
// build's target, and called only where the CPU has it (use_avx512()).
constexpr int kWideLanes = 16;

[[gnu::target("avx512f")]] inline void store_sum_avx512(const Operands& o, float* c, __m512 sum) {
  const __m512 alpha = _mm512_set1_ps(_mm256_cvtss_f32(o.alpha));
  const __m512 old = o.from_zero ? _mm512_setzero_ps() : _mm512_loadu_ps(c);
  _mm512_storeu_ps(c, _mm512_fmadd_ps(sum, alpha, old));
}

// Rows [m, m+R) × columns [n, n+16V), as chain_tile. A copy of it rather
// than one template over the vector type: GCC compiles a function for one
// target, and a shared (always-inlined) body is first compiled for the
// build's own, where the AVX-512 intrinsics cannot be inlined.
template <int R, int V>
[[gnu::noinline, gnu::target("avx512f")]] void chain_tile_avx512(const Operands& o, int m, int n, int k0, int k1) {
  const float* a[R];
  _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r) a[r] = o.a + (m + r) * o.lda;
  const std::ptrdiff_t ldb = o.ldb;
  const float* b = o.b + k0 * ldb + n;
  __m512 sum[R][V];
  _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r)
    _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) sum[r][v] = _mm512_setzero_ps();
  for (int k = k0; k < k1; ++k, b += ldb) {
    __m512 bk[V];
    _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) bk[v] = _mm512_loadu_ps(b + kWideLanes * v);
    _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r) {
      const __m512 ak = _mm512_set1_ps(a[r][k]);
      _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) sum[r][v] = _mm512_fmadd_ps(ak, bk[v], sum[r][v]);
    }
  }
  _Pragma("GCC unroll 8") for (int r = 0; r < R; ++r)
    _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v)
      store_sum_avx512(o, o.c + (m + r) * o.ldc + n + kWideLanes * v, sum[r][v]);
}

// The same chains with a stored column by column (a transposed matrix, as
// in a weight gradient's Gᵀ·X): a tile's R values of a at one k are
// contiguous, so one pointer serves every row, and a needs no copy into
// rows (12-row tiles, which this allows, ran no faster than 8-row ones on
// the weight gradients' 64-row blocks).
template <int R, int V>
[[gnu::noinline, gnu::target("avx512f")]] void chain_tile_columns_avx512(const Operands& o, int m, int n, int k0,
                                                                        int k1) {
  const std::ptrdiff_t lda = o.lda, ldb = o.ldb;
  const float* a = o.a + k0 * lda + m;
  const float* b = o.b + k0 * ldb + n;
  __m512 sum[R][V];
  _Pragma("GCC unroll 16") for (int r = 0; r < R; ++r)
    _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) sum[r][v] = _mm512_setzero_ps();
  for (int k = k0; k < k1; ++k, a += lda, b += ldb) {
    __m512 bk[V];
    _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) bk[v] = _mm512_loadu_ps(b + kWideLanes * v);
    _Pragma("GCC unroll 16") for (int r = 0; r < R; ++r) {
      const __m512 ak = _mm512_set1_ps(a[r]);
      _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v) sum[r][v] = _mm512_fmadd_ps(ak, bk[v], sum[r][v]);
    }
  }
  _Pragma("GCC unroll 16") for (int r = 0; r < R; ++r)
    _Pragma("GCC unroll 2") for (int v = 0; v < V; ++v)
      store_sum_avx512(o, o.c + (m + r) * o.ldc + n + kWideLanes * v, sum[r][v]);
}

bool cpu_has_avx512() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}
std::atomic<bool> avx512_enabled{true};  // tests switch it off to check the AVX2 path on an AVX-512 CPU
bool use_avx512() { return avx512_enabled && cpu_has_avx512(); }

// Columns [n0, n1) of rows [m, m + R), plain chains: 32- and 16-column
// AVX-512 tiles where `wide`, then AVX2 tiles of at most kTileRows rows.
template <int R>
void chain_row_tile(const Operands& o, int m, int n0, int n1, int k0, int k1, bool wide) {
  int n = n0;
  if (wide) {
    for (; n1 - n >= 2 * kWideLanes; n += 2 * kWideLanes) chain_tile_avx512<R, 2>(o, m, n, k0, k1);
    for (; n1 - n >= kWideLanes; n += kWideLanes) chain_tile_avx512<R, 1>(o, m, n, k0, k1);
  }
  for (int r0 = 0; r0 < R && n < n1; r0 += kTileRows)
    with_tile_rows(std::min(kTileRows, R - r0), [&](auto rows) {
      constexpr int Rows = decltype(rows)::value;
      int j = n;
      for (; n1 - j >= 2 * kLanes; j += 2 * kLanes) chain_tile<Rows, 2>(o, m + r0, j, k0, k1);
      for (; j < n1; j += kLanes) chain_tile<Rows, 1>(o, m + r0, j, k0, k1);
    });
}

// Columns [n0, n1) of every row, plain chains. Row tiles outermost: a tile's
// rows of a stay in L1 while it sweeps the columns (b comes from L2). The
// panels are whole 8-lane packets, so what 16-lane vectors leave is 8 columns.
// With AVX-512's 32 registers a tile takes 8 rows (16 accumulators), so
// each vector of b loaded from L2 feeds a third more multiply-adds (10 or
// 12 rows ran out of general registers for the row pointers and spilled);
// a tile's rows change no chain.
constexpr int kWideTileRows = 8;

// tile(m, std::integral_constant<int, R>) over the rows [0, M): tiles of
// kWideTileRows where `wide`, the rest in tiles of at most kTileRows.
template <typename Tile>
void for_row_tiles(int M, bool wide, Tile tile) {
  int m = 0;
  if (wide)
    for (; M - m >= kWideTileRows; m += kWideTileRows) tile(m, std::integral_constant<int, kWideTileRows>());
  for (; m < M; m += kTileRows) with_tile_rows(std::min(kTileRows, M - m), [&](auto rows) { tile(m, rows); });
}

// Columns [n0, n1), a multiple of 16 wide, of every row, with a stored
// column by column (chain_tile_columns_avx512).
void chain_columns_of_column_form(const Operands& o, int M, int n0, int n1, int k0, int k1) {
  for_row_tiles(M, true, [&](int m, auto rows) {
    constexpr int R = decltype(rows)::value;
    int n = n0;
    for (; n1 - n >= 2 * kWideLanes; n += 2 * kWideLanes) chain_tile_columns_avx512<R, 2>(o, m, n, k0, k1);
    for (; n < n1; n += kWideLanes) chain_tile_columns_avx512<R, 1>(o, m, n, k0, k1);
  });
}

void chain_columns(const Operands& o, int M, int n0, int n1, int k0, int k1) {
  if (o.a_by_columns) return chain_columns_of_column_form(o, M, n0, n1, k0, k1);
  const bool wide = use_avx512();
  for_row_tiles(M, wide, [&](int m, auto rows) {
    chain_row_tile<decltype(rows)::value>(o, m, n0, n1, k0, k1, wide);
  });
}

// Vector operations for the split-chain strips, which Eigen runs with full
// (8-lane) and half (4-lane) packets.
struct FullPacket {
  using V = __m256;
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static V broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static void store_sum(const Operands& o, float* c, V sum) { pebench::store_sum(o, c, sum); }
};
struct HalfPacket {
  using V = __m128;
  static V zero() { return _mm_setzero_ps(); }
  static V load(const float* p) { return _mm_loadu_ps(p); }
  static V broadcast(const float* p) { return _mm_broadcast_ss(p); }
  static V fma(V a, V b, V c) { return _mm_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm_add_ps(a, b); }
  static void store_sum(const Operands& o, float* c, V sum) {
    const V old = o.from_zero ? _mm_setzero_ps() : _mm_loadu_ps(c);
    _mm_storeu_ps(c, _mm_fmadd_ps(sum, _mm256_castps256_ps128(o.alpha), old));
  }
};

// Eigen's one-packet strip for rows [m, m+4) and the packet's columns from
// n: even and odd k of the peeled part in two chains, added, then the
// remaining k.
template <typename P>
void split_chain_tile(const Operands& o, int m, int n, int k0, int k1) {
  typename P::V even[kStripRows], odd[kStripRows];
  for (int r = 0; r < kStripRows; ++r) even[r] = odd[r] = P::zero();
  const float* a = o.a + m * o.lda;
  const int peeled_end = k0 + ((k1 - k0) & ~(kPeel - 1));
  int k = k0;
  for (; k < peeled_end; k += 2) {
    const typename P::V b0 = P::load(o.b + k * o.ldb + n), b1 = P::load(o.b + (k + 1) * o.ldb + n);
    for (int r = 0; r < kStripRows; ++r) {
      even[r] = P::fma(P::broadcast(a + r * o.lda + k), b0, even[r]);
      odd[r] = P::fma(P::broadcast(a + r * o.lda + k + 1), b1, odd[r]);
    }
  }
  for (int r = 0; r < kStripRows; ++r) even[r] = P::add(even[r], odd[r]);
  for (; k < k1; ++k) {
    const typename P::V bk = P::load(o.b + k * o.ldb + n);
    for (int r = 0; r < kStripRows; ++r) even[r] = P::fma(P::broadcast(a + r * o.lda + k), bk, even[r]);
  }
  for (int r = 0; r < kStripRows; ++r) P::store_sum(o, o.c + (m + r) * o.ldc + n, even[r]);
}

// c = fma(sum, alpha, c) for one output.
void store_scalar_sum(const Operands& o, float* c, float sum) {
  *c = std::fma(sum, o.alpha[0], o.from_zero ? 0.0f : *c);
}

// One output as a single chain in k order; b_column holds b's column.
float plain_chain(const float* a, const float* b_column, int k0, int k1) {
  float sum = 0;
  for (int k = k0; k < k1; ++k) sum = std::fma(a[k], b_column[k], sum);
  return sum;
}

// Eigen's rows (gebp's "swapped" path) for the 0–3 columns after the last
// packet: four accumulators of two lanes take k = 8t + 2j (lane 0) and
// 8t + 2j + 1 (lane 1), j = 0..3, i.e. one 8-lane chain over the octets of
// k; they are added (0+1)+(2+3) per lane, the k left in pairs go to the two
// lanes, the lanes are added, then an odd last k.
float paired_chain(const float* a, const float* b_column, int k0, int k1) {
  const int depth = k1 - k0, pairs_end = k0 + (depth & ~1), octets_end = k0 + (depth & ~7);
  __m256 octets = _mm256_setzero_ps();
  int k = k0;
  for (; k < octets_end; k += 8) octets = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(b_column + k), octets);
  float lane[8];
  _mm256_storeu_ps(lane, octets);
  float low = (lane[0] + lane[2]) + (lane[4] + lane[6]), high = (lane[1] + lane[3]) + (lane[5] + lane[7]);
  for (; k < pairs_end; k += 2) {
    low = std::fma(a[k], b_column[k], low);
    high = std::fma(a[k + 1], b_column[k + 1], high);
  }
  float sum = low + high;
  if (k < k1) sum = std::fma(a[k], b_column[k], sum);
  return sum;
}

// The rows of a strip: Eigen walks them in blocks of `row_block` (its nc),
// in groups of 4 from each block's start, the rest one row at a time (a
// plain chain). `grouped(m)` computes a group, `single(m)` one row.
template <typename Grouped, typename Single>
void strip_rows(int M, int row_block, Grouped grouped, Single single) {
  for (int m0 = 0; m0 < M; m0 += row_block) {
    const int rows = std::min(row_block, M - m0), in_groups = rows - rows % kStripRows;
    for (int m = m0; m < m0 + in_groups; m += kStripRows) grouped(m);
    for (int m = m0 + in_groups; m < m0 + rows; ++m) single(m);
  }
}

// A packet-wide split strip (8 or 4 columns from n).
template <typename P>
void split_strip(const Operands& o, int M, int row_block, int n, int k0, int k1) {
  constexpr int lanes = sizeof(typename P::V) / sizeof(float);
  static thread_local std::vector<float> column;
  column.resize(static_cast<size_t>(k1));
  strip_rows(
      M, row_block, [&](int m) { split_chain_tile<P>(o, m, n, k0, k1); },
      [&](int m) {
        for (int j = n; j < n + lanes; ++j) {
          for (int k = k0; k < k1; ++k) column[k] = o.b[k * o.ldb + j];
          store_scalar_sum(o, o.c + m * o.ldc + j, plain_chain(o.a + m * o.lda, column.data(), k0, k1));
        }
      });
}

// The 0–3 columns [n0, n1) after the last packet.
void paired_columns(const Operands& o, int M, int row_block, int n0, int n1, int k0, int k1) {
  static thread_local std::vector<float> column;
  column.resize(static_cast<size_t>(k1));
  for (int n = n0; n < n1; ++n) {
    for (int k = k0; k < k1; ++k) column[k] = o.b[k * o.ldb + n];
    auto one = [&](int m, auto chain) {
      store_scalar_sum(o, o.c + m * o.ldc + n, chain(o.a + m * o.lda, column.data(), k0, k1));
    };
    strip_rows(
        M, row_block, [&](int m) { for (int r = 0; r < kStripRows; ++r) one(m + r, paired_chain); },
        [&](int m) { one(m, plain_chain); });
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
StridedMatrix row_major(StridedMatrix x, int rows, int cols, AlignedBuffer<float>& buffer) {
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

bool gemm_uses_avx512() { return use_avx512(); }
void gemm_allow_avx512(bool allow) { avx512_enabled = allow; }

bool gemm_in_eigen_order(float* c, std::ptrdiff_t ldc, StridedMatrix a, StridedMatrix b, int M, int N, int K,
                         float alpha, bool accumulate) {
  if (M < 2 || N < 2 || K < 1) return false;  // Eigen: matrix-vector products
  // Eigen's blocking of the transposed problem (row-major destination): its
  // rows are our columns (m), its columns our rows (n), k the inner dimension.
  Eigen::Index depth_block = K, column_block = N, row_block = M;
  Eigen::internal::computeProductBlockingSizes<float, float, 1, Eigen::Index>(depth_block, column_block, row_block, 1);
  // Eigen's panels of each column block: 24 and 16 columns (plain chains),
  // then at most one of 8 and one of 4 (split chains), then 0–3 columns.
  struct ColumnBlock {
    int n0, plain_end, strip_end, half_end, end;
  };
  std::vector<ColumnBlock> blocks;
  // The plain-chain columns of adjacent column blocks form one range: a
  // chain does not depend on the block, and whole 32-column tiles run
  // faster than the 16-column ones a block's edge would leave.
  std::vector<std::pair<int, int>> plain;
  bool only_wide_plain = true;  // every column in plain ranges of whole 16-lane vectors
  for (int n0 = 0; n0 < N; n0 += static_cast<int>(column_block)) {
    const int width = std::min<int>(static_cast<int>(column_block), N - n0);
    const int wide = width - width % kPanelColumns;
    const int plain_end = n0 + wide + (width - wide) / (2 * kLanes) * (2 * kLanes);
    const int strip_end = plain_end + (n0 + width - plain_end) / kLanes * kLanes;
    const int half_end = strip_end + (n0 + width - strip_end) / kHalfLanes * kHalfLanes;
    blocks.push_back({n0, plain_end, strip_end, half_end, n0 + width});
    only_wide_plain = only_wide_plain && plain_end == n0 + width;
    if (!plain.empty() && plain.back().second == n0) plain.back().second = plain_end;
    else plain.emplace_back(n0, plain_end);
  }
  for (const auto& [begin, end] : plain) only_wide_plain = only_wide_plain && (end - begin) % kWideLanes == 0;
  // Both operands with contiguous rows (a's rows stay in L1 while a tile
  // sweeps the columns, b's rows load as vectors), except a stored column
  // by column where only AVX-512 plain chains read it.
  const bool a_by_columns = only_wide_plain && use_avx512() && a.row_stride == 1 && a.col_stride != 1;
  static thread_local AlignedBuffer<float> a_copy, b_copy;
  if (!a_by_columns) a = row_major(a, M, K, a_copy);
  b = row_major(b, K, N, b_copy);
  Operands o{c,      ldc, a.data, a_by_columns ? a.col_stride : a.row_stride, a_by_columns,
             b.data, b.row_stride, _mm256_set1_ps(alpha), false};
  const int rows = static_cast<int>(row_block);
  for (int k0 = 0; k0 < K; k0 += static_cast<int>(depth_block)) {
    const int k1 = std::min<int>(K, k0 + static_cast<int>(depth_block));
    o.from_zero = !accumulate && k0 == 0;
    for (const ColumnBlock& block : blocks) {
      if (block.strip_end > block.plain_end) split_strip<FullPacket>(o, M, rows, block.plain_end, k0, k1);
      if (block.half_end > block.strip_end) split_strip<HalfPacket>(o, M, rows, block.strip_end, k0, k1);
      paired_columns(o, M, rows, block.half_end, block.end, k0, k1);
    }
    for (const auto& [begin, end] : plain) chain_columns(o, M, begin, end, k0, k1);
  }
  return true;
}

#else

bool gemm_in_eigen_order_available() { return false; }

bool gemm_uses_avx512() { return false; }
void gemm_allow_avx512(bool) {}

bool gemm_in_eigen_order(float*, std::ptrdiff_t, StridedMatrix, StridedMatrix, int, int, int, float, bool) {
  return false;
}

#endif

}  // namespace pebench
