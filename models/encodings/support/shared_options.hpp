// Option values that several encodings share, each an enum with its names
// (common/enum_names.hpp), read with OptionsReader::choice and written back
// with to_string:
//
//   form_ = read_bidirectional_form(reader);   // options(): {"bidirectional", to_string(form_)}
#pragma once
#include "common/enum_names.hpp"
#include "common/options_reader.hpp"
#include "models/params.hpp"

namespace pebench {

// How an encoding defined on causal offsets serves bidirectional attention
// (option "bidirectional"; kerple_*, mep, mep_param, dape_kerple, bipe_alibi):
// "directional" (default) tells a key on the left from one on the right at
// the same distance; "symmetric" is a function of |i − j| alone, blind to
// order. Causal passes are the same for both.
enum class BidirectionalForm { directional, symmetric };
constexpr EnumName<BidirectionalForm> kBidirectionalFormNames[] = {
    {BidirectionalForm::directional, "directional"}, {BidirectionalForm::symmetric, "symmetric"}};
constexpr const auto& enum_names(BidirectionalForm) { return kBidirectionalFormNames; }
inline BidirectionalForm read_bidirectional_form(OptionsReader& reader) {
  return reader.choice("bidirectional", BidirectionalForm::directional);
}

// Initialisation of a learned absolute position table (learned, rand_learned),
// option "init":
//   "truncated_normal" (default): truncated normal, stddev 1 (cut at ±2σ): the
//     Haiku hk.Embed default that the Chomsky-hierarchy reference
//     (google-deepmind/randomized_positional_encodings models/transformer.py,
//     LEARNT / NOISY_LEARNT) uses, next to its sqrt(D)-scaled token
//     embeddings (model.embed_scale);
//   "normal_0.02": N(0, 0.02), GPT-2 / BERT, about 50 times smaller.
enum class TableInit { truncated_normal, normal_0_02 };
constexpr EnumName<TableInit> kTableInitNames[] = {{TableInit::truncated_normal, "truncated_normal"},
                                                   {TableInit::normal_0_02, "normal_0.02"}};
constexpr const auto& enum_names(TableInit) { return kTableInitNames; }
inline TableInit read_table_init(OptionsReader& reader) { return reader.choice("init", TableInit::truncated_normal); }

inline Init table_initializer(TableInit init) {
  return init == TableInit::truncated_normal ? Init::truncated_normal(1.0) : Init::normal(0.02);
}

}  // namespace pebench
