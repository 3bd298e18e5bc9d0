// BinaryNumber: an exact non-negative integer of any size, as 64-bit words,
// for the CHE binary tasks (binary_addition, binary_multiplication,
// compute_sqrt; docs/tasks.md#context-sensitive-tasks). Their operands have up to
// N-1 ≈ 500 bits (and up to kMaxLength bits), far past any machine integer,
// and doubles would silently round, so every result here is exact.
//
// Only what those tasks need: conversion from/to bit strings in either bit
// order, uniform random values, +, -, *, shifts, comparison and the integer
// square root (Python's math.isqrt, used by the reference).
#pragma once
#include <cstdint>
#include <vector>

#include "common/rng.hpp"

namespace pebench {

enum class BitOrder { lsb_first, msb_first };

class BinaryNumber {
 public:
  BinaryNumber() = default;  // zero
  explicit BinaryNumber(uint64_t value);

  // `bits` holds 0/1 values (UsageError otherwise), read in `order`.
  static BinaryNumber from_bits(const std::vector<int>& bits, BitOrder order);
  // Uniform over {0, …, 2^bit_count - 1}.
  static BinaryNumber random(int bit_count, Rng& rng);
  // Uniform over {1, …, 2^bit_count - 1} (bit_count >= 1), by rejecting zero.
  static BinaryNumber random_nonzero(int bit_count, Rng& rng);

  // Exactly `width` bits, zero-padded on the high side; RuntimeError if the
  // value needs more than `width` bits.
  std::vector<int> to_bits(int width, BitOrder order) const;
  // The shortest form: bit_length() bits, and {0} for zero.
  std::vector<int> minimal_bits(BitOrder order) const;

  int bit_length() const;  // 0 for zero
  bool is_zero() const { return words_.empty(); }
  bool bit(int index) const;

  BinaryNumber& operator+=(const BinaryNumber& other);
  BinaryNumber& operator-=(const BinaryNumber& other);  // requires *this >= other (RuntimeError otherwise)
  BinaryNumber& operator>>=(int shift);
  BinaryNumber& add_power_of_two(int exponent);  // += 2^exponent

  friend BinaryNumber operator+(BinaryNumber a, const BinaryNumber& b) { return a += b; }
  friend BinaryNumber operator-(BinaryNumber a, const BinaryNumber& b) { return a -= b; }
  friend BinaryNumber operator*(const BinaryNumber& a, const BinaryNumber& b);
  friend int compare(const BinaryNumber& a, const BinaryNumber& b);  // -1, 0 or 1
  friend bool operator==(const BinaryNumber& a, const BinaryNumber& b) { return a.words_ == b.words_; }
  friend bool operator!=(const BinaryNumber& a, const BinaryNumber& b) { return !(a == b); }
  friend bool operator<(const BinaryNumber& a, const BinaryNumber& b) { return compare(a, b) < 0; }
  friend bool operator<=(const BinaryNumber& a, const BinaryNumber& b) { return compare(a, b) <= 0; }

  const std::vector<uint64_t>& words() const { return words_; }  // little-endian, no high zero words

 private:
  void trim();  // drops high zero words, keeping the representation unique

  std::vector<uint64_t> words_;  // [ceil(bit_length / 64)] least significant word first
};

// ⌊√n⌋, by the digit-by-digit (base 4) method: exact, one bit of the root per step.
BinaryNumber isqrt(const BinaryNumber& n);

}  // namespace pebench
