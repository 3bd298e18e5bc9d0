// BinaryNumber (tasks/cs/binary_number.hpp): exact big-integer arithmetic for
// the binary CHE tasks, checked against machine integers where they suffice
// and against DecimalNumber (base-10^9 limbs, a different algorithm) beyond.
#include <gtest/gtest.h>

#include "common/errors.hpp"
#include "decimal_number.hpp"
#include "tasks/cs/binary_number.hpp"

using namespace pebench;
using namespace pebench::testing;

namespace {

DecimalNumber to_decimal(const BinaryNumber& number) {
  return DecimalNumber::from_lsb_first_bits(number.minimal_bits(BitOrder::lsb_first));
}

BinaryNumber power_of_two(int exponent) { return BinaryNumber().add_power_of_two(exponent); }

TEST(BinaryNumber, ReadsAndWritesBitsInBothOrders) {
  const BinaryNumber thirty_seven = BinaryNumber::from_bits({1, 0, 0, 1, 0, 1}, BitOrder::msb_first);
  EXPECT_EQ(thirty_seven, BinaryNumber(37));
  EXPECT_EQ(BinaryNumber::from_bits({1, 0, 1, 0, 0, 1}, BitOrder::lsb_first), BinaryNumber(37));
  EXPECT_EQ(thirty_seven.to_bits(8, BitOrder::msb_first), (std::vector<int>{0, 0, 1, 0, 0, 1, 0, 1}));
  EXPECT_EQ(thirty_seven.to_bits(8, BitOrder::lsb_first), (std::vector<int>{1, 0, 1, 0, 0, 1, 0, 0}));
  EXPECT_EQ(thirty_seven.minimal_bits(BitOrder::lsb_first), (std::vector<int>{1, 0, 1, 0, 0, 1}));
}

TEST(BinaryNumber, ZeroHasOneMinimalBitAndNoLength) {
  EXPECT_TRUE(BinaryNumber().is_zero());
  EXPECT_EQ(BinaryNumber().bit_length(), 0);
  EXPECT_EQ(BinaryNumber().minimal_bits(BitOrder::lsb_first), std::vector<int>{0});
  EXPECT_EQ(BinaryNumber::from_bits({0, 0, 0, 0}, BitOrder::lsb_first), BinaryNumber());
}

TEST(BinaryNumber, BitLengthCountsUpToTheHighestOne) {
  EXPECT_EQ(BinaryNumber(1).bit_length(), 1);
  EXPECT_EQ(BinaryNumber(~uint64_t{0}).bit_length(), 64);
  EXPECT_EQ(power_of_two(64).bit_length(), 65);
  EXPECT_EQ(power_of_two(499).bit_length(), 500);
}

TEST(BinaryNumber, RefusesBitsThatAreNotZeroOrOne) {
  EXPECT_THROW(BinaryNumber::from_bits({0, 2, 1}, BitOrder::lsb_first), UsageError);
}

TEST(BinaryNumber, RefusesAWidthTooSmallForTheValue) {
  EXPECT_THROW(BinaryNumber(8).to_bits(3, BitOrder::lsb_first), RuntimeError);
  EXPECT_NO_THROW(BinaryNumber(7).to_bits(3, BitOrder::lsb_first));
}

TEST(BinaryNumber, ArithmeticMatchesMachineIntegersBelowTwoToThe64) {
  Rng rng(1, "small");
  for (int i = 0; i < 2000; ++i) {
    const uint64_t a = rng.next_u64() >> rng.below(64), b = rng.next_u64() >> rng.below(64);
    const unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
    const unsigned __int128 sum = static_cast<unsigned __int128>(a) + b;
    const BinaryNumber big_product = BinaryNumber(a) * BinaryNumber(b),
                       big_sum = BinaryNumber(a) + BinaryNumber(b);
    EXPECT_EQ(big_product.words().size() > 0 ? big_product.words()[0] : 0, static_cast<uint64_t>(product));
    EXPECT_EQ(big_product.words().size() > 1 ? big_product.words()[1] : 0,
              static_cast<uint64_t>(product >> 64));
    EXPECT_EQ(big_sum.words().size() > 0 ? big_sum.words()[0] : 0, static_cast<uint64_t>(sum));
    EXPECT_EQ(big_sum.words().size() > 1 ? big_sum.words()[1] : 0, static_cast<uint64_t>(sum >> 64));
    EXPECT_EQ(compare(BinaryNumber(a), BinaryNumber(b)), a < b ? -1 : a > b ? 1 : 0);
    if (a >= b) { EXPECT_EQ(BinaryNumber(a) - BinaryNumber(b), BinaryNumber(a - b)); }
  }
}

TEST(BinaryNumber, CarriesAcrossWordBoundaries) {
  const BinaryNumber all_ones_192 = power_of_two(192) - BinaryNumber(1);
  EXPECT_EQ(all_ones_192.bit_length(), 192);
  EXPECT_EQ(all_ones_192 + BinaryNumber(1), power_of_two(192));
  EXPECT_EQ(power_of_two(192) - BinaryNumber(1), all_ones_192);
  EXPECT_EQ(to_decimal(power_of_two(64)).to_string(), "18446744073709551616");
  EXPECT_EQ(to_decimal(power_of_two(128)).to_string(), "340282366920938463463374607431768211456");
  EXPECT_EQ(to_decimal(all_ones_192 * all_ones_192).to_string(),
            to_decimal(power_of_two(384) - power_of_two(193) + BinaryNumber(1)).to_string());
}

TEST(BinaryNumber, SumsAndProductsOfThousandBitNumbersMatchDecimalArithmetic) {
  Rng rng(2, "big");
  for (int i = 0; i < 60; ++i) {
    const BinaryNumber a = BinaryNumber::random(1 + static_cast<int>(rng.below(1200)), rng);
    const BinaryNumber b = BinaryNumber::random(1 + static_cast<int>(rng.below(1200)), rng);
    ASSERT_EQ(to_decimal(a + b).to_string(), (to_decimal(a) + to_decimal(b)).to_string());
    ASSERT_EQ(to_decimal(a * b).to_string(), (to_decimal(a) * to_decimal(b)).to_string());
    ASSERT_EQ(compare(a, b) < 0, to_decimal(a) < to_decimal(b));
    const BinaryNumber& larger = a < b ? b : a;
    const BinaryNumber& smaller = a < b ? a : b;
    ASSERT_EQ(larger - smaller + smaller, larger);
  }
}

TEST(BinaryNumber, ShiftRightDividesByPowersOfTwo) {
  Rng rng(3, "shift");
  for (int i = 0; i < 100; ++i) {
    const BinaryNumber a = BinaryNumber::random(700, rng);
    const int shift = static_cast<int>(rng.below(800));
    BinaryNumber shifted = a;
    shifted >>= shift;
    // a >> s is the q with q·2^s <= a < (q+1)·2^s.
    const BinaryNumber scale = power_of_two(shift);
    EXPECT_TRUE(shifted * scale <= a);
    EXPECT_TRUE(a < (shifted + BinaryNumber(1)) * scale);
  }
}

TEST(BinaryNumber, IsqrtIsExactAroundPerfectSquares) {
  for (uint64_t r : {0ull, 1ull, 2ull, 3ull, 4294967295ull, 4294967296ull}) {
    const BinaryNumber root(r), square = BinaryNumber(r) * BinaryNumber(r);
    EXPECT_EQ(isqrt(square), root) << r;
    if (r > 0) { EXPECT_EQ(isqrt(square - BinaryNumber(1)), BinaryNumber(r - 1)) << r; }
    EXPECT_EQ(isqrt(square + BinaryNumber(2 * r)), root) << r;  // (r+1)² - 1
  }
  Rng rng(4, "isqrt-squares");
  for (int i = 0; i < 50; ++i) {
    const BinaryNumber root = BinaryNumber::random_nonzero(300, rng), square = root * root;
    EXPECT_EQ(isqrt(square), root);
    EXPECT_EQ(isqrt(square - BinaryNumber(1)), root - BinaryNumber(1));
  }
}

TEST(BinaryNumber, IsqrtBracketsRandomNumbersUpToThousandsOfBits) {
  Rng rng(5, "isqrt");
  for (int i = 0; i < 100; ++i) {
    const BinaryNumber n = BinaryNumber::random(1 + static_cast<int>(rng.below(2000)), rng);
    const DecimalNumber root = to_decimal(isqrt(n)), next = root + DecimalNumber(1), value = to_decimal(n);
    ASSERT_TRUE(root * root <= value);
    ASSERT_TRUE(value < next * next);
  }
}

TEST(BinaryNumber, RandomValuesFillTheirWidthAndNonzeroNeverIsZero) {
  Rng rng(6, "random");
  int top_bit_set = 0;
  for (int i = 0; i < 400; ++i) {
    const BinaryNumber a = BinaryNumber::random(130, rng);
    EXPECT_LE(a.bit_length(), 130);
    top_bit_set += a.bit(129);
    EXPECT_FALSE(BinaryNumber::random_nonzero(1, rng).is_zero());
  }
  EXPECT_NEAR(top_bit_set / 400.0, 0.5, 0.1);
}

TEST(BinaryNumber, SubtractionBelowZeroIsRefused) {
  EXPECT_THROW(BinaryNumber(3) - BinaryNumber(4), RuntimeError);
}

}  // namespace
