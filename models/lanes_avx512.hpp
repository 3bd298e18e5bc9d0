// Register-level helpers for the kernels that run 16 rows (or keys) in the
// lanes of an AVX-512 vector: models/layers.cpp (the small-head attention
// products) and models/encodings/support/cope_lanes.cpp. Always inlined into
// functions compiled with target("avx512f"); only where the build targets
// x86-64 (PEBENCH_AVX512_KERNELS, models/simd.hpp). Data movement only: no
// arithmetic, so nothing here can change a result's bits.
#pragma once

#include "models/simd.hpp"

#ifdef PEBENCH_AVX512_KERNELS
namespace pebench::lanes {

// The mask of lanes 0..n − 1 (all 16 for n >= 16).
[[gnu::target("avx512f"), gnu::always_inline]] inline __mmask16 first_lanes(int n) {
  return static_cast<__mmask16>(n >= 16 ? 0xffff : (1u << n) - 1);
}

// 16 floats (those in `columns`, 0 elsewhere) read as two 8-float halves:
// the rows these kernels read were mostly just written by 8-float stores,
// and one 16-float load of two such stores cannot be forwarded from them (it
// waits for the cache, a stall on every row). A partial chunk is read in one.
[[gnu::target("avx512f"), gnu::always_inline]] inline __m512 load_in_halves(const float* p, __mmask16 columns) {
  if (columns != 0xffff) return _mm512_maskz_loadu_ps(columns, p);
  const __m256 low = _mm256_loadu_ps(p), high = _mm256_loadu_ps(p + 8);
  return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(low)), _mm256_castps_pd(high), 1));
}

// The 16 rows of r become its 16 columns (three shuffle stages: 32-bit
// pairs, 64-bit pairs, then 128-bit lanes twice).
[[gnu::target("avx512f"), gnu::always_inline]] inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int k = 0; k < 16; k += 2) {
    t[k] = _mm512_unpacklo_ps(r[k], r[k + 1]);
    t[k + 1] = _mm512_unpackhi_ps(r[k], r[k + 1]);
  }
  for (int k = 0; k < 16; k += 4) {
    const __m512d a = _mm512_castps_pd(t[k]), b = _mm512_castps_pd(t[k + 1]);
    const __m512d c = _mm512_castps_pd(t[k + 2]), d = _mm512_castps_pd(t[k + 3]);
    r[k] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[k + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[k + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    r[k + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  for (int half = 0; half < 16; half += 8)
    for (int k = 0; k < 4; ++k) {
      t[half + k] = _mm512_shuffle_f32x4(r[half + k], r[half + k + 4], 0x88);
      t[half + k + 4] = _mm512_shuffle_f32x4(r[half + k], r[half + k + 4], 0xdd);
    }
  for (int k = 0; k < 8; ++k) {
    r[k] = _mm512_shuffle_f32x4(t[k], t[k + 8], 0x88);
    r[k + 8] = _mm512_shuffle_f32x4(t[k], t[k + 8], 0xdd);
  }
}

// The 8 vectors a[c] (channel c of 16 rows) transposed within each 256-bit
// half: row l's 8 channels end up in the low half of a[l] (l < 8) or the
// high half of a[l − 8]. An 8×8 transpose of unpacks, shuffles and lane
// permutes, done on both halves at once.
[[gnu::target("avx512f"), gnu::always_inline]] inline void transpose8_in_halves(__m512 a[8]) {
  __m512 t[8], s[8];
  for (int k = 0; k < 4; ++k) {
    t[2 * k] = _mm512_unpacklo_ps(a[2 * k], a[2 * k + 1]);
    t[2 * k + 1] = _mm512_unpackhi_ps(a[2 * k], a[2 * k + 1]);
  }
  for (int k = 0; k < 2; ++k) {
    s[4 * k] = _mm512_shuffle_ps(t[4 * k], t[4 * k + 2], 0x44);
    s[4 * k + 1] = _mm512_shuffle_ps(t[4 * k], t[4 * k + 2], 0xEE);
    s[4 * k + 2] = _mm512_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0x44);
    s[4 * k + 3] = _mm512_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0xEE);
  }
  // Per half: the low 128 bits of s[c] then of s[c + 4] (channels 0-3, 4-7), or the high ones.
  const __m512i low = _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
  const __m512i high = _mm512_setr_epi32(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
  for (int c = 0; c < 4; ++c) {
    a[c] = _mm512_permutex2var_ps(s[c], low, s[c + 4]);
    a[c + 4] = _mm512_permutex2var_ps(s[c], high, s[c + 4]);
  }
}

// Row l's 8 floats after transpose8_in_halves.
[[gnu::target("avx512f"), gnu::always_inline]] inline __m256 row_of_halves(const __m512 a[8], int l) {
  const __m512 both = a[l % 8];
  return l < 8 ? _mm512_castps512_ps256(both) : _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(both), 1));
}

}  // namespace pebench::lanes
#endif
