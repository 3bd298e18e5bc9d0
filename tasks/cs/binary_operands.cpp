#include "tasks/cs/binary_operands.hpp"

#include <algorithm>

#include "common/errors.hpp"

namespace pebench {

std::vector<int> generate_binary_operands(int length, int separator_id, Rng& rng) {
  if (length <= 2) {
    const uint64_t value = rng.below((uint64_t{1} << length) - 1);  // U{0..2^N-2}
    return BinaryNumber(value).to_bits(length, BitOrder::lsb_first);
  }
  const int left_bits = static_cast<int>(rng.uniform_int(1, length - 2));
  const int right_bits = length - 1 - left_bits;
  std::vector<int> input =
      BinaryNumber::random_nonzero(left_bits, rng).to_bits(left_bits, BitOrder::lsb_first);
  input.push_back(separator_id);
  const std::vector<int> right =
      BinaryNumber::random_nonzero(right_bits, rng).to_bits(right_bits, BitOrder::lsb_first);
  input.insert(input.end(), right.begin(), right.end());
  return input;
}

std::optional<BinaryOperands> parse_binary_operands(const std::vector<int>& input, int separator_id) {
  const auto separator = std::find(input.begin(), input.end(), separator_id);
  if (separator == input.end()) return std::nullopt;
  if (std::find(separator + 1, input.end(), separator_id) != input.end())
    throw UsageError("a binary expression has more than one operator");
  if (separator == input.begin() || separator + 1 == input.end())
    throw UsageError("a binary expression has an empty operand");
  return BinaryOperands{BinaryNumber::from_bits({input.begin(), separator}, BitOrder::lsb_first),
                        BinaryNumber::from_bits({separator + 1, input.end()}, BitOrder::lsb_first)};
}

}  // namespace pebench
