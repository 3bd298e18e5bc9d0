#include "tasks/cs/binary_number.hpp"

#include <algorithm>
#include <string>

#include "common/errors.hpp"

namespace pebench {

static constexpr int kWordBits = 64;

BinaryNumber::BinaryNumber(uint64_t value) {
  if (value) words_.push_back(value);
}

void BinaryNumber::trim() {
  while (!words_.empty() && words_.back() == 0) words_.pop_back();
}

BinaryNumber BinaryNumber::from_bits(const std::vector<int>& bits, BitOrder order) {
  BinaryNumber number;
  number.words_.assign((bits.size() + kWordBits - 1) / kWordBits, 0);
  const size_t count = bits.size();
  for (size_t i = 0; i < count; ++i) {
    const int bit = bits[order == BitOrder::lsb_first ? i : count - 1 - i];  // bit i (weight 2^i)
    if (bit != 0 && bit != 1) throw UsageError("binary digit " + std::to_string(bit) + " is not 0 or 1");
    if (bit) number.words_[i / kWordBits] |= uint64_t{1} << (i % kWordBits);
  }
  number.trim();
  return number;
}

BinaryNumber BinaryNumber::random(int bit_count, Rng& rng) {
  BinaryNumber number;
  number.words_.resize((bit_count + kWordBits - 1) / kWordBits);
  for (auto& word : number.words_) word = rng.next_u64();
  if (bit_count % kWordBits) number.words_.back() &= (uint64_t{1} << (bit_count % kWordBits)) - 1;
  number.trim();
  return number;
}

BinaryNumber BinaryNumber::random_nonzero(int bit_count, Rng& rng) {
  if (bit_count < 1) throw RuntimeError("random_nonzero needs at least one bit");
  BinaryNumber number;
  do { number = random(bit_count, rng); } while (number.is_zero());
  return number;
}

int BinaryNumber::bit_length() const {
  if (words_.empty()) return 0;
  const int top_word_bits = kWordBits - __builtin_clzll(words_.back());
  return static_cast<int>(words_.size() - 1) * kWordBits + top_word_bits;
}

bool BinaryNumber::bit(int index) const {
  const size_t word = index / kWordBits;
  return word < words_.size() && ((words_[word] >> (index % kWordBits)) & 1);
}

std::vector<int> BinaryNumber::to_bits(int width, BitOrder order) const {
  if (bit_length() > width)
    throw RuntimeError("a " + std::to_string(bit_length()) + "-bit number does not fit in " +
                       std::to_string(width) + " bits");
  std::vector<int> bits(width);  // [width]
  for (int i = 0; i < width; ++i) bits[order == BitOrder::lsb_first ? i : width - 1 - i] = bit(i);
  return bits;
}

std::vector<int> BinaryNumber::minimal_bits(BitOrder order) const {
  return to_bits(std::max(bit_length(), 1), order);
}

BinaryNumber& BinaryNumber::operator+=(const BinaryNumber& other) {
  if (words_.size() < other.words_.size()) words_.resize(other.words_.size(), 0);
  uint64_t carry = 0;
  for (size_t i = 0; i < words_.size(); ++i) {
    const uint64_t addend = i < other.words_.size() ? other.words_[i] : 0;
    if (!carry && i >= other.words_.size()) break;
    const uint64_t sum = words_[i] + addend;
    const uint64_t next_carry = (sum < addend) | (sum + carry < sum);
    words_[i] = sum + carry;
    carry = next_carry;
  }
  if (carry) words_.push_back(1);
  return *this;
}

BinaryNumber& BinaryNumber::operator-=(const BinaryNumber& other) {
  if (compare(*this, other) < 0) throw RuntimeError("BinaryNumber subtraction would go below zero");
  uint64_t borrow = 0;
  for (size_t i = 0; i < words_.size(); ++i) {
    const uint64_t subtrahend = i < other.words_.size() ? other.words_[i] : 0;
    if (!borrow && i >= other.words_.size()) break;
    const uint64_t difference = words_[i] - subtrahend;
    const uint64_t next_borrow = (words_[i] < subtrahend) | (difference < borrow);
    words_[i] = difference - borrow;
    borrow = next_borrow;
  }
  trim();
  return *this;
}

BinaryNumber& BinaryNumber::operator>>=(int shift) {
  const size_t word_shift = shift / kWordBits;
  const int bit_shift = shift % kWordBits;
  if (word_shift >= words_.size()) {
    words_.clear();
    return *this;
  }
  words_.erase(words_.begin(), words_.begin() + word_shift);
  if (bit_shift) {
    for (size_t i = 0; i < words_.size(); ++i) {
      const uint64_t high = i + 1 < words_.size() ? words_[i + 1] << (kWordBits - bit_shift) : 0;
      words_[i] = (words_[i] >> bit_shift) | high;
    }
  }
  trim();
  return *this;
}

BinaryNumber& BinaryNumber::add_power_of_two(int exponent) {
  size_t word = exponent / kWordBits;
  if (words_.size() <= word) words_.resize(word + 1, 0);
  uint64_t addend = uint64_t{1} << (exponent % kWordBits);
  for (; addend && word < words_.size(); ++word) {  // ripple the carry upwards
    words_[word] += addend;
    addend = words_[word] < addend ? 1 : 0;
  }
  if (addend) words_.push_back(1);
  return *this;
}

BinaryNumber operator*(const BinaryNumber& a, const BinaryNumber& b) {
  BinaryNumber product;
  if (a.is_zero() || b.is_zero()) return product;
  product.words_.assign(a.words_.size() + b.words_.size(), 0);
  // Schoolbook: one row per word of a, carrying through a 128-bit accumulator.
  for (size_t i = 0; i < a.words_.size(); ++i) {
    unsigned __int128 carry = 0;
    for (size_t j = 0; j < b.words_.size(); ++j) {
      const unsigned __int128 cell =
          static_cast<unsigned __int128>(a.words_[i]) * b.words_[j] + product.words_[i + j] + carry;
      product.words_[i + j] = static_cast<uint64_t>(cell);
      carry = cell >> kWordBits;
    }
    product.words_[i + b.words_.size()] = static_cast<uint64_t>(carry);
  }
  product.trim();
  return product;
}

int compare(const BinaryNumber& a, const BinaryNumber& b) {
  if (a.words_.size() != b.words_.size()) return a.words_.size() < b.words_.size() ? -1 : 1;
  for (size_t i = a.words_.size(); i-- > 0;)
    if (a.words_[i] != b.words_[i]) return a.words_[i] < b.words_[i] ? -1 : 1;
  return 0;
}

BinaryNumber isqrt(const BinaryNumber& n) {
  // The classic binary digit-by-digit method (Wikipedia "Integer square root",
  // "Using bitwise operations"): from the top pair of bits down, one root bit
  // per step, decided by one trial subtraction of root + 4^k; no division.
  BinaryNumber remainder = n, root, trial;
  for (int exponent = std::max(n.bit_length() - 1, 0) & ~1; exponent >= 0; exponent -= 2) {
    trial = root;
    trial.add_power_of_two(exponent);  // root + 4^k
    const bool bit_is_one = compare(remainder, trial) >= 0;
    if (bit_is_one) remainder -= trial;
    root >>= 1;
    if (bit_is_one) root.add_power_of_two(exponent);
  }
  return root;
}

}  // namespace pebench
