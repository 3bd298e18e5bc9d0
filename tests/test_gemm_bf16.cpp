// models/gemm_bf16.hpp: the bfloat16 product of model.precision "bf16". Its
// sums must follow the stated order exactly (a scalar reference written from
// the header's definition), the AVX512-BF16 kernel and the portable version
// must agree bit for bit, and the rounding to bfloat16 must be round to
// nearest even.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/rng.hpp"
#include "models/gemm_bf16.hpp"
#include "models/layers.hpp"
#include "models/layers_reference.hpp"
#include "tests/float_compare.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

std::vector<float> random_values(size_t n, Rng& rng, double scale = 1.0) {
  std::vector<float> values(n);
  for (auto& v : values) v = static_cast<float>(scale * rng.normal());
  return values;
}

float rounded(float x) { return float_from_bf16(bf16_from_float(x)); }
float flushed(float x) { return std::fpclassify(x) == FP_SUBNORMAL ? std::copysign(0.0f, x) : x; }

std::vector<float> rounded(std::vector<float> values) {
  for (float& v : values) v = rounded(v);
  return values;
}

// The header's definition, one output at a time, from the unpacked operands.
void reference_product(std::vector<float>& c, const std::vector<float>& a, const std::vector<float>& b, int M, int N,
                       int K, bool accumulate) {
  for (int i = 0; i < M; ++i)
    for (int n = 0; n < N; ++n) {
      float acc = 0.0f;
      for (int k = 0; k < K; k += 2) {
        if (k + 1 < K) acc = flushed(std::fma(rounded(a[i * K + k + 1]), rounded(b[(k + 1) * N + n]), acc));
        acc = flushed(std::fma(rounded(a[i * K + k]), rounded(b[k * N + n]), acc));
      }
      c[i * N + n] = accumulate ? c[i * N + n] + acc : acc;
    }
}

struct Shape {
  int M, N, K;
  std::string text() const {
    return "M " + std::to_string(M) + ", N " + std::to_string(N) + ", K " + std::to_string(K);
  }
};
// Tile rows 1..8 and beyond, one and two vectors of columns with every kind
// of tail, odd and even K; and the engine's shapes.
const Shape kShapes[] = {{1, 1, 1},  {3, 17, 5},   {8, 16, 64}, {9, 33, 7},    {13, 48, 64},
                         {16, 64, 64}, {70, 192, 64}, {5, 3, 256}, {64, 256, 37}, {7, 40, 2}};

std::vector<float> product(const std::vector<float>& a, const std::vector<float>& b, std::vector<float> c,
                           const Shape& s, bool accumulate) {
  gemm_bf16(c.data(), s.N, {a.data(), s.K, 1}, {b.data(), s.N, 1}, s.M, s.N, s.K, accumulate);
  return c;
}

class HardwareSwitch {
 public:
  explicit HardwareSwitch(bool allow) { gemm_bf16_allow_hardware(allow); }
  ~HardwareSwitch() { gemm_bf16_allow_hardware(true); }
};

}  // namespace

