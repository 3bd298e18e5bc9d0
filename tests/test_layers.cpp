// models/layers.hpp: each optimised kernel against its naive reference
// (float and double), and each layer's backward against finite differences
// of its forward (double, tests/finite_differences.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "common/rng.hpp"
#include "models/layers.hpp"
#include "models/layers_reference.hpp"
#include "models/vector_math.hpp"
#include "tests/finite_differences.hpp"
#include "tests/float_compare.hpp"
#include "tests/model_fixtures.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

template <typename T>
std::vector<T> random_values(size_t n, uint64_t seed, double scale = 1.0) {
  Rng rng(seed, "layers-test");
  std::vector<T> values(n);
  for (auto& v : values) v = static_cast<T>(rng.normal() * scale);
  return values;
}

template <typename T>
double tolerance() {
  return std::is_same_v<T, float> ? 2e-5 : 1e-12;
}

// ------------------------------------------------------------ kernels vs references

template <typename T>
class KernelsMatchReference : public ::testing::Test {};
using Scalars = ::testing::Types<float, double>;
TYPED_TEST_SUITE(KernelsMatchReference, Scalars);

// 2100 rows: five weight-gradient row blocks; 70 output channels: two
// channel blocks; GEMM blocks of 96 rows with a partial last block.
TYPED_TEST(KernelsMatchReference, Linear) {
  using T = TypeParam;
  const int N = 2100, IC = 40, OC = 70, block_rows = 96;
  const auto in = random_values<T>(N * IC, 1), weight = random_values<T>(OC * IC, 2), bias = random_values<T>(OC, 3);
  const auto dout = random_values<T>(N * OC, 4);
  std::vector<T> out(N * OC), expected_out(N * OC);
  linear_forward(out.data(), in.data(), weight.data(), bias.data(), N, IC, OC, block_rows);
  reference::linear_forward(expected_out.data(), in.data(), weight.data(), bias.data(), N, IC, OC);
  EXPECT_LT(relative_difference(out, expected_out), tolerance<T>());
  // Start from non-zero gradients: backward must accumulate.
  auto din = random_values<T>(N * IC, 5), dweight = random_values<T>(OC * IC, 6), dbias = random_values<T>(OC, 7);
  auto expected_din = din, expected_dweight = dweight, expected_dbias = dbias;
  linear_backward(din.data(), dweight.data(), dbias.data(), dout.data(), in.data(), weight.data(), N, IC, OC,
                  block_rows);
  reference::linear_backward(expected_din.data(), expected_dweight.data(), expected_dbias.data(), dout.data(),
                             in.data(), weight.data(), N, IC, OC);
  EXPECT_LT(relative_difference(din, expected_din), tolerance<T>());
  EXPECT_LT(relative_difference(dweight, expected_dweight), tolerance<T>());
  EXPECT_LT(relative_difference(dbias, expected_dbias), tolerance<T>());
}

TYPED_TEST(KernelsMatchReference, LinearWithoutBias) {
  using T = TypeParam;
  const int N = 33, IC = 8, OC = 24;
  const auto in = random_values<T>(N * IC, 1), weight = random_values<T>(OC * IC, 2), dout = random_values<T>(N * OC, 3);
  std::vector<T> out(N * OC), expected_out(N * OC);
  linear_forward(out.data(), in.data(), weight.data(), static_cast<const T*>(nullptr), N, IC, OC, 16);
  reference::linear_forward(expected_out.data(), in.data(), weight.data(), static_cast<const T*>(nullptr), N, IC, OC);
  EXPECT_LT(relative_difference(out, expected_out), tolerance<T>());
  std::vector<T> dweight(OC * IC), expected_dweight(OC * IC);
  linear_backward(static_cast<T*>(nullptr), dweight.data(), static_cast<T*>(nullptr), dout.data(), in.data(),
                  weight.data(), N, IC, OC, 16);
  reference::linear_backward(static_cast<T*>(nullptr), expected_dweight.data(), static_cast<T*>(nullptr), dout.data(),
                             in.data(), weight.data(), N, IC, OC);
  EXPECT_LT(relative_difference(dweight, expected_dweight), tolerance<T>());
}

TYPED_TEST(KernelsMatchReference, LayerNorm) {
  using T = TypeParam;
  const int N = 50, C = 37;
  const auto in = random_values<T>(N * C, 1, 3.0), weight = random_values<T>(C, 2), bias = random_values<T>(C, 3);
  const auto dout = random_values<T>(N * C, 4);
  std::vector<T> out(N * C), mean(N), rstd(N), expected_out(N * C), expected_mean(N), expected_rstd(N);
  layernorm_forward(out.data(), mean.data(), rstd.data(), in.data(), weight.data(), bias.data(), N, C);
  reference::layernorm_forward(expected_out.data(), expected_mean.data(), expected_rstd.data(), in.data(),
                               weight.data(), bias.data(), N, C);
  EXPECT_LT(relative_difference(out, expected_out), tolerance<T>());
  EXPECT_LT(relative_difference(rstd, expected_rstd), tolerance<T>());
  auto din = random_values<T>(N * C, 5), dweight = random_values<T>(C, 6), dbias = random_values<T>(C, 7);
  auto expected_din = din, expected_dweight = dweight, expected_dbias = dbias;
  layernorm_backward(din.data(), dweight.data(), dbias.data(), dout.data(), in.data(), weight.data(), mean.data(),
                     rstd.data(), N, C);
  reference::layernorm_backward(expected_din.data(), expected_dweight.data(), expected_dbias.data(), dout.data(),
                                in.data(), weight.data(), mean.data(), rstd.data(), N, C);
  EXPECT_LT(relative_difference(din, expected_din), tolerance<T>());
  EXPECT_LT(relative_difference(dweight, expected_dweight), tolerance<T>());
  EXPECT_LT(relative_difference(dbias, expected_dbias), tolerance<T>());
}

// T = 150: three causal row blocks of 64, the last one partial, and key
// vectors of 16 with a partial last one. Head dimensions: 5 (the small-head
// kernels with a run-time channel count), 8 and 24 (compile-time chunks of 8
// and 16 + 8: the CHE and default-suite heads), 40 (the GEMM path).
// Random q, k, v and an output gradient [B,h,T,d] for B = 2, h = 3, T = 150.
template <typename T>
struct AttentionInputs {
  static constexpr int B = 2, h = 3, T_ = 150;
  const size_t heads, scores_size;
  const std::vector<T> q, k, v, dout;
  explicit AttentionInputs(int d)
      : heads(size_t(B) * h * T_ * d), scores_size(size_t(B) * h * T_ * T_), q(random_values<T>(heads, 1)),
        k(random_values<T>(heads, 2)), v(random_values<T>(heads, 3)), dout(random_values<T>(heads, 4)) {}
};

