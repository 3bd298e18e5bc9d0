// Explicit vectors for the float kernels (GCC's vector extension), shared by
// the attention kernels (models/layers.cpp) and the DAPE MLP
// (models/encodings/support/dape_mlp.cpp).
//
// Explicit because GCC's auto-vectoriser turned the kernels' loop nests into
// shuffles and spills. Lane-wise arithmetic only, so an element's result is
// the same as the scalar loop's, whatever the vector width: a kernel built
// for AVX-512 (Simd16 in a function compiled with target("avx512f")) and the
// same body built for the default target with Simd<float> (8 lanes) give
// the same bits.
//
// GCC notes (-Wpsabi) that passing a vector wider than the build's target
// between functions changed ABI long ago. Files that use these types switch
// that note off; the wide vectors live only inside always-inlined helpers of
// the kernels compiled for them, never across a call boundary.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__)
#define PEBENCH_AVX512_KERNELS 1
#include <immintrin.h>
#endif
#include <cmath>

namespace pebench {

// 32-byte vectors (an AVX register; split in two on SSE-only machines).
template <typename T>
struct Simd {
  using V [[gnu::vector_size(32)]] = T;
  using Unaligned [[gnu::vector_size(32), gnu::aligned(alignof(T)), gnu::may_alias]] = T;
  static constexpr int lanes = 32 / sizeof(T);
  static V load(const T* p) { return *reinterpret_cast<const Unaligned*>(p); }
  static void store(T* p, V v) { *reinterpret_cast<Unaligned*>(p) = v; }
  // Every lane x.
  static V broadcast(T x) {
#if defined(__AVX__)
    if constexpr (sizeof(T) == 4) return (V)_mm256_set1_ps(x);
    else return (V)_mm256_set1_pd(x);
#else
    V v;
    for (int l = 0; l < lanes; ++l) v[l] = x;
    return v;
#endif
  }
  // a·b + c lane by lane with one rounding. Explicit, because GCC contracts
  // a·b + c on these vector types in some contexts and not in others.
  static V fma(V a, V b, V c) {
#if defined(__FMA__)
    if constexpr (sizeof(T) == 4) return (V)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
    else return (V)_mm256_fmadd_pd((__m256d)a, (__m256d)b, (__m256d)c);
#else
    for (int l = 0; l < lanes; ++l) a[l] = std::fma(a[l], b[l], c[l]);
    return a;
#endif
  }
};

// 16 floats to a vector, for the kernels' AVX-512 builds (always inlined
// into functions compiled for AVX-512).
struct Simd16 {
  using V [[gnu::vector_size(64)]] = float;
  using Unaligned [[gnu::vector_size(64), gnu::aligned(alignof(float)), gnu::may_alias]] = float;
  static constexpr int lanes = 16;
  [[gnu::always_inline]] static V load(const float* p) { return *reinterpret_cast<const Unaligned*>(p); }
  [[gnu::always_inline]] static void store(float* p, V v) { *reinterpret_cast<Unaligned*>(p) = v; }
#ifdef PEBENCH_AVX512_KERNELS
  // Not always_inline: a kernel's AVX-512 entry point inlines them through
  // its target-neutral helpers with gnu::flatten.
  [[gnu::target("avx512f")]] static V broadcast(float x) { return (V)_mm512_set1_ps(x); }
  [[gnu::target("avx512f")]] static V fma(V a, V b, V c) {
    return (V)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
  }
#endif
};

// Whether the float kernels with an AVX-512 build run it: an x86-64 build, a
// CPU with AVX-512, and no test has switched it off
// (attention_allow_avx512, models/layers.hpp).
bool avx512_kernels_enabled();

}  // namespace pebench
