// models/gemm.hpp: the packing-free product must give Eigen's result bit for
// bit (every committed result depends on it), over random shapes that cover
// Eigen's blocking of the inner dimension, of the columns and of the rows,
// its column panels of every width (each summed in its own order), strided
// and transposed operands, scales and both write modes; and models/matrix.hpp's multiply() must give Eigen's result
// for every expression form the engine passes it.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/rng.hpp"
#include "models/gemm.hpp"
#include "models/matrix.hpp"
#include "tests/float_compare.hpp"

using namespace pebench;
using pebench::testing::floats_differing_in_bits;

namespace {

std::vector<float> random_values(size_t n, Rng& rng) {
  std::vector<float> values(n);
  for (auto& v : values) v = static_cast<float>(rng.normal());
  return values;
}

struct Shape {
  int M, N, K;
  std::string text() const {
    return "M " + std::to_string(M) + ", N " + std::to_string(N) + ", K " + std::to_string(K);
  }
};

// Random shapes: small ones, and ones long enough in each dimension for
// Eigen to block it; every other one has a column count that is a multiple
// of 8 (the engine's usual case, vector tiles only).
Shape random_shape(Rng& rng, int trial) {
  const int kind = trial % 4;
  Shape s{2 + int(rng.below(300)), 2 + int(rng.below(320)), 1 + int(rng.below(300))};
  if (kind == 1) s.K = 300 + int(rng.below(2000));                            // several depth blocks
  if (kind == 2) s.N = 320 + int(rng.below(1600)), s.K = 1 + int(rng.below(80));  // several column blocks
  if (kind == 3) s.M = 500 + int(rng.below(2500)), s.K = 1 + int(rng.below(80));   // several row blocks
  if (trial % 2 == 0) s.N = std::max(8, s.N - s.N % 8);
  return s;
}

// c (=|+=) alpha·a·b for a [M,K] row-major, b [K,N] given as rows of w [N,K]
// (b = wᵀ, the linear layer's forward), through Eigen and through the kernel.
void expect_forward_form_matches(const Shape& s, float alpha, Write write, Rng& rng) {
  const auto a = random_values(size_t(s.M) * s.K, rng), w = random_values(size_t(s.N) * s.K, rng);
  auto eigen = random_values(size_t(s.M) * s.N, rng);
  auto kernel = eigen;
  eigen_multiply(matrix(eigen.data(), s.M, s.N, s.N), matrix(a.data(), s.M, s.K, s.K),
                 matrix(w.data(), s.N, s.K, s.K).transpose(), alpha, write);
  ASSERT_TRUE(gemm_in_eigen_order(kernel.data(), s.N, {a.data(), s.K, 1}, {w.data(), 1, s.K}, s.M, s.N, s.K, alpha,
                                  write == Write::accumulate))
      << s.text();
  EXPECT_EQ(floats_differing_in_bits(kernel, eigen), 0u) << s.text() << ", alpha " << alpha;
}

// Every case runs twice: the plain chains 8 columns to a vector (AVX2), and
// 16 to a vector where the CPU has AVX-512 (skipped where it has not).
class GemmInEigenOrder : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    use_fixed_eigen_blocking();
    if (!gemm_in_eigen_order_available()) GTEST_SKIP() << "this build has no AVX2+FMA kernel (Eigen is used)";
    gemm_allow_avx512(GetParam());
    if (GetParam() && !gemm_uses_avx512()) GTEST_SKIP() << "this CPU has no AVX-512";
  }
  void TearDown() override { gemm_allow_avx512(true); }
  Rng rng{2026, "gemm-test"};
};

}  // namespace

TEST(GemmBuild, TheReferenceBuildHasTheKernel) {
#if defined(__AVX2__) && defined(__FMA__) && !defined(__AVX512F__)
  EXPECT_TRUE(gemm_in_eigen_order_available());
#else
  GTEST_SKIP() << "not an AVX2+FMA build without AVX-512";
#endif
}