template <typename T>
void expect_attention_matches_reference(int d) {
  SCOPED_TRACE("d = " + std::to_string(d));
  const AttentionInputs<T> in(d);
  const int B = in.B, h = in.h, T_ = in.T_;
  const size_t heads = in.heads, scores_size = in.scores_size;
  const auto &q = in.q, &k = in.k, &v = in.v, &dout = in.dout;
  const auto dprobs_seed = random_values<T>(scores_size, 5);
  for (const bool causal : {true, false}) {
    auto allowed = [&](size_t e) { return !causal || (e % T_) <= (e / T_) % T_; };
    std::vector<T> scores(scores_size), expected_scores(scores_size);
    attention_scores_forward(scores.data(), q.data(), k.data(), causal, B, h, T_, d);
    reference::attention_scores_forward(expected_scores.data(), q.data(), k.data(), causal, B, h, T_, d);
    double worst = 0;
    for (size_t e = 0; e < scores_size; ++e)
      if (allowed(e)) worst = std::max(worst, std::abs(double(scores[e]) - double(expected_scores[e])));
    EXPECT_LT(worst, 10 * tolerance<T>()) << "causal " << causal;

    auto probs = scores, expected_probs = scores;
    std::vector<T> out(heads), expected_out(heads);
    attention_softmax_values_forward(out.data(), probs.data(), v.data(), causal, B, h, T_, d);
    reference::attention_softmax_values_forward(expected_out.data(), expected_probs.data(), v.data(), causal, B, h,
                                                T_, d);
    EXPECT_LT(relative_difference(probs, expected_probs), tolerance<T>()) << "masked entries are 0 in both";
    EXPECT_LT(relative_difference(out, expected_out), tolerance<T>());

    auto dscores = dprobs_seed, expected_dscores = dprobs_seed;  // written, not accumulated: old values vanish
    auto dv = random_values<T>(heads, 6), expected_dv = dv;
    attention_softmax_values_backward(dscores.data(), dv.data(), dout.data(), probs.data(), v.data(), causal, B, h,
                                      T_, d);
    reference::attention_softmax_values_backward(expected_dscores.data(), expected_dv.data(), dout.data(),
                                                 probs.data(), v.data(), causal, B, h, T_, d);
    EXPECT_LT(relative_difference(dscores, expected_dscores), tolerance<T>());
    EXPECT_LT(relative_difference(dv, expected_dv), tolerance<T>());

    auto dq = random_values<T>(heads, 7), dk = random_values<T>(heads, 8);
    auto expected_dq = dq, expected_dk = dk;
    attention_scores_backward(dq.data(), dk.data(), dscores.data(), q.data(), k.data(), causal, B, h, T_, d);
    reference::attention_scores_backward(expected_dq.data(), expected_dk.data(), dscores.data(), q.data(), k.data(),
                                         causal, B, h, T_, d);
    EXPECT_LT(relative_difference(dq, expected_dq), tolerance<T>());
    EXPECT_LT(relative_difference(dk, expected_dk), tolerance<T>());
  }
}

TYPED_TEST(KernelsMatchReference, AttentionScoresAndSoftmaxValues) {
  for (const int d : {5, 8, 24, 40}) expect_attention_matches_reference<TypeParam>(d);
}

// The fused kernels against the three-stage path they replace, bit for bit
// (the same arithmetic, unit by unit): small heads (5, 8, 24) and the GEMM
// path (40), T = 150 as above, both attention modes.
template <typename T>
void expect_fused_attention_equals_staged(int d) {
  SCOPED_TRACE("d = " + std::to_string(d));
  const AttentionInputs<T> in(d);
  const int B = in.B, h = in.h, T_ = in.T_;
  const size_t heads = in.heads, scores_size = in.scores_size;
  const auto &q = in.q, &k = in.k, &v = in.v, &dout = in.dout;
  for (const bool causal : {true, false}) {
    SCOPED_TRACE(causal ? "causal" : "bidirectional");
    std::vector<T> staged_probs(scores_size), staged_out(heads);
    attention_scores_forward(staged_probs.data(), q.data(), k.data(), causal, B, h, T_, d);
    attention_softmax_values_forward(staged_out.data(), staged_probs.data(), v.data(), causal, B, h, T_, d);

    std::vector<T> fused_probs(scores_size), fused_out(heads), unkept_out(heads);
    attention_fused_forward(fused_out.data(), fused_probs.data(), q.data(), k.data(), v.data(), causal, B, h, T_, d);
    attention_fused_forward(unkept_out.data(), static_cast<T*>(nullptr), q.data(), k.data(), v.data(), causal, B, h,
                            T_, d);
    EXPECT_EQ(fused_out, staged_out);
    EXPECT_EQ(fused_probs, staged_probs);
    EXPECT_EQ(unkept_out, staged_out) << "without kept weights";

    std::vector<T> dscores(scores_size);
    auto staged_dq = random_values<T>(heads, 5), staged_dk = random_values<T>(heads, 6);
    auto staged_dv = random_values<T>(heads, 7);
    auto fused_dq = staged_dq, fused_dk = staged_dk, fused_dv = staged_dv;
    attention_softmax_values_backward(dscores.data(), staged_dv.data(), dout.data(), staged_probs.data(), v.data(),
                                      causal, B, h, T_, d);
    attention_scores_backward(staged_dq.data(), staged_dk.data(), dscores.data(), q.data(), k.data(), causal, B, h,
                              T_, d);
    attention_fused_backward(fused_dq.data(), fused_dk.data(), fused_dv.data(), dout.data(), fused_probs.data(),
                             q.data(), k.data(), v.data(), causal, B, h, T_, d);
    EXPECT_EQ(fused_dq, staged_dq) << "accumulated into, like the staged kernels";
    EXPECT_EQ(fused_dk, staged_dk);
    EXPECT_EQ(fused_dv, staged_dv);
  }
}

TYPED_TEST(KernelsMatchReference, FusedAttentionIsBitIdenticalToTheStagedKernels) {
  for (const int d : {5, 8, 24, 40}) expect_fused_attention_equals_staged<TypeParam>(d);
}

