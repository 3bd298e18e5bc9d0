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
// only on the values and the matrix sizes.
#pragma once
#ifdef EIGEN_WORLD_VERSION
#error "include models/eigen.hpp before any other Eigen header"
#endif
#define EIGEN_GEMM_TO_COEFFBASED_THRESHOLD 0
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <Eigen/Dense>
#pragma GCC diagnostic pop
