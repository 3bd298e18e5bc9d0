// DecimalNumber: a deliberately different big-integer implementation (base
// 10^9 limbs, built by doubling) used as the oracle for BinaryNumber and the
// binary CHE tasks, so that a bug in the task's bit-vector arithmetic cannot
// hide behind the same bug in its test.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace pebench::testing {

class DecimalNumber {
 public:
  static constexpr uint32_t kBase = 1000000000;

  DecimalNumber() = default;
  explicit DecimalNumber(uint64_t value) {
    for (; value; value /= kBase) limbs_.push_back(static_cast<uint32_t>(value % kBase));
  }

  // Bits most significant first, by Horner's rule: x -> 2x + bit.
  static DecimalNumber from_msb_first_bits(const std::vector<int>& bits) {
    DecimalNumber number;
    for (int bit : bits) number = number + number + DecimalNumber(static_cast<uint64_t>(bit));
    return number;
  }
  static DecimalNumber from_lsb_first_bits(std::vector<int> bits) {
    std::reverse(bits.begin(), bits.end());
    return from_msb_first_bits(bits);
  }

  friend DecimalNumber operator+(const DecimalNumber& a, const DecimalNumber& b) {
    DecimalNumber sum;
    uint64_t carry = 0;
    for (size_t i = 0; i < std::max(a.limbs_.size(), b.limbs_.size()) || carry; ++i) {
      carry += a.limb(i) + b.limb(i);
      sum.limbs_.push_back(static_cast<uint32_t>(carry % kBase));
      carry /= kBase;
    }
    return sum;
  }

  friend DecimalNumber operator*(const DecimalNumber& a, const DecimalNumber& b) {
    std::vector<uint64_t> cells(a.limbs_.size() + b.limbs_.size() + 1, 0);
    for (size_t i = 0; i < a.limbs_.size(); ++i) {
      uint64_t carry = 0;
      for (size_t j = 0; j < b.limbs_.size() || carry; ++j) {
        carry += cells[i + j] + static_cast<uint64_t>(a.limbs_[i]) * b.limb(j);
        cells[i + j] = carry % kBase;
        carry /= kBase;
      }
    }
    DecimalNumber product;
    for (uint64_t cell : cells) product.limbs_.push_back(static_cast<uint32_t>(cell));
    product.trim();
    return product;
  }

  friend bool operator==(const DecimalNumber& a, const DecimalNumber& b) { return a.limbs_ == b.limbs_; }
  friend bool operator<(const DecimalNumber& a, const DecimalNumber& b) {
    if (a.limbs_.size() != b.limbs_.size()) return a.limbs_.size() < b.limbs_.size();
    return std::lexicographical_compare(a.limbs_.rbegin(), a.limbs_.rend(), b.limbs_.rbegin(),
                                        b.limbs_.rend());
  }
  friend bool operator<=(const DecimalNumber& a, const DecimalNumber& b) { return !(b < a); }

  std::string to_string() const {
    if (limbs_.empty()) return "0";
    std::string text = std::to_string(limbs_.back());
    for (size_t i = limbs_.size() - 1; i-- > 0;) {
      const std::string limb = std::to_string(limbs_[i]);
      text += std::string(9 - limb.size(), '0') + limb;
    }
    return text;
  }

 private:
  uint64_t limb(size_t i) const { return i < limbs_.size() ? limbs_[i] : 0; }
  void trim() {
    while (!limbs_.empty() && limbs_.back() == 0) limbs_.pop_back();
  }

  std::vector<uint32_t> limbs_;  // least significant first, no high zero limbs
};

}  // namespace pebench::testing