// With an additive bias (ALiBi, T5, KERPLE, ...: S += Bias, the transformer's
// fused path for them) against the stages with the bias added in between,
// bit for bit: shared by the batch or per example, both attention modes;
// the backward leaves each unit's dS where a learnable bias needs it.
template <typename T>
void expect_fused_biased_attention_equals_staged(int d, bool per_example) {
  SCOPED_TRACE("d = " + std::to_string(d) + (per_example ? ", per example" : ", shared"));
  const AttentionInputs<T> in(d);
  const int B = in.B, h = in.h, T_ = in.T_;
  const size_t heads = in.heads, scores_size = in.scores_size, tt = static_cast<size_t>(T_) * T_;
  const auto &q = in.q, &k = in.k, &v = in.v, &dout = in.dout;
  const auto values = random_values<T>(per_example ? scores_size : h * tt, 21);
  const AttentionBias<T> bias{values.data(), per_example, true};
  for (const bool causal : {true, false}) {
    SCOPED_TRACE(causal ? "causal" : "bidirectional");
    std::vector<T> staged_probs(scores_size), staged_out(heads);
    attention_scores_forward(staged_probs.data(), q.data(), k.data(), causal, B, h, T_, d);
    for (int b = 0; b < B; ++b)
      for (int a = 0; a < h; ++a)
        for (size_t e = 0; e < tt; ++e)
          staged_probs[(static_cast<size_t>(b) * h + a) * tt + e] +=
              values[(per_example ? static_cast<size_t>(b) * h * tt : 0) + a * tt + e];
    attention_softmax_values_forward(staged_out.data(), staged_probs.data(), v.data(), causal, B, h, T_, d);

    std::vector<T> fused_probs(scores_size), fused_out(heads), unkept_out(heads);
    attention_fused_forward(fused_out.data(), fused_probs.data(), q.data(), k.data(), v.data(), causal, B, h, T_, d,
                            bias);
    attention_fused_forward(unkept_out.data(), static_cast<T*>(nullptr), q.data(), k.data(), v.data(), causal, B, h,
                            T_, d, bias);
    EXPECT_EQ(fused_out, staged_out);
    EXPECT_EQ(fused_probs, staged_probs);
    EXPECT_EQ(unkept_out, staged_out) << "without kept weights";

    std::vector<T> staged_dscores(scores_size), fused_dscores(scores_size);
    std::vector<T> staged_dq(heads), staged_dk(heads), staged_dv(heads), fused_dq(heads), fused_dk(heads),
        fused_dv(heads);
    attention_softmax_values_backward(staged_dscores.data(), staged_dv.data(), dout.data(), staged_probs.data(),
                                      v.data(), causal, B, h, T_, d);
    attention_scores_backward(staged_dq.data(), staged_dk.data(), staged_dscores.data(), q.data(), k.data(), causal,
                              B, h, T_, d);
    attention_fused_backward(fused_dq.data(), fused_dk.data(), fused_dv.data(), dout.data(), fused_probs.data(),
                             q.data(), k.data(), v.data(), causal, B, h, T_, d, Write::accumulate,
                             fused_dscores.data());
    EXPECT_EQ(fused_dscores, staged_dscores);
    EXPECT_EQ(fused_dq, staged_dq);
    EXPECT_EQ(fused_dk, staged_dk);
    EXPECT_EQ(fused_dv, staged_dv);
    if (per_example) continue;

    // A shared bias's gradient summed in the kernel: Σ_b dS in batch order, the other outputs unchanged.
    std::vector<T> staged_dbias(h * tt), summed_dbias(h * tt), summed_dq(heads), summed_dk(heads), summed_dv(heads);
    for (int a = 0; a < h; ++a)
      for (int b = 0; b < B; ++b)
        for (size_t e = 0; e < tt; ++e)
          staged_dbias[a * tt + e] += staged_dscores[(static_cast<size_t>(b) * h + a) * tt + e];
    attention_fused_backward(summed_dq.data(), summed_dk.data(), summed_dv.data(), dout.data(), fused_probs.data(),
                             q.data(), k.data(), v.data(), causal, B, h, T_, d, Write::accumulate,
                             static_cast<T*>(nullptr), summed_dbias.data());
    EXPECT_EQ(summed_dbias, staged_dbias);
    EXPECT_EQ(summed_dq, staged_dq);
    EXPECT_EQ(summed_dk, staged_dk);
    EXPECT_EQ(summed_dv, staged_dv);
  }
}

TYPED_TEST(KernelsMatchReference, FusedAttentionWithABiasIsBitIdenticalToTheStagedKernels) {
  for (const int d : {5, 8, 24, 40})
    for (const bool per_example : {false, true}) expect_fused_biased_attention_equals_staged<TypeParam>(d, per_example);
}

// The three head products against index-order sums in double: rectangular
// (rows != cols, neither a multiple of a tile), for head widths served by the
// register-tiled kernels (5, 8, 24) and by the GEMM (40); the two `_add`
// forms keep what the output held.
template <typename T>
void expect_head_products_match_reference(int d) {
  const int rows = 37, cols = 53;
  const T alpha = T(0.7);
  const auto a = random_values<T>(rows * d, 11), b = random_values<T>(cols * d, 12);
  const auto w = random_values<T>(rows * cols, 13), start_rows = random_values<T>(rows * d, 14);
  const auto start_cols = random_values<T>(cols * d, 15);
  std::vector<T> abt(rows * cols), ab = start_rows, atb = start_cols;
  head_product_abt(abt.data(), a.data(), b.data(), alpha, rows, cols, d);
  head_product_ab_add(ab.data(), w.data(), b.data(), alpha, rows, cols, d);
  head_product_atb_add(atb.data(), w.data(), a.data(), alpha, rows, cols, d);
  std::vector<T> expected_abt(rows * cols), expected_ab = start_rows, expected_atb = start_cols;
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) {
      double dot = 0;
      for (int e = 0; e < d; ++e) dot += double(a[i * d + e]) * b[j * d + e];
      expected_abt[i * cols + j] = static_cast<T>(alpha * dot);
    }
  for (int e = 0; e < d; ++e) {
    for (int i = 0; i < rows; ++i) {
      double sum = 0;
      for (int j = 0; j < cols; ++j) sum += double(w[i * cols + j]) * b[j * d + e];
      expected_ab[i * d + e] += static_cast<T>(alpha * sum);
    }
    for (int j = 0; j < cols; ++j) {
      double sum = 0;
      for (int i = 0; i < rows; ++i) sum += double(w[i * cols + j]) * a[i * d + e];
      expected_atb[j * d + e] += static_cast<T>(alpha * sum);
    }
  }
  EXPECT_LT(relative_difference(abt, expected_abt), tolerance<T>()) << "a·bᵀ, d = " << d;
  EXPECT_LT(relative_difference(ab, expected_ab), tolerance<T>()) << "w·b, d = " << d;
  EXPECT_LT(relative_difference(atb, expected_atb), tolerance<T>()) << "wᵀ·a, d = " << d;
}

TYPED_TEST(KernelsMatchReference, HeadProducts) {
  for (const int d : {5, 8, 24, 40}) expect_head_products_match_reference<TypeParam>(d);
}

// A banded head product computes what the full one does on the band, bit
// for bit: a·bᵀ on every (i, j < band end) (the output starts as NaN, so a
// skipped entry shows), and the _add products over weights that are 0
// outside the band, which lets them skip those columns (rows, for wᵀ·a).
// Bands with every shape of end: rising from 2, rising from below 0 (empty
// first rows), falling and clamped at cols, and the causal one.
template <typename T>
void expect_banded_head_products_equal_full(int d, ColumnBand band) {
  const int rows = 37, cols = 53;
  const T alpha = T(0.7);
  const auto a = random_values<T>(rows * d, 21), b = random_values<T>(cols * d, 22);
  auto w = random_values<T>(rows * cols, 23);
  for (int i = 0; i < rows; ++i)
    for (int j = band.end(i, cols); j < cols; ++j) w[i * cols + j] = T(0);
  const auto start_rows = random_values<T>(rows * d, 24), start_cols = random_values<T>(cols * d, 25);
  std::vector<T> full_abt(rows * cols), full_ab = start_rows, full_atb = start_cols;
  head_product_abt(full_abt.data(), a.data(), b.data(), alpha, rows, cols, d);
  head_product_ab_add(full_ab.data(), w.data(), b.data(), alpha, rows, cols, d);
  head_product_atb_add(full_atb.data(), w.data(), a.data(), alpha, rows, cols, d);
  std::vector<T> abt(rows * cols, std::numeric_limits<T>::quiet_NaN()), ab = start_rows, atb = start_cols;
  head_product_abt(abt.data(), a.data(), b.data(), alpha, rows, cols, d, band);
  head_product_ab_add(ab.data(), w.data(), b.data(), alpha, rows, cols, d, band);
  head_product_atb_add(atb.data(), w.data(), a.data(), alpha, rows, cols, d, band);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < band.end(i, cols); ++j)
      ASSERT_EQ(abt[i * cols + j], full_abt[i * cols + j]) << "a·bᵀ at (" << i << ", " << j << "), d = " << d;
  EXPECT_EQ(ab, full_ab) << "w·b, d = " << d;
  EXPECT_EQ(atb, full_atb) << "wᵀ·a, d = " << d;
}