TEST_P(GemmInEigenOrder, AssignedProductsEqualEigens) {
  for (int trial = 0; trial < 120; ++trial) expect_forward_form_matches(random_shape(rng, trial), 1.0f, Write::assign, rng);
}

TEST_P(GemmInEigenOrder, AccumulatedProductsEqualEigens) {
  for (int trial = 0; trial < 120; ++trial)
    expect_forward_form_matches(random_shape(rng, trial), 1.0f, Write::accumulate, rng);
}

TEST_P(GemmInEigenOrder, ScaledProductsEqualEigensIncludingTheSignOfZero) {
  const float scales[] = {0.125f, -0.3535534f, 3.0f, -1.0f};
  for (int trial = 0; trial < 80; ++trial) {
    const Write write = trial % 2 ? Write::accumulate : Write::assign;
    expect_forward_form_matches(random_shape(rng, trial), scales[trial % 4], write, rng);
  }
}

TEST_P(GemmInEigenOrder, EveryPanelWidthEqualsEigens) {
  // A column block ends in panels of 8 and 4 columns and 0–3 single columns,
  // each summed in its own order, and their rows go in groups of 4: every
  // width up to 50, every remainder of the rows, inner dimensions around the
  // unrollings by 2 and 8.
  for (int N = 2; N <= 50; ++N)
    for (int M : {2, 3, 4, 5, 7, 9, 62})
      for (int K : {1, 2, 3, 7, 8, 9, 17, 64, 67}) expect_forward_form_matches({M, N, K}, 1.0f, Write::assign, rng);
}

TEST_P(GemmInEigenOrder, WiderOneColumnStripsEqualEigens) {
  // Widths 8 more than a multiple of 24 (Eigen's 8-column strip) with long
  // inner dimensions and many rows.
  for (int N : {80, 104, 200, 203, 206})
    for (int M : {241, 600})
      for (int K : {64, 600}) expect_forward_form_matches({M, N, K}, 1.0f, Write::assign, rng);
}

TEST_P(GemmInEigenOrder, ColumnBlocksThatSplitAVectorTileEqualEigens) {
  // The engine's shapes where Eigen's column blocks (48 or 144 columns) end
  // inside a 32-column tile: the kernel runs the plain columns of adjacent
  // blocks as one range.
  for (const Shape& s : {Shape{240, 64, 256}, Shape{240, 256, 64}, Shape{240, 64, 192}, Shape{64, 64, 240},
                         Shape{37, 112, 256}, Shape{240, 200, 256}})
    for (Write write : {Write::assign, Write::accumulate}) expect_forward_form_matches(s, 1.0f, write, rng);
}

TEST_P(GemmInEigenOrder, TransposedLeftOperandEqualsEigens) {
  // The weight gradient's form: dW[M,N] = Gᵀ·X with G [K,M], X [K,N].
  for (int trial = 0; trial < 80; ++trial) {
    const Shape s = random_shape(rng, trial);
    const auto g = random_values(size_t(s.K) * s.M, rng), x = random_values(size_t(s.K) * s.N, rng);
    std::vector<float> eigen(size_t(s.M) * s.N), kernel(eigen.size());
    eigen_multiply(matrix(eigen.data(), s.M, s.N, s.N), matrix(g.data(), s.K, s.M, s.M).transpose(),
                   matrix(x.data(), s.K, s.N, s.N), 1.0f, Write::assign);
    ASSERT_TRUE(gemm_in_eigen_order(kernel.data(), s.N, {g.data(), 1, s.M}, {x.data(), s.N, 1}, s.M, s.N, s.K, 1.0f,
                                    false));
    EXPECT_EQ(floats_differing_in_bits(kernel, eigen), 0u) << s.text();
  }
}

