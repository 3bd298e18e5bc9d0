// Row-major Eigen views over raw buffers and a product that is
// deterministic for any operand address (moved out of layers.cpp so that
// encodings with GEMM-shaped work share it).
//
// multiply() always takes Eigen's GEMM/GEMV kernels (models/eigen.hpp sets
// EIGEN_GEMM_TO_COEFFBASED_THRESHOLD 0), whose results depend only on the
// values and the matrix sizes; a 1×1 result is summed here in index order,
// since Eigen would compute it as an alignment-dependent dot product
// (models/vector_math.hpp).
#pragma once
#include "models/eigen.hpp"

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

enum class Write { assign, accumulate };

// dst = scale·lhs·rhs (or dst += ...).
template <typename Dst, typename Lhs, typename Rhs, typename Scalar>
void multiply(Dst&& dst, const Lhs& lhs, const Rhs& rhs, Scalar scale, Write write) {
  if (dst.rows() == 1 && dst.cols() == 1) {
    Scalar sum = 0;
    for (Eigen::Index k = 0; k < lhs.cols(); ++k) sum += lhs(0, k) * rhs(k, 0);
    dst(0, 0) = (write == Write::accumulate ? dst(0, 0) : Scalar(0)) + scale * sum;
  } else if (write == Write::accumulate) {
    dst.noalias() += scale * (lhs * rhs);  // this form folds `scale` into the GEMM;
  } else {                                 // (lhs * rhs) * scale would first build a temporary
    dst.noalias() = scale * (lhs * rhs);
  }
}

}  // namespace pebench