TYPED_TEST(KernelsMatchReference, BandedHeadProductsEqualTheFullOnesOnTheBand) {
  for (const ColumnBand band : {ColumnBand{2, 1}, ColumnBand{-3, 1}, ColumnBand{58, -1}, ColumnBand::causal()})
    for (const int d : {5, 8, 24, 40}) expect_banded_head_products_equal_full<TypeParam>(d, band);
}

TYPED_TEST(KernelsMatchReference, EmbeddingBackward) {
  using T = TypeParam;
  const int N = 500, C = 40, V = 7;
  std::vector<int> tokens(N);
  for (int n = 0; n < N; ++n) tokens[n] = (n * 5 + n / 3) % V;  // every id many times
  const auto dout = random_values<T>(N * C, 1);
  auto dtable = random_values<T>(V * C, 2), expected = dtable;
  embedding_backward(dtable.data(), dout.data(), tokens.data(), T(8), N, C);
  reference::embedding_backward(expected.data(), dout.data(), tokens.data(), T(8), N, C);
  EXPECT_EQ(dtable, expected) << "same summation order: bit-identical";
}

// ------------------------------------------------------------ backward vs finite differences

// Each layer's backward against the finite differences of
// L(x) = Σ_i w_i·f(x)_i (tests/finite_differences.hpp, kLayerTolerance).
void expect_gradient(const std::string& name, std::vector<double>& x, const std::function<std::vector<double>()>& f,
                     const std::vector<double>& w, const std::vector<double>& analytic) {
  expect_gradient_matches(gradient_error(name, x, analytic, [&] { return weighted_sum(w, f()); }), kLayerTolerance);
}

TEST(LayerGradients, LinearMatchesFiniteDifferences) {
  const int N = 7, IC = 5, OC = 6;
  auto in = random_values<double>(N * IC, 1), weight = random_values<double>(OC * IC, 2);
  auto bias = random_values<double>(OC, 3);
  const auto w = random_values<double>(N * OC, 4);
  auto f = [&] {
    std::vector<double> out(N * OC);
    linear_forward(out.data(), in.data(), weight.data(), bias.data(), N, IC, OC, 3);
    return out;
  };
  std::vector<double> din(N * IC), dweight(OC * IC), dbias(OC);
  linear_backward(din.data(), dweight.data(), dbias.data(), w.data(), in.data(), weight.data(), N, IC, OC, 3);
  expect_gradient("in", in, f, w, din);
  expect_gradient("weight", weight, f, w, dweight);
  expect_gradient("bias", bias, f, w, dbias);
}

TEST(LayerGradients, LayerNormMatchesFiniteDifferences) {
  const int N = 4, C = 9;
  auto in = random_values<double>(N * C, 1, 2.0), weight = random_values<double>(C, 2), bias = random_values<double>(C, 3);
  const auto w = random_values<double>(N * C, 4);
  std::vector<double> mean(N), rstd(N);
  auto f = [&] {
    std::vector<double> out(N * C);
    layernorm_forward(out.data(), mean.data(), rstd.data(), in.data(), weight.data(), bias.data(), N, C);
    return out;
  };
  f();
  std::vector<double> din(N * C), dweight(C), dbias(C);
  layernorm_backward(din.data(), dweight.data(), dbias.data(), w.data(), in.data(), weight.data(), mean.data(),
                     rstd.data(), N, C);
  expect_gradient("in", in, f, w, din);
  expect_gradient("weight", weight, f, w, dweight);
  expect_gradient("bias", bias, f, w, dbias);
}

TEST(LayerGradients, ActivationsMatchFiniteDifferences) {
  for (const Activation activation : {Activation::relu, Activation::gelu}) {
    SCOPED_TRACE(to_string(activation));
    auto in = random_values<double>(40, 1, 2.0);
    for (auto& x : in)
      if (std::abs(x) < 0.01) x += 0.05;  // keep ReLU's kink out of the stencil
    const auto w = random_values<double>(40, 2);
    auto f = [&] {
      std::vector<double> out(40);
      activation_forward(out.data(), in.data(), activation, 40);
      return out;
    };
    std::vector<double> din(40);
    activation_backward(din.data(), w.data(), in.data(), activation, 40);
    expect_gradient("in", in, f, w, din);
  }
}

TEST(LayerGradients, GeluMatchesItsDefinition) {
  std::vector<double> in = {-3.0, -0.5, 0.0, 0.7, 2.5}, out(5);
  activation_forward(out.data(), in.data(), Activation::gelu, 5);
  for (int i = 0; i < 5; ++i) {
    const double x = in[i];
    EXPECT_NEAR(out[i], 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))), 1e-15);
  }
}

TEST(LayerGradients, DropoutMatchesFiniteDifferences) {
  const int B = 3;
  const size_t E = 20;
  auto in = random_values<double>(B * E, 1);
  const auto w = random_values<double>(B * E, 2);
  std::vector<uint8_t> keep(B * E);
  auto f = [&] {
    auto out = in;
    dropout_forward(out.data(), keep.data(), 0.3, 9, 1, 0, B, E);
    return out;
  };
  f();
  std::vector<double> din(B * E);
  dropout_backward(din.data(), w.data(), keep.data(), 0.3, B * E);
  expect_gradient("in", in, f, w, din);
}

TEST(LayerGradients, AttentionMatchesFiniteDifferences) {
  const int B = 2, h = 2, T_ = 5, d = 3;
  const size_t heads = size_t(B) * h * T_ * d;
  for (const bool causal : {true, false}) {
    SCOPED_TRACE(causal ? "causal" : "bidirectional");
    auto q = random_values<double>(heads, 1), k = random_values<double>(heads, 2), v = random_values<double>(heads, 3);
    const auto w = random_values<double>(heads, 4);
    std::vector<double> probs(B * h * T_ * T_);
    auto f = [&] {
      std::vector<double> out(heads);
      attention_scores_forward(probs.data(), q.data(), k.data(), causal, B, h, T_, d);
      attention_softmax_values_forward(out.data(), probs.data(), v.data(), causal, B, h, T_, d);
      return out;
    };
    f();
    std::vector<double> dscores(probs.size()), dq(heads), dk(heads), dv(heads);
    attention_softmax_values_backward(dscores.data(), dv.data(), w.data(), probs.data(), v.data(), causal, B, h, T_, d);
    attention_scores_backward(dq.data(), dk.data(), dscores.data(), q.data(), k.data(), causal, B, h, T_, d);
    expect_gradient("q", q, f, w, dq);
    expect_gradient("k", k, f, w, dk);
    expect_gradient("v", v, f, w, dv);
  }
}

