// Row-major Eigen views over raw buffers and a product that is
// deterministic for any operand address (moved out of layers.cpp so that
// encodings with GEMM-shaped work share it).
//
// multiply() gives the results of Eigen's GEMM/GEMV kernels (models/eigen.hpp
// sets EIGEN_GEMM_TO_COEFFBASED_THRESHOLD 0), which depend only on the values
// and the matrix sizes: single-precision products of the shapes
// models/gemm.hpp reproduces go through its kernel, the rest through Eigen. A
// 1×1 result is summed here in index order, since Eigen would compute it as an
// alignment-dependent dot product (models/vector_math.hpp).
#pragma once
#include <type_traits>

#include "models/eigen.hpp"
#include "models/gemm.hpp"
#include "models/gemm_bf16.hpp"
#include "models/model_config.hpp"
#include "models/write_mode.hpp"

namespace pebench {

template <typename T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using MatrixView = Eigen::Map<RowMatrix<T>, Eigen::Unaligned, Eigen::OuterStride<>>;
template <typename T>
using ConstMatrixView = Eigen::Map<const RowMatrix<T>, Eigen::Unaligned, Eigen::OuterStride<>>;

// A rows×cols row-major view whose consecutive rows are `stride` apart.
template <typename T>
MatrixView<T> matrix(T* data, int rows, int cols, int stride) {
  return MatrixView<T>(data, rows, cols, Eigen::OuterStride<>(stride));
}
template <typename T>
ConstMatrixView<T> matrix(const T* data, int rows, int cols, int stride) {
  return ConstMatrixView<T>(data, rows, cols, Eigen::OuterStride<>(stride));
}

// dst = scale·lhs·rhs (or dst += ...) through Eigen's GEMM: the reference
// whose summation order every result of the engine follows.
template <typename Dst, typename Lhs, typename Rhs, typename Scalar>
void eigen_multiply(Dst&& dst, const Lhs& lhs, const Rhs& rhs, Scalar scale, Write write) {
  if (write == Write::accumulate) {
    dst.noalias() += scale * (lhs * rhs);  // this form folds `scale` into the GEMM;
  } else {                                 // (lhs * rhs) * scale would first build a temporary
    dst.noalias() = scale * (lhs * rhs);
  }
}

template <typename X>
inline constexpr bool kDirectFloat =
    std::is_same_v<typename std::decay_t<X>::Scalar, float> && (std::decay_t<X>::Flags & Eigen::DirectAccessBit) != 0;

template <typename X>
StridedMatrix strided(const X& x) {
  return {x.data(), x.rowStride(), x.colStride()};
}

// The same product without Eigen's packing (models/gemm.hpp), where that
// gives Eigen's exact result; false where it does not apply.
template <typename Dst, typename Lhs, typename Rhs, typename Scalar>
bool multiply_in_eigen_order(Dst& dst, const Lhs& lhs, const Rhs& rhs, Scalar scale, Write write) {
  if constexpr (kDirectFloat<Dst> && kDirectFloat<Lhs> && kDirectFloat<Rhs>) {
    if (dst.colStride() != 1) return false;
    return gemm_in_eigen_order(dst.data(), dst.rowStride(), strided(lhs), strided(rhs), static_cast<int>(dst.rows()),
                               static_cast<int>(dst.cols()), static_cast<int>(lhs.cols()), scale,
                               write == Write::accumulate);
  } else {
    return false;
  }
}

// dst = scale·lhs·rhs (or dst += ...), in Eigen's order.
template <typename Dst, typename Lhs, typename Rhs, typename Scalar>
void multiply(Dst&& dst, const Lhs& lhs, const Rhs& rhs, Scalar scale, Write write) {
  if (dst.rows() == 1 && dst.cols() == 1) {
    Scalar sum = 0;
    for (Eigen::Index k = 0; k < lhs.cols(); ++k) sum += lhs(0, k) * rhs(k, 0);
    dst(0, 0) = (write == Write::accumulate ? dst(0, 0) : Scalar(0)) + scale * sum;
  } else if (!multiply_in_eigen_order(dst, lhs, rhs, scale, write)) {
    eigen_multiply(dst, lhs, rhs, scale, write);
  }
}

// dst = lhs·rhs (or dst += ...) at a model's precision: multiply() for
// float32 (and for any double operand); for bfloat16, float operands rounded
// to bfloat16 and summed in float32 (models/gemm_bf16.hpp).
template <typename Dst, typename Lhs, typename Rhs>
void multiply_at(Precision precision, Dst&& dst, const Lhs& lhs, const Rhs& rhs, Write write) {
  using Scalar = typename std::decay_t<Dst>::Scalar;
  if constexpr (kDirectFloat<Dst> && kDirectFloat<Lhs> && kDirectFloat<Rhs>) {
    if (precision == Precision::bf16 && dst.colStride() == 1) {
      gemm_bf16(dst.data(), dst.rowStride(), strided(lhs), strided(rhs), static_cast<int>(dst.rows()),
                static_cast<int>(dst.cols()), static_cast<int>(lhs.cols()), write == Write::accumulate);
      return;
    }
  }
  multiply(dst, lhs, rhs, Scalar(1), write);
}

}  // namespace pebench
