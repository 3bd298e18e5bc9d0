// flip_flop: Flip-Flop Language Modeling.
// Source: Liu, Ash, Goel, Krishnamurthy, Zhang, "Exposing Attention Glitches with
// Flip-Flop Language Modeling", NeurIPS 2023, arXiv 2306.00946, §3.1 (format,
// FFL(T, p)), §4 and App. B.2 (T = 512, p_i = 0.8 / 0.98 / 0.1, clean loss); the
// official data card `synthseq/flipflop` (token ids). The CoPE paper's flip-flop
// task (Golovneva et al. 2024, arXiv 2405.18719, §5.1) replicates it.
// See docs/tasks.md#flip_flop.
//
// Layout. `length` = the number of symbols T = the model's sequence length.
//   w b  x b  x b ... x b  r b        ⌈T/2⌉ instruction/bit pairs
//   - the first instruction is `w`, the last is `r`; the ones between are
//     i.i.d. with p_w = p_r = (1 − p_i)/2 and p_i set by the split (FFL(p_i));
//   - the bit after `w` or `i` is uniform in {0, 1}; the bit after `r` is the
//     bit of the most recent `w`.
//   Input vocabulary `w r i 0 1` (ids 0..4, the data card's ids); output `0 1`.
//   Odd T keeps the final `r` and drops its bit, so the sequence ends on an open
//   query, as in the CoPE paper's example "w0i1r0w1i0i1i1r" → 1. Even T is
//   exactly Liu23's format. min_length 3 (`w b r`, the smallest string that
//   both writes and reads).
// Scoring (Liu23's "deterministic/clean" mode). The position of every `r` has
//   the following bit as its target; it is scored. No other position has a
//   target. Accuracy is one minus Liu23's "read error"/"glitch rate".
// Splits. train and id: p_i = 0.8; ood_sparse: p_i = 0.98 (long write→read
//   gaps); ood_dense: p_i = 0.1 (many writes and reads); all at T = `length`.
//   ood_length: p_i = 0.8 at T = `ood_length` (longer than trained; our
//   addition, docs/tasks.md#flip_flop). "sparse"/"dense" follow Liu23's naming.
// Options. length (T of train/id/sparse/dense; 512 as in Liu23 and CoPE),
//   ood_length (T of ood_length; 1024 = twice the default).
// Segment boundaries (BiPE). The bits `0` `1`: each instruction/bit pair is one
//   segment, so the segment index counts instructions, the unit in which
//   write→read distances are measured.
// Attention: causal (a language-modelling task).
#include <array>

#include "tasks/split_table.hpp"
#include "tasks/task.hpp"

namespace pebench {
namespace {

// Input ids; the order is the data card's (w→0, r→1, i→2, '0'→3, '1'→4).
enum FlipFlopToken { kWrite = 0, kRead = 1, kIgnore = 2, kBitZero = 3 };

struct FlipFlopSplit {
  const char* name;
  SplitKind kind;
  double p_ignore;       // p_i; p_w = p_r = (1 − p_i)/2
  bool at_ood_length;    // T = ood_length instead of length
  const char* description;
};

constexpr std::array<FlipFlopSplit, 5> kSplits = {{
    {"train", SplitKind::train, 0.8, false, "FFL(p_i = 0.8)"},
    {"id", SplitKind::id, 0.8, false, "FFL(p_i = 0.8), in distribution"},
    {"ood_sparse", SplitKind::ood, 0.98, false, "FFL(p_i = 0.98): sparse reads and writes, long gaps"},
    {"ood_dense", SplitKind::ood, 0.1, false, "FFL(p_i = 0.1): dense reads and writes"},
    {"ood_length", SplitKind::ood, 0.8, true, "FFL(p_i = 0.8) at ood_length symbols"},
}};

class FlipFlop final : public Task {
 public:
  std::string family() const override { return "memory"; }
  std::vector<std::string> input_vocab() const override { return {"w", "r", "i", "0", "1"}; }
  std::vector<std::string> output_vocab() const override { return {"0", "1"}; }
  Attention attention() const override { return Attention::causal; }
  std::vector<std::string> segment_boundaries() const override { return {"0", "1"}; }
  int sequence_length(int length) const override { return length; }
  int min_length() const override { return 3; }

  std::vector<Split> splits() const override {
    std::vector<Split> out;
    for (const auto& split : kSplits)
      out.push_back({split.name, split.kind, {split.at_ood_length ? ood_length_ : length_}, split.description});
    return out;
  }

  void configure(const json& options) override {
    OptionsReader reader = options_reader(options);
    const int length = reader.integer("length", length_, min_length(), max_length());
    const int ood_length = reader.integer("ood_length", ood_length_, min_length(), max_length());
    reader.finish();
    if (ood_length <= length)
      reader.fail("ood_length", "must be larger than length (" + std::to_string(length) + "), got " +
                                    std::to_string(ood_length));
    length_ = length;
    ood_length_ = ood_length;
  }
  json options() const override { return {{"length", length_}, {"ood_length", ood_length_}}; }

  Example sample(const std::string& split, int length, Rng& rng) const override {
    const double p_ignore = find_split_row(*this, kSplits, split).p_ignore;
    check_length(length);
    const double p_write = (1.0 - p_ignore) / 2.0;
    const std::vector<double> instruction_weights = {p_write, p_write, p_ignore};  // indexed by FlipFlopToken
    const int instructions = (length + 1) / 2;

    Example example;
    example.tokens.reserve(length);
    example.targets.assign(length, Example::kNoTarget);
    example.scored.assign(length, 0);
    int memory = 0;  // the most recently written bit
    for (int k = 0; k < instructions; ++k) {
      const int instruction = k == 0                  ? kWrite
                              : k == instructions - 1 ? kRead
                                                      : static_cast<int>(rng.categorical(instruction_weights));
      const int bit = instruction == kRead ? memory : static_cast<int>(rng.below(2));
      if (instruction == kWrite) memory = bit;
      if (instruction == kRead) {
        example.targets[2 * k] = bit;  // output ids: "0" → 0, "1" → 1
        example.scored[2 * k] = 1;
      }
      example.tokens.push_back(instruction);
      if (2 * k + 1 < length) example.tokens.push_back(kBitZero + bit);
    }
    return example;
  }

 private:
  int length_ = 512;
  int ood_length_ = 1024;
};

}  // namespace

PEBENCH_TASK(FlipFlop, "flip_flop");

}  // namespace pebench