TEST(LayerGradients, HeadSplitAndMergeMatchFiniteDifferences) {
  const int B = 2, h = 3, T_ = 4, d = 2, C = h * d;
  auto qkv = random_values<double>(B * T_ * 3 * C, 1);
  const auto w = random_values<double>(B * T_ * C, 2);
  // f(qkv) = merge(q) + 2·merge(k) + 3·merge(v): every slot reaches the output.
  auto f = [&] {
    std::vector<double> q(B * T_ * C), k(q.size()), v(q.size()), out(q.size()), merged(q.size());
    split_heads_forward(q.data(), k.data(), v.data(), qkv.data(), B, h, T_, d);
    for (size_t i = 0; i < q.size(); ++i) q[i] += 2 * k[i] + 3 * v[i];
    merge_heads_forward(merged.data(), q.data(), B, h, T_, d);
    return merged;
  };
  std::vector<double> dheads(B * T_ * C), dq(dheads.size()), dk(dheads.size()), dv(dheads.size()), dqkv(qkv.size());
  merge_heads_backward(dheads.data(), w.data(), B, h, T_, d);
  for (size_t i = 0; i < dheads.size(); ++i) {
    dq[i] = dheads[i];
    dk[i] = 2 * dheads[i];
    dv[i] = 3 * dheads[i];
  }
  split_heads_backward(dqkv.data(), dq.data(), dk.data(), dv.data(), B, h, T_, d);
  expect_gradient("qkv", qkv, f, w, dqkv);
}

TEST(LayerGradients, ResidualAndEmbeddingMatchFiniteDifferences) {
  const int N = 6, C = 4, V = 3;
  const std::vector<int> tokens = {0, 2, 2, 1, 0, 2};
  auto table = random_values<double>(V * C, 1), other = random_values<double>(N * C, 2);
  const auto w = random_values<double>(N * C, 3);
  auto f = [&] {
    std::vector<double> embedded(N * C), out(N * C);
    embedding_forward(embedded.data(), tokens.data(), table.data(), 1.5, N, C);
    residual_forward(out.data(), embedded.data(), other.data(), N * C);
    return out;
  };
  std::vector<double> dembedded(N * C), dother(N * C), dtable(V * C);
  residual_backward(dembedded.data(), dother.data(), w.data(), N * C);
  embedding_backward(dtable.data(), dembedded.data(), tokens.data(), 1.5, N, C);
  expect_gradient("table", table, f, w, dtable);
  expect_gradient("other", other, f, w, dother);
}

TEST(LayerGradients, CrossEntropyMatchesFiniteDifferences) {
  const int N = 5, V = 4;
  auto logits = random_values<double>(N * V, 1, 2.0);
  const std::vector<int> targets = {2, -1, 0, 3, 3};
  auto f = [&] {
    std::vector<double> losses(N);
    std::vector<int> predictions(N);
    crossentropy_forward(losses.data(), predictions.data(), logits.data(), targets.data(), N, V);
    return losses;
  };
  const std::vector<double> w(N, 0.25);  // dloss = 1/4 on every row
  std::vector<double> dlogits(N * V);
  crossentropy_backward(dlogits.data(), logits.data(), targets.data(), 0.25, N, V);
  expect_gradient("logits", logits, f, w, dlogits);
  for (int c = 0; c < V; ++c) EXPECT_EQ(dlogits[1 * V + c], 0.0) << "no target, no gradient";
}

// ------------------------------------------------------------ values

TEST(CrossEntropy, MatchesAHandComputedValueAndBreaksTiesLow) {
  const std::vector<double> logits = {0.0, std::log(3.0), 1.0, 1.0};
  const std::vector<int> targets = {1, -1};
  std::vector<double> losses(2);
  std::vector<int> predictions(2);
  crossentropy_forward(losses.data(), predictions.data(), logits.data(), targets.data(), 2, 2);
  EXPECT_NEAR(losses[0], std::log(4.0 / 3.0), 1e-15);  // softmax = (1/4, 3/4)
  EXPECT_EQ(losses[1], 0.0);
  EXPECT_EQ(predictions[0], 1);
  EXPECT_EQ(predictions[1], 0) << "ties go to the lowest class";
}

TEST(Dropout, KeepsAboutOneMinusPAndScalesWhatItKeeps) {
  const int B = 4;
  const size_t E = 5000;
  std::vector<float> x(B * E, 1.0f);
  std::vector<uint8_t> keep(B * E);
  dropout_forward(x.data(), keep.data(), 0.25, 3, 7, 0, B, E);
  size_t kept = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    kept += keep[i];
    EXPECT_FLOAT_EQ(x[i], keep[i] ? 1.0f / 0.75f : 0.0f);
  }
  EXPECT_NEAR(double(kept) / x.size(), 0.75, 0.01);
}

TEST(Dropout, EachElementKeepsWhenItsSixteenBitUniformReachesTheThreshold) {
  // The mask's definition, which every committed result with dropout
  // depends on: sequence s draws from Rng(seed, site << 32 | s); element e
  // takes bits 16(e mod 4) .. 16(e mod 4) + 15 of draw e / 4 and keeps when
  // they are >= round(p·65536). E = 13 leaves a part-used last draw.
  const int B = 3, first_sequence = 4;
  const size_t E = 13;
  const double p = 0.3;
  const uint64_t seed = 11, site = 6;
  std::vector<float> x(B * E, 2.0f);
  std::vector<uint8_t> keep(B * E);
  dropout_forward(x.data(), keep.data(), p, seed, site, first_sequence, B, E);
  const uint64_t threshold = static_cast<uint64_t>(std::llround(p * 65536.0));
  for (int b = 0; b < B; ++b) {
    Rng rng(seed, (site << 32) | static_cast<uint64_t>(first_sequence + b));
    uint64_t draw = 0;
    for (size_t e = 0; e < E; ++e) {
      if (e % 4 == 0) draw = rng.next_u64();
      const bool kept = ((draw >> (16 * (e % 4))) & 0xFFFF) >= threshold;
      EXPECT_EQ(keep[b * E + e], kept) << "sequence " << b << ", element " << e;
      EXPECT_EQ(x[b * E + e], kept ? 2.0f * static_cast<float>(1.0 / (1.0 - p)) : 0.0f);
    }
  }
}

TEST(Dropout, MaskDependsOnTheSequenceIndexNotItsPlaceInTheChunk) {
  const size_t E = 64;
  std::vector<float> whole(8 * E, 1.0f), single(E, 1.0f);
  std::vector<uint8_t> keep_whole(8 * E), keep_single(E);
  dropout_forward(whole.data(), keep_whole.data(), 0.5, 3, 2, 0, 8, E);
  dropout_forward(single.data(), keep_single.data(), 0.5, 3, 2, 5, 1, E);
  EXPECT_EQ(std::vector<uint8_t>(keep_whole.begin() + 5 * E, keep_whole.begin() + 6 * E), keep_single);
  EXPECT_NE(std::vector<uint8_t>(keep_whole.begin(), keep_whole.begin() + E), keep_single);
}

}  // namespace

