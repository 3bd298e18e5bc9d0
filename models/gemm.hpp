// A single-precision matrix product that reproduces Eigen's GEMM bit for bit,
// without its operand packing.
//
// Why: the engine's numbers are fixed by Eigen 3.4's GEMM (every committed
// result depends on its summation order), but for the engine's shapes (a few
// hundred rows, 64–256 channels) Eigen spends about a third of a product
// packing operands and zeroing the destination. This kernel computes each
// output exactly as Eigen does (docs/speed.md, "The GEMMs"):
//   - the inner dimension is cut into the blocks Eigen's blocking heuristic
//     chooses (Eigen::internal::computeProductBlockingSizes, fed the cache
//     sizes models/eigen.hpp fixes); per block, a fused multiply-add chain in
//     k order starting from zero, then C = fma(chain, alpha, C) (C starts at
//     zero when assigning);
//   - except in Eigen's one-packet strip (the last 8 columns of a column
//     block whose width is 8 more than a multiple of 24), where groups of 4
//     rows sum the even and odd k of the 8-unrolled part in two chains, add
//     them, then continue with the remaining k.
// It applies where that model is Eigen's: AVX2 and FMA without AVX-512
// (8-lane packets, 24×4 micro-kernel), at least 2 rows, a column count that
// is a multiple of 8, a row-major destination. Elsewhere the caller uses
// Eigen. tests/test_gemm.cpp checks it against Eigen over random shapes,
// strides, scales and both write modes.
#pragma once
#include <cstddef>

namespace pebench {

// Where a matrix's elements are: element (i,j) at data[i·row_stride + j·col_stride].
struct StridedMatrix {
  const float* data;
  std::ptrdiff_t row_stride, col_stride;
};

// c[M,N] = alpha·a[M,K]·b[K,N] (accumulate: c += alpha·a·b), c row-major
// with row stride ldc. An operand whose rows are not contiguous (a transposed
// view) is first copied into a per-thread buffer. Returns false, touching
// nothing, where it cannot promise Eigen's exact result.
bool gemm_in_eigen_order(float* c, std::ptrdiff_t ldc, StridedMatrix a, StridedMatrix b, int M, int N, int K,
                         float alpha, bool accumulate);

// Whether this build has the kernel at all (AVX2 + FMA, no AVX-512).
bool gemm_in_eigen_order_available();

}  // namespace pebench
