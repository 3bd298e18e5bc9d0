// A single-precision matrix product that reproduces Eigen's GEMM bit for bit,
// without its operand packing.
//
// Why: the engine's numbers are fixed by Eigen 3.4's GEMM (every committed
// result depends on its summation order), but for the engine's shapes (a few
// hundred rows, 64–256 channels) Eigen spends about a third of a product
// packing operands and zeroing the destination. This kernel computes each
// output exactly as Eigen does (docs/speed.md):
//   - the inner dimension is cut into the blocks Eigen's blocking heuristic
//     chooses (Eigen::internal::computeProductBlockingSizes, fed the cache
//     sizes models/eigen.hpp fixes); per block a fused multiply-add chain,
//     then C = fma(block sum, alpha, C) (C starts at zero when assigning);
//   - the chain's order is that of the Eigen panel the column falls in: a
//     column block is cut into panels of 24 and 16 columns (one chain in k
//     order), at most one of 8 and one of 4 (groups of 4 rows sum the even
//     and odd k of the 8-unrolled part in two chains, add them, then go on),
//     and 0–3 last columns (groups of 4 rows sum k in pairs over four
//     accumulators, Eigen's "swapped" path); rows outside the groups of 4
//     take one chain.
// It applies where that model is Eigen's: AVX2 and FMA without AVX-512
// (8-lane packets, 24×4 micro-kernel), at least 2 rows and 2 columns (Eigen
// computes a single row or column as a matrix-vector product), a row-major
// destination. Elsewhere the caller uses Eigen. tests/test_gemm.cpp checks
// it against Eigen over random shapes, every panel width, strides, scales
// and both write modes.
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
// view) is first copied into a per-thread buffer, except a transposed a that
// the AVX-512 tiles read column by column (where every column of the product
// is a plain chain in whole 16-lane vectors). Returns false, touching
// nothing, where it cannot promise Eigen's exact result.
bool gemm_in_eigen_order(float* c, std::ptrdiff_t ldc, StridedMatrix a, StridedMatrix b, int M, int N, int K,
                         float alpha, bool accumulate);

// Whether this build has the kernel at all (AVX2 + FMA, no AVX-512).
bool gemm_in_eigen_order_available();

// Whether the kernel runs its plain chains 16 columns at a time with
// AVX-512 (a CPU that has it, even in the AVX2 build: the chains, and so the
// results, are the same), and a switch for tests to compare both paths.
bool gemm_uses_avx512();
void gemm_allow_avx512(bool allow);

}  // namespace pebench