// C = 100: seven 16-channel blocks, the last one partial, so one thread's
// range spans more than one pass of parameter sums; N·C is large enough for
// the threads to split the work.
TEST(LayerNormBackward, ParameterGradientsAreTheSameBitsForAnyThreadCount) {
  const int N = 512, C = 100;
  const auto in = random_values<float>(N * C, 11, 3.0), weight = random_values<float>(C, 12);
  const auto bias = random_values<float>(C, 13), dout = random_values<float>(N * C, 14);
  std::vector<float> out(N * C), mean(N), rstd(N);
  layernorm_forward(out.data(), mean.data(), rstd.data(), in.data(), weight.data(), bias.data(), N, C);
  struct Gradients {
    std::vector<float> din, dweight, dbias;
  };
  auto backward = [&](int threads) {
    Gradients g{random_values<float>(N * C, 15), random_values<float>(C, 16), random_values<float>(C, 17)};
    return pebench::testing::with_threads(threads, [&] {
      layernorm_backward(g.din.data(), g.dweight.data(), g.dbias.data(), dout.data(), in.data(), weight.data(),
                         mean.data(), rstd.data(), N, C);
      return g;
    });
  };
  const Gradients one = backward(1);
  Gradients expected{random_values<float>(N * C, 15), random_values<float>(C, 16), random_values<float>(C, 17)};
  reference::layernorm_backward(expected.din.data(), expected.dweight.data(), expected.dbias.data(), dout.data(),
                                in.data(), weight.data(), mean.data(), rstd.data(), N, C);
  EXPECT_LT(relative_difference(one.dweight, expected.dweight), tolerance<float>());
  EXPECT_LT(relative_difference(one.dbias, expected.dbias), tolerance<float>());
  for (int threads : {2, 3}) {
    const Gradients other = backward(threads);
    EXPECT_EQ(other.dweight, one.dweight) << threads << " threads";
    EXPECT_EQ(other.dbias, one.dbias) << threads << " threads";
    EXPECT_EQ(other.din, one.din) << threads << " threads";
  }
}

// Write::assign lets a kernel skip the zeroing of a buffer it writes first:
// it must give exactly what adding into zeros gives, whatever the buffer held.
namespace {
struct AssignAndAccumulate {
  std::vector<float> assigned, accumulated;
  explicit AssignAndAccumulate(size_t n) : assigned(random_values<float>(n, 99)), accumulated(n, 0.0f) {}
};
}  // namespace

TEST(WriteAssign, LinearBackwardInputGradientIsAccumulatingIntoZeros) {
  const int N = 300, IC = 64, OC = 256;  // the CHE FFN's second layer: several row blocks
  const auto dout = random_values<float>(N * OC, 1), in = random_values<float>(N * IC, 2);
  const auto weight = random_values<float>(OC * IC, 3);
  AssignAndAccumulate din(N * IC);
  std::vector<float> dweight(OC * IC), dbias(OC), dweight2(OC * IC), dbias2(OC);
  linear_backward(din.assigned.data(), dweight.data(), dbias.data(), dout.data(), in.data(), weight.data(), N, IC,
                  OC, 64, Write::assign);
  linear_backward(din.accumulated.data(), dweight2.data(), dbias2.data(), dout.data(), in.data(), weight.data(), N,
                  IC, OC, 64, Write::accumulate);
  EXPECT_EQ(din.assigned, din.accumulated);
  EXPECT_EQ(dweight, dweight2);
  EXPECT_EQ(dbias, dbias2);
}

TEST(WriteAssign, ActivationBackwardIsAccumulatingIntoZeros) {
  const size_t n = 10000;  // several element blocks
  const auto dout = random_values<float>(n, 1), in = random_values<float>(n, 2, 3.0);
  for (const Activation activation : {Activation::relu, Activation::gelu}) {
    SCOPED_TRACE(to_string(activation));
    AssignAndAccumulate din(n);
    activation_backward(din.assigned.data(), dout.data(), in.data(), activation, n, Write::assign);
    activation_backward(din.accumulated.data(), dout.data(), in.data(), activation, n, Write::accumulate);
    EXPECT_EQ(din.assigned, din.accumulated);
  }
}

TEST(WriteAssign, ResidualAndDropoutBackwardAreAccumulatingIntoZeros) {
  const size_t n = 10000;  // several element blocks
  const auto dout = random_values<float>(n, 1);
  std::vector<uint8_t> keep(n);
  for (size_t i = 0; i < n; ++i) keep[i] = (i * 7919) % 3 != 0;
  AssignAndAccumulate skip(n), branch(n), dropped(n);
  residual_backward(skip.assigned.data(), branch.assigned.data(), dout.data(), n, Write::assign);
  residual_backward(skip.accumulated.data(), branch.accumulated.data(), dout.data(), n, Write::accumulate);
  dropout_backward(dropped.assigned.data(), dout.data(), keep.data(), 0.3, n, Write::assign);
  dropout_backward(dropped.accumulated.data(), dout.data(), keep.data(), 0.3, n, Write::accumulate);
  EXPECT_EQ(skip.assigned, skip.accumulated);
  EXPECT_EQ(branch.assigned, branch.accumulated);
  EXPECT_EQ(dropped.assigned, dropped.accumulated);
}

TEST(WriteAssign, FusedAttentionBackwardIsAccumulatingIntoZeros) {
  const int B = 2, h = 3, T_ = 20, d = 8;
  const size_t heads = size_t(B) * h * T_ * d;
  const auto q = random_values<float>(heads, 1), k = random_values<float>(heads, 2);
  const auto v = random_values<float>(heads, 3), dout = random_values<float>(heads, 4);
  for (const bool causal : {true, false}) {
    SCOPED_TRACE(causal ? "causal" : "bidirectional");
    std::vector<float> out(heads), probs(size_t(B) * h * T_ * T_);
    attention_fused_forward(out.data(), probs.data(), q.data(), k.data(), v.data(), causal, B, h, T_, d);
    AssignAndAccumulate dq(heads), dk(heads), dv(heads);
    attention_fused_backward(dq.assigned.data(), dk.assigned.data(), dv.assigned.data(), dout.data(), probs.data(),
                             q.data(), k.data(), v.data(), causal, B, h, T_, d, Write::assign);
    attention_fused_backward(dq.accumulated.data(), dk.accumulated.data(), dv.accumulated.data(), dout.data(),
                             probs.data(), q.data(), k.data(), v.data(), causal, B, h, T_, d, Write::accumulate);
    EXPECT_EQ(dq.assigned, dq.accumulated);
    EXPECT_EQ(dk.assigned, dk.accumulated);
    EXPECT_EQ(dv.assigned, dv.accumulated);
  }
}

