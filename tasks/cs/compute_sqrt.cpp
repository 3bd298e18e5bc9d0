// compute_sqrt (CS): the integer square root of a binary number.
//
// Source: Delétang et al., "Neural Networks and the Chomsky Hierarchy", ICLR
// 2023, §A.3; reference tasks/cs/compute_sqrt.py (docs/tasks.md#compute_sqrt).
// Input:  v ~ U{1..2^N-1} as exactly N bits, most significant bit first
//         (leading zeros allowed); alphabet {"0", "1"}, then the placeholder "_".
// Output: m = ceil(N/2): floor(sqrt(v)) as exactly ceil(N/2) bits, most
//         significant first, zero-padded at the front; output vocabulary
//         {"0", "1"}. Exact (BinaryNumber isqrt), for any N.
// Scored: every output position (no terminator).
// Example: 1 0 0 1 0 1 (37) -> 1 1 0 (6).
// Paper vs code: the paper says little-endian; the code is big-endian
// (little_endian=False), and we follow the code (docs/tasks.md#paper-versus-reference-code).
#include "tasks/che_task.hpp"
#include "tasks/cs/binary_number.hpp"

namespace pebench {

class ComputeSqrt : public CheTask {
 public:
  ComputeSqrt() : CheTask("cs", {"0", "1"}, {"0", "1"}) {}

  int output_length(int length) const override { return (length + 1) / 2; }

  std::vector<int> generate_input(int length, Rng& rng) const override {
    return BinaryNumber::random_nonzero(length, rng).to_bits(length, BitOrder::msb_first);
  }

  std::vector<int> solve(const std::vector<int>& input) const override {
    const BinaryNumber value = BinaryNumber::from_bits(input, BitOrder::msb_first);
    return isqrt(value).to_bits(output_length(static_cast<int>(input.size())), BitOrder::msb_first);
  }
};

PEBENCH_TASK(ComputeSqrt, "compute_sqrt");

}  // namespace pebench