TEST(Bf16Rounding, RoundsToNearestEvenAndFlushesSubnormals) {
  EXPECT_EQ(bf16_from_float(1.0f), 0x3f80);
  // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: to even (1).
  EXPECT_EQ(bf16_from_float(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
  // 1 + 3·2^-8 lies halfway between 1 + 2^-7 and 1 + 2^-6: to even (1 + 2^-6).
  EXPECT_EQ(bf16_from_float(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  // Just above halfway rounds up.
  EXPECT_EQ(bf16_from_float(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)), 0x3f81);
  EXPECT_EQ(bf16_from_float(-2.5f), 0xc020);
  EXPECT_EQ(bf16_from_float(std::ldexp(1.0f, -140)), 0x0000);  // subnormal
  EXPECT_EQ(bf16_from_float(-std::ldexp(1.0f, -140)), 0x8000);
  EXPECT_TRUE(std::isnan(float_from_bf16(bf16_from_float(std::nanf("")))));
  EXPECT_EQ(float_from_bf16(0x4049), 3.140625f);
}

TEST(GemmBf16, FollowsTheStatedOrderOfSums) {
  Rng rng(3);
  for (const bool hardware : {true, false}) {
    HardwareSwitch use(hardware);
    for (const Shape& s : kShapes)
      for (const bool accumulate : {false, true}) {
        const auto a = random_values(static_cast<size_t>(s.M) * s.K, rng);
        const auto b = random_values(static_cast<size_t>(s.K) * s.N, rng);
        const auto c0 = random_values(static_cast<size_t>(s.M) * s.N, rng);
        std::vector<float> expected = c0;
        reference_product(expected, a, b, s.M, s.N, s.K, accumulate);
        EXPECT_EQ(floats_differing_in_bits(product(a, b, c0, s, accumulate), expected), 0u)
            << s.text() << (accumulate ? ", accumulate" : ", assign") << (hardware ? ", hardware" : ", portable");
      }
  }
}

TEST(GemmBf16, HardwareAndPortableVersionsAgreeBitForBit) {
  if (!gemm_bf16_in_hardware()) GTEST_SKIP() << "this CPU has no AVX512-BF16";
  Rng rng(5);
  // At scale 3e-20 the products (about 1e-39) and their sums are subnormal:
  // both versions must flush them alike.
  // At 1e-39 the inputs themselves are subnormal (rounded to zero).
  for (const double scale : {1.0, 1e-12, 3e-20, 1e-39, 1e18})
    for (const Shape& s : kShapes) {
      const auto a = random_values(static_cast<size_t>(s.M) * s.K, rng, scale);
      const auto b = random_values(static_cast<size_t>(s.K) * s.N, rng, scale);
      const std::vector<float> c0(static_cast<size_t>(s.M) * s.N, 0.0f);
      const std::vector<float> in_hardware = product(a, b, c0, s, false);
      HardwareSwitch portable(false);
      EXPECT_EQ(floats_differing_in_bits(in_hardware, product(a, b, c0, s, false)), 0u)
          << s.text() << ", scale " << scale;
    }
}

TEST(GemmBf16, ReadsStridedAndTransposedOperands) {
  Rng rng(7);
  const Shape s{11, 21, 9};
  const auto a = random_values(static_cast<size_t>(s.M) * s.K, rng);
  const auto b = random_values(static_cast<size_t>(s.K) * s.N, rng);
  // a stored transposed ([K,M]) and b with rows 25 apart.
  std::vector<float> a_t(static_cast<size_t>(s.K) * s.M), b_wide(static_cast<size_t>(s.K) * 25, 0.0f);
  for (int i = 0; i < s.M; ++i)
    for (int k = 0; k < s.K; ++k) a_t[k * s.M + i] = a[i * s.K + k];
  for (int k = 0; k < s.K; ++k)
    for (int n = 0; n < s.N; ++n) b_wide[k * 25 + n] = b[k * s.N + n];
  std::vector<float> c(static_cast<size_t>(s.M) * 30, 0.0f), expected(static_cast<size_t>(s.M) * s.N, 0.0f);
  gemm_bf16(c.data(), 30, {a_t.data(), 1, s.M}, {b_wide.data(), 25, 1}, s.M, s.N, s.K, false);
  reference_product(expected, a, b, s.M, s.N, s.K, false);
  for (int i = 0; i < s.M; ++i)
    for (int n = 0; n < s.N; ++n) EXPECT_EQ(c[i * 30 + n], expected[i * s.N + n]) << i << ", " << n;
  for (int i = 0; i < s.M; ++i)  // the columns past N are untouched
    for (int n = s.N; n < 30; ++n) EXPECT_EQ(c[i * 30 + n], 0.0f);
}

TEST(GemmBf16, DiffersFromTheFloatProductByTheInputRounding) {
  // Sanity of the whole: within the bound of bfloat16 inputs (relative 2^-8
  // each) of the float product, and not equal to it.
  Rng rng(9);
  const Shape s{16, 64, 64};
  const auto a = random_values(static_cast<size_t>(s.M) * s.K, rng);
  const auto b = random_values(static_cast<size_t>(s.K) * s.N, rng);
  const std::vector<float> c = product(a, b, std::vector<float>(static_cast<size_t>(s.M) * s.N), s, false);
  size_t exact = 0;
  for (int i = 0; i < s.M; ++i)
    for (int n = 0; n < s.N; ++n) {
      double sum = 0, magnitude = 0;
      for (int k = 0; k < s.K; ++k) {
        sum += double(a[i * s.K + k]) * b[k * s.N + n];
        magnitude += std::abs(double(a[i * s.K + k]) * b[k * s.N + n]);
      }
      EXPECT_LE(std::abs(c[i * s.N + n] - sum), magnitude * (2 * std::ldexp(1.0, -8) + s.K * std::ldexp(1.0, -24)));
      exact += c[i * s.N + n] == static_cast<float>(sum);
    }
  EXPECT_LT(exact, c.size() / 4);
}

// A linear layer at model.precision "bf16": every product of the forward and
// the backward takes bfloat16 inputs (then it equals the float32 reference on
// rounded inputs up to float32 sums, 1e-5 here, far below bfloat16's 4e-3),
// while the bias and its gradient stay float32. 300 rows: more than one row
// block of the forward and of the weight gradients.
TEST(LinearInBf16, EveryProductTakesBfloat16Inputs) {
  const int N = 600, IC = 48, OC = 40, block_rows = 96;
  Rng rng(11);
  const auto in = random_values(static_cast<size_t>(N) * IC, rng), weight = random_values(size_t(OC) * IC, rng);
  const auto bias = random_values(OC, rng), dout = random_values(static_cast<size_t>(N) * OC, rng);
  std::vector<float> out(static_cast<size_t>(N) * OC), expected_out(out.size()), float_out(out.size());
  linear_forward(out.data(), in.data(), weight.data(), bias.data(), N, IC, OC, block_rows, {}, {}, Precision::bf16);
  reference::linear_forward(expected_out.data(), rounded(in).data(), rounded(weight).data(), bias.data(), N, IC, OC);
  reference::linear_forward(float_out.data(), in.data(), weight.data(), bias.data(), N, IC, OC);
  EXPECT_LT(relative_difference(out, expected_out), 1e-5);
  EXPECT_GT(relative_difference(out, float_out), 1e-3);  // so the comparison above can tell

  std::vector<float> din(in.size(), 0.0f), dweight(weight.size(), 0.0f), dbias(OC, 0.0f);
  std::vector<float> expected_din(in.size(), 0.0f), expected_dweight(weight.size(), 0.0f), expected_dbias(OC, 0.0f);
  std::vector<float> unused_din(in.size(), 0.0f), unused_dweight(weight.size(), 0.0f);
  linear_backward(din.data(), dweight.data(), dbias.data(), dout.data(), in.data(), weight.data(), N, IC, OC,
                  block_rows, Write::accumulate, Precision::bf16);
  // din from rounded dout and weight; dweight from rounded dout and input; dbias from dout itself.
  reference::linear_backward(expected_din.data(), unused_dweight.data(), static_cast<float*>(nullptr),
                             rounded(dout).data(), in.data(), rounded(weight).data(), N, IC, OC);
  reference::linear_backward(unused_din.data(), expected_dweight.data(), static_cast<float*>(nullptr),
                             rounded(dout).data(), rounded(in).data(), weight.data(), N, IC, OC);
  reference::linear_backward(unused_din.data(), unused_dweight.data(), expected_dbias.data(), dout.data(), in.data(),
                             weight.data(), N, IC, OC);
  EXPECT_LT(relative_difference(din, expected_din), 1e-5);
  EXPECT_LT(relative_difference(dweight, expected_dweight), 1e-5);
  EXPECT_LT(relative_difference(dbias, expected_dbias), 1e-5);
}

// A double model ignores the option: its products stay in double.
TEST(LinearInBf16, ADoubleLayerComputesInDouble) {
  const int N = 20, IC = 8, OC = 6;
  Rng rng(13);
  std::vector<double> in(N * IC), weight(OC * IC), out(N * OC), expected(N * OC);
  for (double& v : in) v = rng.normal();
  for (double& v : weight) v = rng.normal();
  linear_forward(out.data(), in.data(), weight.data(), static_cast<const double*>(nullptr), N, IC, OC, 8, {}, {},
                 Precision::bf16);
  reference::linear_forward(expected.data(), in.data(), weight.data(), static_cast<const double*>(nullptr), N, IC, OC);
  for (size_t i = 0; i < out.size(); ++i) EXPECT_NEAR(out[i], expected[i], 1e-12);
}