TEST(WriteAssign, HeadSplitAndMergeBackwardAreAccumulatingIntoZeros) {
  const int B = 3, h = 4, T_ = 20, d = 8, C = h * d;
  const size_t tokens = size_t(B) * T_;
  const auto dq = random_values<float>(tokens * C, 1), dk = random_values<float>(tokens * C, 2);
  const auto dv = random_values<float>(tokens * C, 3), dout = random_values<float>(tokens * C, 4);
  AssignAndAccumulate dqkv(tokens * 3 * C), dheads(tokens * C);
  split_heads_backward(dqkv.assigned.data(), dq.data(), dk.data(), dv.data(), B, h, T_, d, Write::assign);
  split_heads_backward(dqkv.accumulated.data(), dq.data(), dk.data(), dv.data(), B, h, T_, d, Write::accumulate);
  merge_heads_backward(dheads.assigned.data(), dout.data(), B, h, T_, d, Write::assign);
  merge_heads_backward(dheads.accumulated.data(), dout.data(), B, h, T_, d, Write::accumulate);
  EXPECT_EQ(dqkv.assigned, dqkv.accumulated);
  EXPECT_EQ(dheads.assigned, dheads.accumulated);
}

TEST(FillZero, ZeroesEveryElementOfShortAndThreadSplitBuffers) {
  for (size_t n : {size_t(1), size_t(4095), size_t(4097), size_t(1) << 20}) {
    std::vector<float> x(n + 1, 1.5f);
    fill_zero(x.data(), n);
    EXPECT_EQ(std::count(x.begin(), x.begin() + n, 0.0f), static_cast<long>(n)) << n;
    EXPECT_EQ(x[n], 1.5f) << "wrote past the end, n = " << n;
  }
}

TEST(FillZero, ZeroesTheListedPrefixesOfSeveralBuffersAndNothingElse) {
  // Sizes straddle the 4096-element blocks, so one block spans buffer ends.
  const std::vector<size_t> sizes = {3, 4095, 0, 9000, 1, size_t(1) << 18};
  std::vector<std::vector<float>> buffers;
  std::vector<BufferPrefix<float>> prefixes;
  for (size_t n : sizes) buffers.emplace_back(n + 2, 1.5f);
  for (size_t b = 0; b < sizes.size(); ++b) prefixes.push_back({buffers[b].data(), sizes[b]});
  fill_zero(prefixes);
  for (size_t b = 0; b < sizes.size(); ++b) {
    const std::vector<float>& x = buffers[b];
    EXPECT_EQ(std::count(x.begin(), x.begin() + sizes[b], 0.0f), static_cast<long>(sizes[b])) << "buffer " << b;
    EXPECT_EQ(x[sizes[b]], 1.5f) << "wrote past the prefix of buffer " << b;
    EXPECT_EQ(x[sizes[b] + 1], 1.5f) << "wrote past the prefix of buffer " << b;
  }
}

namespace {
// The float softmax also has an AVX-512 build, chosen at run time on a CPU
// that has it. Either build must give what this file's own (AVX2) build of
// the same formula gives: max, exp(x − max) summed in vec's 16 lanes, then a
// multiply by the reciprocal of the sum. Odd widths exercise the tails.
void expect_softmax_equals_row_by_row_formula(Rng& rng, double logit_low, double logit_high) {
  for (bool causal : {false, true})
    for (int T_ : {5, 37, 80}) {
      const int B = 2, h = 3, d = 8;
      std::vector<float> logits(static_cast<size_t>(B) * h * T_ * T_), v(static_cast<size_t>(B) * h * T_ * d);
      for (float& x : logits) x = static_cast<float>(logit_low + rng.uniform() * (logit_high - logit_low));
      for (float& x : v) x = static_cast<float>(rng.uniform() - 0.5);
      std::vector<float> probs = logits, out(v.size());
      attention_softmax_values_forward(out.data(), probs.data(), v.data(), causal, B, h, T_, d);
      std::vector<float> expected = logits;
      for (size_t row = 0; row < expected.size() / T_; ++row) {
        const int allowed = causal ? static_cast<int>(row % T_) + 1 : T_;
        float* x = expected.data() + row * T_;
        const float inverse_total = 1.0f / vec::exp_shifted_sum(x, vec::max(x, allowed), allowed);
        for (int j = 0; j < allowed; ++j) x[j] *= inverse_total;
        std::fill(x + allowed, x + T_, 0.0f);
      }
      EXPECT_EQ(floats_differing_in_bits(probs, expected), 0u)
          << "T " << T_ << (causal ? " causal" : "") << ", logits in [" << logit_low << ", " << logit_high << "]";
    }
}
}  // namespace

TEST(AttentionSoftmax, EqualsTheRowByRowFormulaBitForBitOnEveryCpuPath) {
  Rng rng(77, "softmax-paths");
  expect_softmax_equals_row_by_row_formula(rng, -8.0, 8.0);
}

TEST(AttentionSoftmax, EqualsTheRowByRowFormulaWhereExpUnderflowsAndClamps) {
  // Logits 0 to 120 below their row's max: exponentials from 1 through the
  // subnormals (below e^−87.3 the argument is clamped), where a rewritten
  // exp would most easily round differently.
  Rng rng(79, "softmax-range");
  expect_softmax_equals_row_by_row_formula(rng, -120.0, 0.0);
}

TEST(AttentionKernels, TheAvx512BuildsEqualTheAvx2BuildsBitForBit) {
  // Scores (q·kᵀ), softmax, the output P·v, the score gradient (through
  // dO·vᵀ), dv = Pᵀ·dO and dq, dk, small heads, widths around the 16-key
  // vectors and the 8- and 4-key tiles, both masks.
  attention_allow_avx512(true);
  if (!attention_uses_avx512()) GTEST_SKIP() << "this CPU has no AVX-512";
  Rng rng(78, "score-paths");
  auto random = [&](size_t n) {
    std::vector<float> x(n);
    for (float& v : x) v = static_cast<float>(rng.uniform() * 2.0 - 1.0);
    return x;
  };
  for (bool causal : {false, true})
    for (int T_ : {3, 4, 7, 16, 17, 21, 37, 80})
      for (int d : {4, 8, 13, 16, 32}) {
        const int B = 2, h = 2;
        const size_t heads = size_t(B) * h * T_ * d, scores = size_t(B) * h * T_ * T_;
        const auto q = random(heads), k = random(heads), v = random(heads), dout = random(heads);
        const auto start_q = random(heads), start_k = random(heads), start_v = random(heads);
        auto run = [&](bool avx512) {
          attention_allow_avx512(avx512);
          // The gradients accumulate (+=) into buffers that already hold something.
          std::vector<float> s(scores), out(heads), dv = start_v, ds(scores), dq = start_q, dk = start_k;
          attention_scores_forward(s.data(), q.data(), k.data(), causal, B, h, T_, d);
          std::vector<float> probs = s;
          attention_softmax_values_forward(out.data(), probs.data(), v.data(), causal, B, h, T_, d);
          attention_softmax_values_backward(ds.data(), dv.data(), dout.data(), probs.data(), v.data(), causal, B, h,
                                            T_, d);
          attention_scores_backward(dq.data(), dk.data(), ds.data(), q.data(), k.data(), causal, B, h, T_, d);
          attention_allow_avx512(true);
          return std::vector<std::vector<float>>{s, probs, out, ds, dv, dq, dk};
        };
        const auto avx2 = run(false), avx512 = run(true);
        const char* names[] = {"scores", "softmax", "output", "dscores", "dv", "dq", "dk"};
        for (size_t e = 0; e < avx2.size(); ++e)
          EXPECT_EQ(floats_differing_in_bits(avx2[e], avx512[e]), 0u)
              << names[e] << ", T " << T_ << " d " << d << (causal ? " causal" : "");
      }
}

