// models/vector_math.hpp: accuracy of exp/tanh and alignment independence.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "common/rng.hpp"
#include "models/vector_math.hpp"

using namespace pebench;

TEST(VectorMath, FloatExpIsWithinTwoUlpOfTheLibrary) {
  for (double x = -87.0; x <= 88.0; x += 0.01) {
    const float reference = std::exp(static_cast<float>(x));
    EXPECT_NEAR(vec::exp(static_cast<float>(x)), reference, 2.5e-7f * reference) << x;
  }
  EXPECT_EQ(vec::exp(0.0f), 1.0f);
  EXPECT_GT(vec::exp(-1000.0f), 0.0f) << "clamped, never NaN";
  EXPECT_TRUE(std::isfinite(vec::exp(1000.0f)));
}

TEST(VectorMath, FloatTanhIsAccurateAndSaturates) {
  for (double x = -10.0; x <= 10.0; x += 0.001)
    EXPECT_NEAR(vec::tanh(static_cast<float>(x)), std::tanh(x), 3e-7) << x;
  EXPECT_EQ(vec::tanh(100.0f), 1.0f);
  EXPECT_EQ(vec::tanh(-100.0f), -1.0f);
}

// The same values at every offset from a 64-byte boundary sum to the same bits.
TEST(VectorMath, SumsDoNotDependOnAlignment) {
  Rng rng(1);
  std::vector<float> values(77), other(77);
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = static_cast<float>(rng.normal());
    other[i] = static_cast<float>(rng.normal());
  }
  std::vector<float> buffer(values.size() + 32), second(values.size() + 32);
  const float expected_sum = vec::sum(values.data(), 77), expected_dot = vec::dot(values.data(), other.data(), 77);
  for (int offset = 0; offset < 16; ++offset) {
    std::copy(values.begin(), values.end(), buffer.begin() + offset);
    std::copy(other.begin(), other.end(), second.begin() + offset);
    EXPECT_EQ(vec::sum(buffer.data() + offset, 77), expected_sum) << offset;
    EXPECT_EQ(vec::dot(buffer.data() + offset, second.data() + offset, 77), expected_dot) << offset;
  }
  double exact = 0;
  for (float v : values) exact += v;
  EXPECT_NEAR(expected_sum, exact, 1e-5);
}