TEST_P(GemmInEigenOrder, TransposedLeftOperandOfWholeVectorWidthsEqualsEigens) {
  // The weight gradients' shapes (64-row blocks of output channels, widths
  // in whole 16-lane vectors, 512-row depth): on an AVX-512 CPU the kernel
  // reads such an a column by column, in tiles of 8 rows and the rest.
  for (int M : {64, 32, 13, 70})
    for (int N : {64, 192, 256, 32, 48, 96})
      for (int K : {512, 37})
        for (Write write : {Write::assign, Write::accumulate}) {
          const Shape s{M, N, K};
          const auto g = random_values(size_t(K) * M, rng), x = random_values(size_t(K) * N, rng);
          std::vector<float> eigen = random_values(size_t(M) * N, rng), kernel = eigen;
          eigen_multiply(matrix(eigen.data(), M, N, N), matrix(g.data(), K, M, M).transpose(),
                         matrix(x.data(), K, N, N), 0.5f, write);
          ASSERT_TRUE(gemm_in_eigen_order(kernel.data(), N, {g.data(), 1, M}, {x.data(), N, 1}, M, N, K, 0.5f,
                                          write == Write::accumulate));
          EXPECT_EQ(floats_differing_in_bits(kernel, eigen), 0u) << s.text();
        }
}

TEST_P(GemmInEigenOrder, DeclinesMatrixVectorProductsAndLeavesTheOutput) {
  // One row or one column (Eigen: a matrix-vector product, another order),
  // and an empty inner dimension.
  const Shape declined[] = {{1, 64, 64}, {1, 5, 9}, {64, 1, 64}, {7, 1, 3}, {64, 64, 0}};
  for (const Shape& s : declined) {
    const auto a = random_values(size_t(s.M) * std::max(s.K, 1), rng), b = random_values(size_t(s.K + 1) * s.N, rng);
    auto c = random_values(size_t(s.M) * s.N, rng);
    const auto before = c;
    EXPECT_FALSE(gemm_in_eigen_order(c.data(), s.N, {a.data(), s.K, 1}, {b.data(), s.N, 1}, s.M, s.N, s.K, 1.0f, false))
        << s.text();
    EXPECT_EQ(floats_differing_in_bits(c, before), 0u) << s.text();
  }
}

TEST_P(GemmInEigenOrder, MultiplyGivesEigensResultForEveryOperandForm) {
  // Row blocks of a larger buffer, transposed operands on either side, odd
  // widths, and a shape the kernel declines (Eigen's path): all through
  // multiply().
  const int M = 150, N = 72, K = 40, stride = 96;
  const auto a = random_values(size_t(M) * stride, rng), b = random_values(size_t(stride) * stride, rng);
  const auto at = random_values(size_t(K) * M, rng);  // [K,M]
  auto expect_same = [&](auto product, const char* form) {
    std::vector<float> eigen = random_values(size_t(M) * stride, rng), routed = eigen;
    product(eigen, true);
    product(routed, false);
    EXPECT_EQ(floats_differing_in_bits(routed, eigen), 0u) << form;
  };
  for (int cols : {N, N - 3, 3, 1}) {
    expect_same(
        [&](std::vector<float>& out, bool reference) {
          auto dst = matrix(out.data(), M, stride, stride).middleRows(5, M - 5).leftCols(cols);
          const auto lhs = matrix(a.data(), M, stride, stride).middleRows(5, M - 5).leftCols(K);
          const auto rhs = matrix(b.data(), stride, stride, stride).topLeftCorner(K, cols);
          if (reference) eigen_multiply(dst, lhs, rhs, 0.5f, Write::accumulate);
          else multiply(dst, lhs, rhs, 0.5f, Write::accumulate);
        },
        "row blocks");
    expect_same(
        [&](std::vector<float>& out, bool reference) {
          auto dst = matrix(out.data(), M, cols, stride);
          const auto lhs = matrix(at.data(), K, M, M).transpose();
          const auto rhs = matrix(b.data(), cols, K, stride).transpose();
          if (reference) eigen_multiply(dst, lhs, rhs, 1.0f, Write::assign);
          else multiply(dst, lhs, rhs, 1.0f, Write::assign);
        },
        "both transposed");
  }
}

INSTANTIATE_TEST_SUITE_P(VectorWidths, GemmInEigenOrder, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Avx512Chains" : "Avx2Chains";
                         });
