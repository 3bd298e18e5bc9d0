// Eigen, for every model file that needs it. GCC 12 reports a false-positive
// -Wmaybe-uninitialized inside its own AVX-512 intrinsics header
// (avx512fintrin.h's `__Y = __Y` idiom) when Eigen's reductions are inlined;
// it is silenced for Eigen's code only, so the build stays warning-free.
//
// Products always take Eigen's GEMM/GEMV kernels: for tiny products Eigen
// would otherwise switch to a coefficient-wise "lazy" product whose dot
// products peel a scalar head up to the next aligned address, so a result
// would depend on where the operands happen to sit in memory (see
// models/vector_math.hpp). GEMM packs its operands, so its results depend
// only on the values, the matrix sizes and the blocking below.
//
// Eigen splits a product's inner dimension into blocks whose size it derives
// from the cache sizes it detects, and sums the blocks' partial results one
// after another. On a machine with other caches a long inner dimension is cut
// elsewhere (a weight gradient over 512 rows: two blocks with a 32 or 48 KiB
// L1, four with 16 KiB, one with 64 KiB) and the sum differs in the last
// bits. use_fixed_eigen_blocking() makes Eigen block as on the machine the
// committed results come from (the sizes Eigen detects on our AMD EPYC: L1
// 32 KiB, L2 512 KiB, L3 256 MiB), so a result reproduces whatever the
// caches, given the same compiler flags (cmake/CpuTarget.cmake), compiler and
// Eigen.
#pragma once
#ifdef EIGEN_WORLD_VERSION
#error "include models/eigen.hpp before any other Eigen header"
#endif
#define EIGEN_GEMM_TO_COEFFBASED_THRESHOLD 0
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <Eigen/Dense>
#pragma GCC diagnostic pop

namespace pebench {
inline constexpr std::ptrdiff_t kEigenL1Bytes = 32 * 1024;
inline constexpr std::ptrdiff_t kEigenL2Bytes = 512 * 1024;
inline constexpr std::ptrdiff_t kEigenL3Bytes = 256 * 1024 * 1024;

// Single-threaded products (the engine parallelises around them) with the
// fixed blocking above; every model calls it before its first product.
inline void use_fixed_eigen_blocking() {
  Eigen::setNbThreads(1);
  Eigen::setCpuCacheSizes(kEigenL1Bytes, kEigenL2Bytes, kEigenL3Bytes);
}
}  // namespace pebench