TEST(AttentionKernels, HeadProductsOverABandGiveTheAvx2BuildsBits) {
  // head_product_atb_add (out += alpha·wᵀ·a) and head_product_ab_add (out +=
  // alpha·w·b) with CoPE's bands: rows reaching i + 2 columns (widening with
  // the row) and T − i columns (narrowing: head_product_atb_add leaves these
  // to the 8-key tiles); w 0 outside the band.
  attention_allow_avx512(true);
  if (!attention_uses_avx512()) GTEST_SKIP() << "this CPU has no AVX-512";
  Rng rng(80, "transposed-bands");
  for (int T_ : {5, 12, 19, 40, 81})
    for (int d : {8, 16})
      for (ColumnBand band : {ColumnBand{2, 1}, ColumnBand{T_, -1}, ColumnBand::all()}) {
        const int cols = T_ + 1;
        std::vector<float> w(size_t(T_) * cols), a(size_t(T_) * d), start(size_t(cols) * d),
            b(size_t(cols) * d), start_rows(size_t(T_) * d);
        for (int i = 0; i < T_; ++i)
          for (int j = 0; j < cols; ++j)
            w[size_t(i) * cols + j] = j < band.end(i, cols) ? static_cast<float>(rng.uniform() - 0.5) : 0.0f;
        for (float& x : a) x = static_cast<float>(rng.uniform() * 2.0 - 1.0);
        for (float& x : b) x = static_cast<float>(rng.uniform() * 2.0 - 1.0);
        for (float& x : start) x = static_cast<float>(rng.uniform() - 0.5);
        for (float& x : start_rows) x = static_cast<float>(rng.uniform() - 0.5);
        auto run = [&](bool avx512) {
          attention_allow_avx512(avx512);
          std::vector<float> transposed = start, plain = start_rows;
          head_product_atb_add(transposed.data(), w.data(), a.data(), 0.375f, T_, cols, d, band);
          head_product_ab_add(plain.data(), w.data(), b.data(), 0.375f, T_, cols, d, band);
          attention_allow_avx512(true);
          return std::make_pair(transposed, plain);
        };
        const auto avx2 = run(false), avx512 = run(true);
        const std::string where =
            "T " + std::to_string(T_) + " d " + std::to_string(d) + " band " + std::to_string(band.at_row0) + "+" +
            std::to_string(band.per_row) + "i";
        EXPECT_EQ(floats_differing_in_bits(avx2.first, avx512.first), 0u) << "wᵀ·a, " << where;
        EXPECT_EQ(floats_differing_in_bits(avx2.second, avx512.second), 0u) << "w·b, " << where;
      }
}

TEST(LinearForward, ALayerRunBlockByBlockInsideAnotherLayersHookGivesTheSameBits) {
  // The FFN's pattern: the second layer's blocks computed by
  // linear_rows_forward (weight transposed once) inside the first layer's
  // after hook, each block's input in a small buffer of its own, equal bit
  // for bit to two separate linear_forward passes, on all threads.
  const int N = 1900, D = 48, F = 130, block_rows = 80;
  const auto x = random_values<float>(size_t(N) * D, 3), w1 = random_values<float>(size_t(F) * D, 4),
             b1 = random_values<float>(F, 5), w2 = random_values<float>(size_t(D) * F, 6),
             b2 = random_values<float>(D, 7);
  std::vector<float> hidden(size_t(N) * F), expected(size_t(N) * D);
  linear_forward(hidden.data(), x.data(), w1.data(), b1.data(), N, D, F, block_rows);
  linear_forward(expected.data(), hidden.data(), w2.data(), b2.data(), N, F, D, block_rows);
  std::vector<float> w2_t(size_t(F) * D), first(size_t(N) * F), out(size_t(N) * D);
  linear_transpose_weight(w2_t.data(), w2.data(), F, D);
  linear_forward(first.data(), x.data(), w1.data(), b1.data(), N, D, F, block_rows, {}, [&](int first_row, int rows) {
    const std::vector<float> block(first.begin() + size_t(first_row) * F, first.begin() + size_t(first_row + rows) * F);
    linear_rows_forward(out.data() + size_t(first_row) * D, block.data(), static_cast<const float*>(w2_t.data()),
                        b2.data(), rows, F, D);
  });
  EXPECT_EQ(first, hidden);
  EXPECT_EQ(floats_differing_in_bits(out, expected), 0u);
}

TEST(LinearForward, RowBlockHooksSeeTheirBlockBeforeAndAfterItsProduct) {
  // 2100 rows in blocks of 96 (a short last block), run on all threads: the
  // `before` hook writes a block's input rows, the `after` hook finds that
  // block's output rows computed, each exactly once.
  const int N = 2100, IC = 40, OC = 70, block_rows = 96, blocks = (N + block_rows - 1) / block_rows;
  const auto source = random_values<float>(size_t(N) * IC, 1), weight = random_values<float>(size_t(OC) * IC, 2);
  std::vector<float> expected(size_t(N) * OC), in(size_t(N) * IC, 0.0f), out(size_t(N) * OC, 0.0f);
  linear_forward(expected.data(), source.data(), weight.data(), static_cast<const float*>(nullptr), N, IC, OC,
                 block_rows);
  std::vector<int> before_calls(blocks, 0), after_calls(blocks, 0), rows_seen(blocks, 0), output_ready(blocks, 0);
  linear_forward(
      out.data(), in.data(), weight.data(), static_cast<const float*>(nullptr), N, IC, OC, block_rows,
      [&](int first_row, int rows) {
        ++before_calls[first_row / block_rows];
        std::copy_n(source.begin() + size_t(first_row) * IC, size_t(rows) * IC, in.begin() + size_t(first_row) * IC);
      },
      [&](int first_row, int rows) {
        const int block = first_row / block_rows;
        ++after_calls[block];
        rows_seen[block] = rows;
        output_ready[block] = std::equal(out.begin() + size_t(first_row) * OC, out.begin() + size_t(first_row + rows) * OC,
                                         expected.begin() + size_t(first_row) * OC);
      });
  for (int block = 0; block < blocks; ++block) {
    EXPECT_EQ(before_calls[block], 1) << block;
    EXPECT_EQ(after_calls[block], 1) << block;
    EXPECT_EQ(rows_seen[block], std::min(block_rows, N - block * block_rows)) << block;
    EXPECT_TRUE(output_ready[block]) << "block " << block << " was not computed when its after hook ran";
  }
  EXPECT_EQ(out, expected);
}
